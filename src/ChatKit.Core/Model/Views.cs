namespace ChatKit;

/// <summary>A conversation as one user sees it: with its newest message and that user's unread count.</summary>
/// <param name="Conversation">The conversation.</param>
/// <param name="LastMessage">The newest message (possibly a tombstone), or <see langword="null"/> when there is none.</param>
/// <param name="UnreadCount">Messages of other senders after the user's read position, deleted ones excluded.</param>
public sealed record ConversationView(Conversation Conversation, ChatMessage? LastMessage, int UnreadCount)
{
    /// <summary>
    /// The participants' read and delivery positions; a participant without an entry has read and received nothing
    /// (positions 0).
    /// </summary>
    public IReadOnlyList<ReceiptPosition> Positions { get; init; } = [];
    /// <summary>
    /// Messages of other senders after the user's read position that mention the user; deleted and system messages excluded.
    /// </summary>
    public int UnreadMentionCount { get; init; }

    /// <summary>
    /// Until when the viewing user muted the conversation (<see cref="Participant.MutedForever"/>: until unmuted), or
    /// <see langword="null"/> when they did not (or the mute ended). Set in the user's own responses only, never in
    /// events, which every participant receives.
    /// </summary>
    public DateTimeOffset? MutedUntil { get; init; }
}

/// <summary>One page of a user's conversations, most recent activity first.</summary>
/// <param name="Items">The conversations on this page.</param>
/// <param name="NextCursor">The cursor of the next page, or <see langword="null"/> on the last page.</param>
public sealed record ConversationPage(IReadOnlyList<ConversationView> Items, string? NextCursor);

/// <summary>One page of a conversation's messages, ascending by seq.</summary>
/// <param name="Items">The messages on this page.</param>
/// <param name="HasMore">Whether more messages lie beyond this page in the direction it was read.</param>
public sealed record MessagePage(IReadOnlyList<ChatMessage> Items, bool HasMore);

/// <summary>The outcome of creating a conversation.</summary>
/// <param name="Conversation">The conversation, as the caller sees it.</param>
/// <param name="Created"><see langword="false"/> when an existing direct conversation was returned.</param>
public sealed record CreateConversationResult(ConversationView Conversation, bool Created);

/// <summary>The outcome of sending a message.</summary>
/// <param name="Message">The stored message (the first one, for a repeated tempId).</param>
/// <param name="Created"><see langword="false"/> when the tempId had been used and nothing new was stored.</param>
public sealed record SendMessageResult(ChatMessage Message, bool Created);

/// <summary>What a reaction change did.</summary>
public enum ReactionChange
{
    /// <summary>The reaction was added or removed.</summary>
    Changed,

    /// <summary>Nothing changed: it existed already (add) or did not exist (remove).</summary>
    Unchanged,

    /// <summary>The message does not exist.</summary>
    MessageNotFound,

    /// <summary>The message is a tombstone; nothing changed.</summary>
    MessageDeleted,

    /// <summary>The message already holds the most distinct emoji allowed; nothing changed.</summary>
    LimitExceeded,
}
