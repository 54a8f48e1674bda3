using System.Text.Json.Serialization;

namespace ChatKit.AspNetCore.Wire;

/// <summary>The payload of <c>newMessage</c>.</summary>
/// <param name="Message">The message.</param>
/// <param name="ConversationId">Its conversation.</param>
public sealed record NewMessagePayload(
    [property: JsonPropertyName("message")] MessageDto Message,
    [property: JsonPropertyName("conversationId")] string ConversationId)
{
    /// <summary>The id under which the event was recorded (v2): the same in the live event and in <c>sync</c>; skip repeats.</summary>
    [JsonPropertyName("eventId")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? EventId { get; init; }
}

/// <summary>The payload of <c>messageSent</c>.</summary>
/// <param name="TempId">The tempId the sender gave, or null.</param>
/// <param name="MessageId">The stored message's id.</param>
public sealed record MessageSentPayload(
    [property: JsonPropertyName("tempId"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? TempId,
    [property: JsonPropertyName("messageId")] string MessageId);

/// <summary>The payload of <c>userTyping</c>.</summary>
/// <param name="UserId">The typist.</param>
/// <param name="ConversationId">The conversation.</param>
/// <param name="Username">The typist's display name.</param>
public sealed record UserTypingPayload(
    [property: JsonPropertyName("userId")] string UserId,
    [property: JsonPropertyName("conversationId")] string ConversationId,
    [property: JsonPropertyName("username")] string Username);

/// <summary>The payload of <c>userStoppedTyping</c>.</summary>
/// <param name="UserId">The typist.</param>
/// <param name="ConversationId">The conversation.</param>
public sealed record UserStoppedTypingPayload(
    [property: JsonPropertyName("userId")] string UserId,
    [property: JsonPropertyName("conversationId")] string ConversationId);

/// <summary>The payload of <c>messageRead</c>.</summary>
/// <param name="MessageId">The message read up to.</param>
/// <param name="ConversationId">The conversation.</param>
/// <param name="ReadBy">The reader.</param>
/// <param name="ReadAt">When.</param>
public sealed record MessageReadPayload(
    [property: JsonPropertyName("messageId")] string MessageId,
    [property: JsonPropertyName("conversationId")] string ConversationId,
    [property: JsonPropertyName("readBy")] string ReadBy,
    [property: JsonPropertyName("readAt")] DateTime ReadAt)
{
    /// <summary>The id under which the event was recorded (v2): the same in the live event and in <c>sync</c>; skip repeats.</summary>
    [JsonPropertyName("eventId")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? EventId { get; init; }
}

/// <summary>The payload of <c>conversationRead</c>.</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="ReadBy">The reader.</param>
/// <param name="ReadAt">When.</param>
public sealed record ConversationReadPayload(
    [property: JsonPropertyName("conversationId")] string ConversationId,
    [property: JsonPropertyName("readBy")] string ReadBy,
    [property: JsonPropertyName("readAt")] DateTime ReadAt)
{
    /// <summary>The id under which the event was recorded (v2): the same in the live event and in <c>sync</c>; skip repeats.</summary>
    [JsonPropertyName("eventId")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? EventId { get; init; }
}

/// <summary>The payload of <c>userStatusChanged</c>.</summary>
/// <param name="UserId">The user.</param>
/// <param name="Status"><c>online</c> or <c>offline</c>.</param>
/// <param name="Timestamp">When it changed.</param>
public sealed record UserStatusChangedPayload(
    [property: JsonPropertyName("userId")] string UserId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("timestamp")] DateTime Timestamp);

/// <summary>The payload of <c>messageDeleted</c>.</summary>
/// <param name="MessageId">The message.</param>
/// <param name="ConversationId">Its conversation.</param>
public sealed record MessageDeletedPayload(
    [property: JsonPropertyName("messageId")] string MessageId,
    [property: JsonPropertyName("conversationId")] string ConversationId)
{
    /// <summary>The id under which the event was recorded (v2): the same in the live event and in <c>sync</c>; skip repeats.</summary>
    [JsonPropertyName("eventId")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? EventId { get; init; }
}

/// <summary>The payload of <c>participantsAdded</c>.</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="UserIds">The users added.</param>
public sealed record ParticipantsAddedPayload(
    [property: JsonPropertyName("conversationId")] string ConversationId,
    [property: JsonPropertyName("userIds")] IReadOnlyList<string> UserIds)
{
    /// <summary>The id under which the event was recorded (v2): the same in the live event and in <c>sync</c>; skip repeats.</summary>
    [JsonPropertyName("eventId")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? EventId { get; init; }
}

/// <summary>The payload of <c>participantRemoved</c>.</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="UserId">The user removed.</param>
public sealed record ParticipantRemovedPayload(
    [property: JsonPropertyName("conversationId")] string ConversationId,
    [property: JsonPropertyName("userId")] string UserId)
{
    /// <summary>The id under which the event was recorded (v2): the same in the live event and in <c>sync</c>; skip repeats.</summary>
    [JsonPropertyName("eventId")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? EventId { get; init; }
}

/// <summary>The payload of <c>messageDelivered</c>.</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="UserId">The recipient.</param>
/// <param name="Seq">The seq received up to.</param>
public sealed record MessageDeliveredPayload(
    [property: JsonPropertyName("conversationId")] string ConversationId,
    [property: JsonPropertyName("userId")] string UserId,
    [property: JsonPropertyName("seq")] long Seq)
{
    /// <summary>The id under which the event was recorded (v2): the same in the live event and in <c>sync</c>; skip repeats.</summary>
    [JsonPropertyName("eventId")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? EventId { get; init; }
}
/// <summary>The payload of <c>messageUpdated</c> (v2).</summary>
/// <param name="Message">The message as it is now.</param>
/// <param name="ConversationId">Its conversation.</param>
public sealed record MessageUpdatedPayload(
    [property: JsonPropertyName("message")] MessageDto Message,
    [property: JsonPropertyName("conversationId")] string ConversationId)
{
    /// <summary>The id under which the event was recorded (v2): the same in the live event and in <c>sync</c>; skip repeats.</summary>
    [JsonPropertyName("eventId")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? EventId { get; init; }
}

/// <summary>The payload of <c>reactionAdded</c> and <c>reactionRemoved</c> (v2).</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="MessageId">The message.</param>
/// <param name="Emoji">The emoji.</param>
/// <param name="UserId">The user whose reaction it is.</param>
public sealed record ReactionPayload(
    [property: JsonPropertyName("conversationId")] string ConversationId,
    [property: JsonPropertyName("messageId")] string MessageId,
    [property: JsonPropertyName("emoji")] string Emoji,
    [property: JsonPropertyName("userId")] string UserId)
{
    /// <summary>The id under which the event was recorded (v2): the same in the live event and in <c>sync</c>; skip repeats.</summary>
    [JsonPropertyName("eventId")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? EventId { get; init; }
}
