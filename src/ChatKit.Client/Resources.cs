using System.Text.Json;

namespace ChatKit.Client;

/// <summary>Whether a conversation is between two users or a named group.</summary>
public enum ConversationType
{
    /// <summary>Two users; unique per pair.</summary>
    Direct,

    /// <summary>A named group with an owner.</summary>
    Group,
}

/// <summary>A participant's role in a conversation.</summary>
public enum ParticipantRole
{
    /// <summary>A participant without administrative rights.</summary>
    Member,

    /// <summary>May rename the group and add or remove participants.</summary>
    Admin,

    /// <summary>The group's owner: may also change roles.</summary>
    Owner,
}

/// <summary>What kind of message it is.</summary>
public enum MessageType
{
    /// <summary>Something a user sent.</summary>
    Text,

    /// <summary>A membership or group change the server recorded (see <see cref="ChatMessage.System"/>).</summary>
    System,
}

/// <summary>Whether a user has at least one open connection.</summary>
public enum UserStatus
{
    /// <summary>At least one connection is open.</summary>
    Online,

    /// <summary>The last connection closed.</summary>
    Offline,
}

/// <summary>A conversation as the calling user sees it (<c>unreadCount</c> is theirs).</summary>
/// <param name="Id">The conversation's id.</param>
/// <param name="Type">Direct or group.</param>
/// <param name="Name">A group's name; <see langword="null"/> for a direct conversation.</param>
/// <param name="CreatedBy">The user who created it.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="Participants">Its participants.</param>
/// <param name="LastMessage">The message with the highest seq, or <see langword="null"/>.</param>
/// <param name="LastSeq">The seq of <paramref name="LastMessage"/>, 0 when there is none.</param>
/// <param name="LastActivityAt">When its newest message was sent, or its creation time.</param>
/// <param name="UnreadCount">Messages of others after the caller's read position.</param>
/// <param name="UnreadMentionCount">Those of them that mention the caller.</param>
/// <param name="Metadata">The host app's JSON object, or <see langword="null"/>.</param>
/// <param name="MutedUntil">
/// Until when the caller muted it (no notification while offline; 9999-12-31T23:59:59Z: until unmuted), or
/// <see langword="null"/>; always <see langword="null"/> in <c>conversationCreated</c> and <c>conversationUpdated</c> events.
/// </param>
public sealed record Conversation(
    string Id,
    ConversationType Type,
    string? Name,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    IReadOnlyList<Participant> Participants,
    ChatMessage? LastMessage,
    long LastSeq,
    DateTimeOffset LastActivityAt,
    int UnreadCount,
    int UnreadMentionCount = 0,
    JsonElement? Metadata = null,
    DateTimeOffset? MutedUntil = null);

/// <summary>A participant of a conversation.</summary>
/// <param name="UserId">The user's id.</param>
/// <param name="Role">Their role.</param>
/// <param name="JoinedAt">When they joined.</param>
/// <param name="LastReadSeq">Their read position (0 when nothing was read).</param>
/// <param name="LastDeliveredSeq">Their delivery position, never below <paramref name="LastReadSeq"/>.</param>
public sealed record Participant(string UserId, ParticipantRole Role, DateTimeOffset JoinedAt, long LastReadSeq = 0, long LastDeliveredSeq = 0);

/// <summary>A message, always with its current content, reactions and deleted state.</summary>
/// <param name="Id">The message's id.</param>
/// <param name="ConversationId">Its conversation.</param>
/// <param name="Seq">Its position in the conversation: 1, 2, 3… with no gap.</param>
/// <param name="Sender">Who sent it (the actor of a system message).</param>
/// <param name="Content">Its plain text; empty once deleted.</param>
/// <param name="Type">Text or system.</param>
/// <param name="TempId">The sender's idempotency key, or <see langword="null"/>.</param>
/// <param name="CreatedAt">When it was stored.</param>
/// <param name="EditedAt">When it was last edited, or <see langword="null"/>.</param>
/// <param name="DeletedAt">When it was deleted, or <see langword="null"/>.</param>
/// <param name="ReplyTo">The message it replies to, or <see langword="null"/>.</param>
/// <param name="Mentions">The user ids it mentions.</param>
/// <param name="Reactions">Its reactions, each emoji once.</param>
/// <param name="Attachments">Its attachments.</param>
/// <param name="Metadata">The sender's JSON object, or <see langword="null"/>.</param>
/// <param name="System">What a system message records, or <see langword="null"/>.</param>
public sealed record ChatMessage(
    string Id,
    string ConversationId,
    long Seq,
    MessageSender Sender,
    string Content,
    MessageType Type,
    string? TempId,
    DateTimeOffset CreatedAt,
    DateTimeOffset? EditedAt,
    DateTimeOffset? DeletedAt,
    ReplyReference? ReplyTo = null,
    IReadOnlyList<string>? Mentions = null,
    IReadOnlyList<Reaction>? Reactions = null,
    IReadOnlyList<Attachment>? Attachments = null,
    JsonElement? Metadata = null,
    SystemInfo? System = null);

/// <summary>The sender of a message.</summary>
/// <param name="Id">Their user id.</param>
/// <param name="Name">Their display name when they sent it.</param>
public sealed record MessageSender(string Id, string Name);

/// <summary>What a reply quotes.</summary>
/// <param name="MessageId">The original message.</param>
/// <param name="SenderId">Its sender.</param>
/// <param name="Excerpt">Its first 100 characters; empty once it was deleted.</param>
public sealed record ReplyReference(string MessageId, string SenderId, string Excerpt);

/// <summary>One emoji on a message.</summary>
/// <param name="Emoji">The emoji.</param>
/// <param name="Count">How many users reacted with it.</param>
/// <param name="UserIds">Those users, in the order they reacted.</param>
public sealed record Reaction(string Emoji, int Count, IReadOnlyList<string> UserIds);

/// <summary>A file attached to a message.</summary>
/// <param name="Id">The attachment's id.</param>
/// <param name="Name">Its file name.</param>
/// <param name="ContentType">Its media type.</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="Width">An image's width, or <see langword="null"/>.</param>
/// <param name="Height">An image's height, or <see langword="null"/>.</param>
/// <param name="Url">A short-lived link that works without a token.</param>
public sealed record Attachment(string Id, string Name, string ContentType, long Size, int? Width, int? Height, Uri? Url);

/// <summary>What a system message records.</summary>
/// <param name="Event"><c>participants_added</c>, <c>participant_removed</c>, <c>participant_left</c>, <c>conversation_renamed</c> or <c>role_changed</c>.</param>
/// <param name="ActorId">Who made the change.</param>
/// <param name="UserIds">Whom it happened to.</param>
/// <param name="Name">The new name of a rename.</param>
/// <param name="Role">The new role of a role change.</param>
public sealed record SystemInfo(string Event, string ActorId, IReadOnlyList<string> UserIds, string? Name, ParticipantRole? Role);

/// <summary>The server's acknowledgement of a sent message: it is stored.</summary>
/// <param name="TempId">The client's idempotency key.</param>
/// <param name="MessageId">The stored message's id.</param>
/// <param name="Seq">Its seq.</param>
/// <param name="CreatedAt">When it was stored.</param>
/// <param name="Message">The stored message, when the server sends it (v2).</param>
public sealed record SendMessageAck(string? TempId, string MessageId, long Seq, DateTimeOffset CreatedAt, ChatMessage? Message = null);

/// <summary>One page of a conversation's history, ascending by seq.</summary>
/// <param name="Items">The messages.</param>
/// <param name="HasMore">Whether there are more in the direction asked.</param>
public sealed record MessagePage(IReadOnlyList<ChatMessage> Items, bool HasMore);

/// <summary>One page of the caller's conversations, most recent activity first.</summary>
/// <param name="Items">The conversations.</param>
/// <param name="NextCursor">The cursor of the next page, or <see langword="null"/> on the last one.</param>
public sealed record ConversationPage(IReadOnlyList<Conversation> Items, string? NextCursor);

/// <summary>What <c>GET /chats/sync</c> and the hub's <c>sync</c> answer.</summary>
/// <param name="Events">The durable events missed since the cursor, in order.</param>
/// <param name="Cursor">Where the next sync starts.</param>
/// <param name="Limited">Events were left out: re-read conversations and page their history.</param>
public sealed record SyncResult(IReadOnlyList<SyncEvent> Events, string Cursor, bool Limited);

/// <summary>One event of a sync: the hub event's name and payload.</summary>
/// <param name="Type">The hub event's name, for example <c>newMessage</c>.</param>
/// <param name="Data">Its payload.</param>
public sealed record SyncEvent(string Type, JsonElement Data);
