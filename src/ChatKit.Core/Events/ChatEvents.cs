namespace ChatKit.Events;

/// <summary>
/// Something that changed and that clients may need to hear about. Services publish events through
/// <see cref="IChatEventPublisher"/>; the transport decides which connections receive each one.
/// </summary>
public abstract record ChatEvent
{
    /// <summary>
    /// The id under which the store recorded this event (see <see cref="Storage.IChatStore.RecordEventsAsync{TResult}"/>),
    /// sent to clients as <c>eventId</c> so that a client that syncs can skip the events it already received live;
    /// <see langword="null"/> for events that are not durable (typing, presence) or a store that records none.
    /// </summary>
    public string? EventId { get; init; }
}

/// <summary>A conversation was created. Goes to every participant, the creator included.</summary>
/// <param name="Conversation">The new conversation (no message yet, so no unread count to personalise).</param>
public sealed record ConversationCreatedEvent(ConversationView Conversation) : ChatEvent;

/// <summary>A message was stored. Goes to every connection of every participant.</summary>
/// <param name="Message">The stored message.</param>
/// <param name="ParticipantIds">The participants at the time it was sent.</param>
public sealed record MessageCreatedEvent(ChatMessage Message, IReadOnlyList<string> ParticipantIds) : ChatEvent;

/// <summary>A message became a tombstone. Goes to the participants.</summary>
/// <param name="MessageId">The message id.</param>
/// <param name="ConversationId">Its conversation.</param>
/// <param name="ParticipantIds">The participants.</param>
public sealed record MessageDeletedEvent(string MessageId, string ConversationId, IReadOnlyList<string> ParticipantIds) : ChatEvent;

/// <summary>A user read up to a message. Goes to the participants.</summary>
/// <param name="MessageId">The message read up to.</param>
/// <param name="ConversationId">Its conversation.</param>
/// <param name="ReadBy">The reader.</param>
/// <param name="ReadAt">When.</param>
/// <param name="ParticipantIds">The participants.</param>
public sealed record MessageReadEvent(string MessageId, string ConversationId, string ReadBy, DateTimeOffset ReadAt, IReadOnlyList<string> ParticipantIds) : ChatEvent;

/// <summary>A user read a whole conversation. Goes to the participants.</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="ReadBy">The reader.</param>
/// <param name="ReadAt">When.</param>
/// <param name="ParticipantIds">The participants.</param>
public sealed record ConversationReadEvent(string ConversationId, string ReadBy, DateTimeOffset ReadAt, IReadOnlyList<string> ParticipantIds) : ChatEvent;

/// <summary>Users joined a group. Goes to every participant, the new ones included.</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="UserIds">The users who were added.</param>
/// <param name="ParticipantIds">The participants afterwards.</param>
public sealed record ParticipantsAddedEvent(string ConversationId, IReadOnlyList<string> UserIds, IReadOnlyList<string> ParticipantIds) : ChatEvent;

/// <summary>A user left or was removed from a group. Goes to the remaining participants and the removed user.</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="UserId">The user who is no longer a participant.</param>
/// <param name="ParticipantIds">The remaining participants.</param>
public sealed record ParticipantRemovedEvent(string ConversationId, string UserId, IReadOnlyList<string> ParticipantIds) : ChatEvent;

/// <summary>A user is typing. Goes to the other participants' connections that joined the conversation's room.</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="UserId">The typist.</param>
/// <param name="UserName">The typist's display name.</param>
public sealed record UserTypingEvent(string ConversationId, string UserId, string UserName) : ChatEvent;

/// <summary>A user stopped typing, said so, went quiet for the typing timeout, or disconnected.</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="UserId">The typist.</param>
public sealed record UserStoppedTypingEvent(string ConversationId, string UserId) : ChatEvent;

/// <summary>A user came online (first connection) or went offline (last connection). Goes to the user's contacts.</summary>
/// <param name="UserId">The user.</param>
/// <param name="Status">The new status.</param>
/// <param name="Timestamp">When it changed.</param>
/// <param name="ContactIds">The users who share a conversation with <paramref name="UserId"/>.</param>
public sealed record UserStatusChangedEvent(string UserId, PresenceStatus Status, DateTimeOffset Timestamp, IReadOnlyCollection<string> ContactIds) : ChatEvent;

/// <summary>A group's name, metadata or roles changed. Goes to every participant.</summary>
/// <param name="Conversation">The conversation afterwards, as the user who changed it sees it.</param>
/// <param name="ParticipantIds">The participants.</param>
public sealed record ConversationUpdatedEvent(ConversationView Conversation, IReadOnlyList<string> ParticipantIds) : ChatEvent;

/// <summary>A user's delivery position moved. Goes to the participants of conversations up to the receipts limit.</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="UserId">The recipient.</param>
/// <param name="Seq">The seq received up to.</param>
/// <param name="ParticipantIds">The participants.</param>
public sealed record MessageDeliveredEvent(string ConversationId, string UserId, long Seq, IReadOnlyList<string> ParticipantIds) : ChatEvent;
/// <summary>A message's content was edited. Goes to every participant.</summary>
/// <param name="Message">The message as it is now, with its reply summary and reactions.</param>
/// <param name="ParticipantIds">The participants.</param>
public sealed record MessageUpdatedEvent(ChatMessage Message, IReadOnlyList<string> ParticipantIds) : ChatEvent;

/// <summary>A user added a reaction that was not there. Goes to every participant.</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="MessageId">The message.</param>
/// <param name="Emoji">The emoji.</param>
/// <param name="UserId">The user who reacted.</param>
/// <param name="ParticipantIds">The participants.</param>
public sealed record ReactionAddedEvent(string ConversationId, string MessageId, string Emoji, string UserId, IReadOnlyList<string> ParticipantIds) : ChatEvent;

/// <summary>A user removed a reaction of theirs. Goes to every participant.</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="MessageId">The message.</param>
/// <param name="Emoji">The emoji.</param>
/// <param name="UserId">The user whose reaction was removed.</param>
/// <param name="ParticipantIds">The participants.</param>
public sealed record ReactionRemovedEvent(string ConversationId, string MessageId, string Emoji, string UserId, IReadOnlyList<string> ParticipantIds) : ChatEvent;
