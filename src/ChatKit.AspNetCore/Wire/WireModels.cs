using System.Text.Json.Serialization;

namespace ChatKit.AspNetCore.Wire;

// The JSON shapes of the wire contract. Property names are given explicitly, enums are strings already, and null
// properties are always written (JsonIgnoreCondition.Never), so the shapes do not depend on the host's JSON options.

/// <summary>A participant on the wire.</summary>
public sealed class ParticipantDto
{
    /// <summary>The user id.</summary>
    [JsonPropertyName("userId")] public required string UserId { get; init; }

    /// <summary><c>owner</c>, <c>admin</c> or <c>member</c>.</summary>
    [JsonPropertyName("role")] public required string Role { get; init; }

    /// <summary>When the user joined (ISO 8601 UTC).</summary>
    [JsonPropertyName("joinedAt")] public required DateTime JoinedAt { get; init; }

    /// <summary>The seq this participant read up to; 0 when nothing was read.</summary>
    [JsonPropertyName("lastReadSeq")] public long LastReadSeq { get; init; }

    /// <summary>The seq this participant received up to; never below <see cref="LastReadSeq"/>.</summary>
    [JsonPropertyName("lastDeliveredSeq")] public long LastDeliveredSeq { get; init; }
}

/// <summary>A message's sender on the wire.</summary>
public sealed class SenderDto
{
    /// <summary>The user id.</summary>
    [JsonPropertyName("id")] public required string Id { get; init; }

    /// <summary>The display name.</summary>
    [JsonPropertyName("name")] public required string Name { get; init; }
}

/// <summary>A message on the wire.</summary>
public sealed class MessageDto
{
    /// <summary>The message id.</summary>
    [JsonPropertyName("id")] public required string Id { get; init; }

    /// <summary>The conversation id.</summary>
    [JsonPropertyName("conversationId")] public required string ConversationId { get; init; }

    /// <summary>The position in the conversation.</summary>
    [JsonPropertyName("seq")] public required long Seq { get; init; }

    /// <summary>The sender.</summary>
    [JsonPropertyName("sender")] public required SenderDto Sender { get; init; }

    /// <summary>The text; empty once deleted.</summary>
    [JsonPropertyName("content")] public required string Content { get; init; }

    /// <summary><c>text</c> or <c>system</c>.</summary>
    [JsonPropertyName("type")] public required string Type { get; init; }

    /// <summary>The sender's idempotency key, or null.</summary>
    [JsonPropertyName("tempId"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? TempId { get; init; }

    /// <summary>When it was stored.</summary>
    [JsonPropertyName("createdAt")] public required DateTime CreatedAt { get; init; }

    /// <summary>When it was edited, or null.</summary>
    [JsonPropertyName("editedAt"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public DateTime? EditedAt { get; init; }

    /// <summary>When it was deleted, or null.</summary>
    [JsonPropertyName("deletedAt"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public DateTime? DeletedAt { get; init; }

    /// <summary>The sender's custom data (a JSON object), or null.</summary>
    [JsonPropertyName("metadata"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public System.Text.Json.JsonElement? Metadata { get; init; }

    /// <summary>For a <c>system</c> message, what happened; null otherwise.</summary>
    [JsonPropertyName("system"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public SystemDto? System { get; init; }
    /// <summary>The summary of the message this one replies to, or null (v2).</summary>
    [JsonPropertyName("replyTo"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public ReplyToDto? ReplyTo { get; init; }

    /// <summary>The mentioned user ids (v2).</summary>
    [JsonPropertyName("mentions")] public IReadOnlyList<string> Mentions { get; init; } = [];

    /// <summary>The reactions, each emoji once in first-use order (v2).</summary>
    [JsonPropertyName("reactions")] public IReadOnlyList<ReactionDto> Reactions { get; init; } = [];

    /// <summary>The attached files, in the order the sender gave (v2).</summary>
    [JsonPropertyName("attachments")] public IReadOnlyList<AttachmentDto> Attachments { get; init; } = [];
}

/// <summary>An attached file (v2).</summary>
public sealed class AttachmentDto
{
    /// <summary>The attachment id, <c>a_…</c>.</summary>
    [JsonPropertyName("id")] public required string Id { get; init; }

    /// <summary>The sanitised file name.</summary>
    [JsonPropertyName("name")] public required string Name { get; init; }

    /// <summary>The media type.</summary>
    [JsonPropertyName("contentType")] public required string ContentType { get; init; }

    /// <summary>The size in bytes.</summary>
    [JsonPropertyName("size")] public required long Size { get; init; }

    /// <summary>An image's width in pixels, or null.</summary>
    [JsonPropertyName("width"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public int? Width { get; init; }

    /// <summary>An image's height in pixels, or null.</summary>
    [JsonPropertyName("height"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public int? Height { get; init; }

    /// <summary>A signed link that works without a bearer token until it expires (at least 10 minutes).</summary>
    [JsonPropertyName("url")] public required string Url { get; init; }
}

/// <summary>What a reply shows of the message it replies to (v2).</summary>
public sealed class ReplyToDto
{
    /// <summary>The message replied to.</summary>
    [JsonPropertyName("messageId")] public required string MessageId { get; init; }

    /// <summary>Its sender.</summary>
    [JsonPropertyName("senderId")] public required string SenderId { get; init; }

    /// <summary>Its first 100 characters as they are now; empty once it is deleted.</summary>
    [JsonPropertyName("excerpt")] public required string Excerpt { get; init; }
}

/// <summary>One emoji on a message (v2).</summary>
public sealed class ReactionDto
{
    /// <summary>The emoji.</summary>
    [JsonPropertyName("emoji")] public required string Emoji { get; init; }

    /// <summary>How many users reacted with it.</summary>
    [JsonPropertyName("count")] public required int Count { get; init; }

    /// <summary>The users, in the order they reacted.</summary>
    [JsonPropertyName("userIds")] public required IReadOnlyList<string> UserIds { get; init; }
}

/// <summary>A conversation on the wire, as one user sees it.</summary>
public sealed class ConversationDto
{
    /// <summary>The conversation id.</summary>
    [JsonPropertyName("id")] public required string Id { get; init; }

    /// <summary><c>direct</c> or <c>group</c>.</summary>
    [JsonPropertyName("type")] public required string Type { get; init; }

    /// <summary>The group's name, or null.</summary>
    [JsonPropertyName("name"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? Name { get; init; }

    /// <summary>The creator.</summary>
    [JsonPropertyName("createdBy")] public required string CreatedBy { get; init; }

    /// <summary>When it was created.</summary>
    [JsonPropertyName("createdAt")] public required DateTime CreatedAt { get; init; }

    /// <summary>The participants.</summary>
    [JsonPropertyName("participants")] public required IReadOnlyList<ParticipantDto> Participants { get; init; }

    /// <summary>The newest message, or null.</summary>
    [JsonPropertyName("lastMessage"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public MessageDto? LastMessage { get; init; }

    /// <summary>The seq of the newest message, 0 when there is none.</summary>
    [JsonPropertyName("lastSeq")] public required long LastSeq { get; init; }

    /// <summary>When the last message was sent, or the creation time.</summary>
    [JsonPropertyName("lastActivityAt")] public required DateTime LastActivityAt { get; init; }

    /// <summary>The caller's unread count.</summary>
    [JsonPropertyName("unreadCount")] public required int UnreadCount { get; init; }

    /// <summary>The conversation's custom data (a JSON object), or null.</summary>
    [JsonPropertyName("metadata"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public System.Text.Json.JsonElement? Metadata { get; init; }
    /// <summary>The caller's unread messages that mention them (v2).</summary>
    [JsonPropertyName("unreadMentionCount")] public int UnreadMentionCount { get; init; }

    /// <summary>
    /// Until when the caller muted the conversation (9999-12-31T23:59:59Z: until unmuted), or null when not muted (v2).
    /// Private to the caller: always null in <c>conversationCreated</c> and <c>conversationUpdated</c> events.
    /// </summary>
    [JsonPropertyName("mutedUntil"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public DateTime? MutedUntil { get; init; }
}

/// <summary>A page of conversations.</summary>
public sealed class ConversationPageDto
{
    /// <summary>The conversations, most recent activity first.</summary>
    [JsonPropertyName("items")] public required IReadOnlyList<ConversationDto> Items { get; init; }

    /// <summary>The cursor of the next page, or null.</summary>
    [JsonPropertyName("nextCursor"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? NextCursor { get; init; }
}

/// <summary>A page of messages.</summary>
public sealed class MessagePageDto
{
    /// <summary>The messages, ascending by seq.</summary>
    [JsonPropertyName("items")] public required IReadOnlyList<MessageDto> Items { get; init; }

    /// <summary>Whether more lie beyond this page in the direction it was read.</summary>
    [JsonPropertyName("hasMore")] public required bool HasMore { get; init; }
}

/// <summary>The body of <c>createConversation</c> and <c>POST /conversations</c>.</summary>
public sealed class CreateConversationBody
{
    /// <summary><c>direct</c> or <c>group</c>.</summary>
    [JsonPropertyName("type")] public string? Type { get; init; }

    /// <summary>The other participants.</summary>
    [JsonPropertyName("participantIds")] public IReadOnlyList<string>? ParticipantIds { get; init; }

    /// <summary>Custom data: a JSON object, or null.</summary>
    [JsonPropertyName("metadata")] public System.Text.Json.JsonElement? Metadata { get; init; }

    /// <summary>The group's name.</summary>
    [JsonPropertyName("name")] public string? Name { get; init; }
}

/// <summary>The argument of hub methods that name a conversation.</summary>
public sealed class ConversationArgs
{
    /// <summary>The conversation id.</summary>
    [JsonPropertyName("conversationId")] public string? ConversationId { get; init; }
}

/// <summary>The argument of <c>sendMessage</c>.</summary>
public sealed class SendMessageArgs
{
    /// <summary>The conversation id.</summary>
    [JsonPropertyName("conversationId")] public string? ConversationId { get; init; }

    /// <summary>The text.</summary>
    [JsonPropertyName("content")] public string? Content { get; init; }

    /// <summary><c>text</c> (the default).</summary>
    [JsonPropertyName("type")] public string? Type { get; init; }

    /// <summary>The client's idempotency key.</summary>
    [JsonPropertyName("tempId")] public string? TempId { get; init; }

    /// <summary>Custom data: a JSON object, or null.</summary>
    [JsonPropertyName("metadata")] public System.Text.Json.JsonElement? Metadata { get; init; }
    /// <summary>The message of the same conversation this one replies to (v2).</summary>
    [JsonPropertyName("replyToId")] public string? ReplyToId { get; init; }

    /// <summary>Participants to mention (v2).</summary>
    [JsonPropertyName("mentions")] public IReadOnlyList<string>? Mentions { get; init; }

    /// <summary>Uploads of the caller to this conversation to attach (v2); <c>content</c> may then be empty.</summary>
    [JsonPropertyName("attachmentIds")] public IReadOnlyList<string>? AttachmentIds { get; init; }
}

/// <summary>The argument of <c>markAsRead</c>.</summary>
public sealed class MarkAsReadArgs
{
    /// <summary>The conversation id.</summary>
    [JsonPropertyName("conversationId")] public string? ConversationId { get; init; }

    /// <summary>The message read up to.</summary>
    [JsonPropertyName("messageId")] public string? MessageId { get; init; }
}

/// <summary>The result of <c>sendMessage</c>.</summary>
public sealed class SendMessageAck
{
    /// <summary>The tempId the client gave, or null.</summary>
    [JsonPropertyName("tempId"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? TempId { get; init; }

    /// <summary>The stored message's id.</summary>
    [JsonPropertyName("messageId")] public required string MessageId { get; init; }

    /// <summary>The stored message's seq.</summary>
    [JsonPropertyName("seq")] public required long Seq { get; init; }

    /// <summary>When it was stored.</summary>
    [JsonPropertyName("createdAt")] public required DateTime CreatedAt { get; init; }

    /// <summary>The stored message as every participant receives it, with its reply summary and mentions (v2).</summary>
    [JsonPropertyName("message")] public MessageDto? Message { get; init; }
}

/// <summary>The body of <c>POST /conversations/{id}/participants</c>.</summary>
public sealed class AddParticipantsBody
{
    /// <summary>The users to add.</summary>
    [JsonPropertyName("userIds")] public IReadOnlyList<string>? UserIds { get; init; }
}

/// <summary>The <c>system</c> object of a system message.</summary>
public sealed class SystemDto
{
    /// <summary><c>participants_added</c>, <c>participant_removed</c>, <c>participant_left</c>, <c>conversation_renamed</c> or <c>role_changed</c>.</summary>
    [JsonPropertyName("event")] public required string Event { get; init; }

    /// <summary>The user who did it.</summary>
    [JsonPropertyName("actorId")] public required string ActorId { get; init; }

    /// <summary>The users it happened to.</summary>
    [JsonPropertyName("userIds")] public required IReadOnlyList<string> UserIds { get; init; }

    /// <summary>The new name of a renamed group, or null.</summary>
    [JsonPropertyName("name"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? Name { get; init; }

    /// <summary>The new role of a role change, or null.</summary>
    [JsonPropertyName("role"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? Role { get; init; }
}

/// <summary>The body of <c>PATCH /conversations/{id}</c>: what is not given stays as it is.</summary>
public sealed class UpdateConversationBody
{
    /// <summary>The new name.</summary>
    [JsonPropertyName("name")] public string? Name { get; init; }

    /// <summary>The new custom data: an object replaces it, null clears it, absent keeps it.</summary>
    [JsonPropertyName("metadata")] public System.Text.Json.JsonElement Metadata { get; init; }
}

/// <summary>The body of <c>PUT /conversations/{id}/participants/{userId}/role</c>.</summary>
public sealed class ChangeRoleBody
{
    /// <summary><c>admin</c>, <c>member</c> or <c>owner</c>.</summary>
    [JsonPropertyName("role")] public string? Role { get; init; }
}

/// <summary>The argument of <c>markAsDelivered</c>.</summary>
public sealed class MarkAsDeliveredArgs
{
    /// <summary>The conversation id.</summary>
    [JsonPropertyName("conversationId")] public string? ConversationId { get; init; }

    /// <summary>The seq received up to.</summary>
    [JsonPropertyName("seq")] public long? Seq { get; init; }
}

/// <summary>The argument of <c>editMessage</c>, and the body of <c>PATCH /messages/{id}</c> (which takes the id from the path).</summary>
public sealed class EditMessageArgs
{
    /// <summary>The message id (hub only).</summary>
    [JsonPropertyName("messageId")] public string? MessageId { get; init; }

    /// <summary>The new content.</summary>
    [JsonPropertyName("content")] public string? Content { get; init; }
}

/// <summary>The argument of <c>addReaction</c> and <c>removeReaction</c>.</summary>
public sealed class ReactionArgs
{
    /// <summary>The message id.</summary>
    [JsonPropertyName("messageId")] public string? MessageId { get; init; }

    /// <summary>The emoji.</summary>
    [JsonPropertyName("emoji")] public string? Emoji { get; init; }
}

/// <summary>The arguments of the hub's <c>sync</c> (v2).</summary>
/// <param name="Since">The cursor a previous sync returned; absent for a fresh cursor only.</param>
/// <param name="Limit">The most events (default 500, at most 1,000).</param>
public sealed record SyncArgs(
    [property: JsonPropertyName("since")] string? Since,
    [property: JsonPropertyName("limit")] int? Limit);

/// <summary>What <c>sync</c> and <c>GET /chats/sync</c> return (v2).</summary>
/// <param name="Events">The events the caller missed, in order, as the hub's events (same names and payloads).</param>
/// <param name="Cursor">The cursor to sync from next time.</param>
/// <param name="Limited">True when events were left out: re-read the conversations and page their history with <c>after=</c>.</param>
public sealed record SyncResponse(
    [property: JsonPropertyName("events")] IReadOnlyList<SyncEventDto> Events,
    [property: JsonPropertyName("cursor")] string Cursor,
    [property: JsonPropertyName("limited")] bool Limited);

/// <summary>One event of a sync: the hub event's name and payload.</summary>
/// <param name="Type">The hub event name, e.g. <c>newMessage</c>.</param>
/// <param name="Data">The payload, as the hub event carries it (with its <c>eventId</c>).</param>
public sealed record SyncEventDto(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("data")] object Data);

/// <summary>The argument of <c>muteConversation</c> and <c>unmuteConversation</c>, and the body of <c>PUT /conversations/{id}/mute</c> (which takes the id from the path).</summary>
public sealed class MuteConversationArgs
{
    /// <summary>The conversation id (hub only).</summary>
    [JsonPropertyName("conversationId")] public string? ConversationId { get; init; }

    /// <summary>Until when, an ISO 8601 time in the future; absent or null: until unmuted.</summary>
    [JsonPropertyName("until")] public string? Until { get; init; }
}
