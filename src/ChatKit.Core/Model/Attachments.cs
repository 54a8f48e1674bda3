namespace ChatKit;

/// <summary>
/// A file uploaded to a conversation, as the store keeps it. An upload belongs to its conversation and its uploader
/// until a message of that uploader in that conversation references it (<see cref="SentKey"/> set); one never sent
/// expires after <see cref="ChatKitAttachmentOptions.UnsentLifetime"/> and is deleted, blob and record.
/// </summary>
public sealed record ChatAttachment
{
    /// <summary>The opaque id, <c>a_</c> followed by 32 hex digits; also the key of its blob.</summary>
    public required string Id { get; init; }

    /// <summary>The conversation it was uploaded to.</summary>
    public required string ConversationId { get; init; }

    /// <summary>The user who uploaded it.</summary>
    public required string UploaderId { get; init; }

    /// <summary>The sanitised file name.</summary>
    public required string Name { get; init; }

    /// <summary>The media type, lower case without parameters (for an image, the type its bytes are).</summary>
    public required string ContentType { get; init; }

    /// <summary>The size in bytes.</summary>
    public required long Size { get; init; }

    /// <summary>An image's width in pixels, or <see langword="null"/>.</summary>
    public int? Width { get; init; }

    /// <summary>An image's height in pixels, or <see langword="null"/>.</summary>
    public int? Height { get; init; }

    /// <summary>When it was uploaded (UTC, millisecond precision).</summary>
    public required DateTimeOffset UploadedAt { get; init; }

    /// <summary>
    /// <see langword="null"/> while it is unsent; once a message references it, the key of that send (the same for a
    /// retry of the send with its tempId), so a retry can claim it again and no other send can.
    /// </summary>
    public string? SentKey { get; init; }

    /// <summary>What a message shows of it.</summary>
    public MessageAttachment ToMessageAttachment() => new(Id, Name, ContentType, Size, Width, Height);
}

/// <summary>An attachment as a message carries it.</summary>
/// <param name="Id">The attachment id.</param>
/// <param name="Name">The sanitised file name.</param>
/// <param name="ContentType">The media type.</param>
/// <param name="Size">The size in bytes.</param>
/// <param name="Width">An image's width in pixels, or <see langword="null"/>.</param>
/// <param name="Height">An image's height in pixels, or <see langword="null"/>.</param>
public sealed record MessageAttachment(string Id, string Name, string ContentType, long Size, int? Width, int? Height);
