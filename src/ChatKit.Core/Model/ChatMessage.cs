namespace ChatKit;

/// <summary>A message as the store keeps it. A deleted message is a tombstone: same id and seq, empty content.</summary>
public sealed record ChatMessage
{
    /// <summary>The opaque id, <c>m_</c> followed by 32 hex digits.</summary>
    public required string Id { get; init; }

    /// <summary>The conversation it belongs to.</summary>
    public required string ConversationId { get; init; }

    /// <summary>Its position in the conversation: 1, 2, 3… with no gap, assigned by the store.</summary>
    public required long Seq { get; init; }

    /// <summary>The sender's user id.</summary>
    public required string SenderId { get; init; }

    /// <summary>The sender's display name when the message was sent.</summary>
    public required string SenderName { get; init; }

    /// <summary>The normalised text; empty once deleted.</summary>
    public required string Content { get; init; }

    /// <summary>Text or system.</summary>
    public MessageType Type { get; init; }

    /// <summary>The sender's idempotency key, or <see langword="null"/>.</summary>
    public string? TempId { get; init; }

    /// <summary>When it was stored (UTC).</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it was last edited, or <see langword="null"/>.</summary>
    public DateTimeOffset? EditedAt { get; init; }

    /// <summary>When it was deleted, or <see langword="null"/>.</summary>
    public DateTimeOffset? DeletedAt { get; init; }

    /// <summary>Whether the message is a tombstone.</summary>
    public bool IsDeleted => DeletedAt is not null;

    /// <summary>The sender's custom data: the compact JSON text of an object, or <see langword="null"/>.</summary>
    public string? Metadata { get; init; }

    /// <summary>For a <see cref="MessageType.System"/> message, what happened; <see langword="null"/> otherwise.</summary>
    public SystemMessageInfo? System { get; init; }
}
