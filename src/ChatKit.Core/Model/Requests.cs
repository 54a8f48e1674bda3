namespace ChatKit;

/// <summary>What a user asks for when creating a conversation.</summary>
public sealed record CreateConversationRequest
{
    /// <summary>Direct or group.</summary>
    public required ConversationType Type { get; init; }

    /// <summary>The other participants (the creator is added by itself). A direct conversation takes exactly one.</summary>
    public required IReadOnlyList<string> ParticipantIds { get; init; }

    /// <summary>The group's name; required for a group, ignored for a direct conversation.</summary>
    public string? Name { get; init; }

    /// <summary>Custom data: a JSON object, or <see langword="null"/> (or a JSON null) for none.</summary>
    public System.Text.Json.JsonElement? Metadata { get; init; }
}

/// <summary>What a user asks for when sending a message.</summary>
public sealed record SendMessageRequest
{
    /// <summary>The conversation to send to.</summary>
    public required string ConversationId { get; init; }

    /// <summary>The text; it is normalised (trimmed, control characters other than newline and tab removed).</summary>
    public required string Content { get; init; }

    /// <summary>The message type. Users may only send <see cref="MessageType.Text"/>.</summary>
    public MessageType Type { get; init; } = MessageType.Text;

    /// <summary>The client's idempotency key: a retry with the same value stores nothing new.</summary>
    public string? TempId { get; init; }

    /// <summary>Custom data: a JSON object, or <see langword="null"/> (or a JSON null) for none.</summary>
    public System.Text.Json.JsonElement? Metadata { get; init; }
    /// <summary>The id of a message of the same conversation this one replies to, or <see langword="null"/>.</summary>
    public string? ReplyToId { get; init; }

    /// <summary>Participants of the conversation to mention, or <see langword="null"/>.</summary>
    public IReadOnlyList<string>? Mentions { get; init; }

    /// <summary>
    /// Uploads of the sender in the same conversation to attach, each once, or <see langword="null"/>. With at least
    /// one, <see cref="Content"/> may be empty.
    /// </summary>
    public IReadOnlyList<string>? AttachmentIds { get; init; }
}

/// <summary>Which page of a conversation's history to read.</summary>
public sealed record MessageQuery
{
    /// <summary>The newest page older than this seq. Exclusive with <see cref="AfterSeq"/>.</summary>
    public long? BeforeSeq { get; init; }

    /// <summary>The oldest page newer than this seq (catch-up). Exclusive with <see cref="BeforeSeq"/>.</summary>
    public long? AfterSeq { get; init; }

    /// <summary>The page size, clamped to 1..100. <see langword="null"/> gives the default, 50.</summary>
    public int? Limit { get; init; }
}

/// <summary>What a group's owner or admin changes with <c>PATCH /chats/conversations/{id}</c>; what is not given stays.</summary>
public sealed record UpdateConversationRequest
{
    /// <summary>The new name, or <see langword="null"/> to keep it.</summary>
    public string? Name { get; init; }

    /// <summary>
    /// The new custom data: a JSON object replaces it, a JSON null clears it, <see langword="null"/> (not given) keeps it.
    /// </summary>
    public System.Text.Json.JsonElement? Metadata { get; init; }
}
