namespace ChatKit;

/// <summary>
/// Limits of attachments: how large, of which types, how many per message, and how long an upload may wait to be sent.
/// Validated at start-up. Set with <c>AddChatKit().ConfigureAttachments(...)</c> or bound from configuration.
/// </summary>
public sealed class ChatKitAttachmentOptions
{
    /// <summary>The largest upload in bytes; a larger one is refused with 413 (<c>payload_too_large</c>). Default 25 MiB (26,214,400); 1 byte to 4 GiB.</summary>
    public long MaxSize { get; set; } = 25L * 1024 * 1024;

    /// <summary>
    /// The media types an upload may have; any other is refused with 415 (<c>unsupported_media_type</c>). An entry
    /// <c>type/*</c> allows every subtype. An image's type is the one its bytes are, whatever the client declared.
    /// Default: PNG, JPEG, GIF and WebP images, PDF, plain text, ZIP, MP3 audio and MP4 video. At least one entry.
    /// </summary>
    public IList<string> AllowedContentTypes { get; set; } =
    [
        "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain", "application/zip",
        "audio/mpeg", "video/mp4",
    ];

    /// <summary>The most attachments one message may reference. Default 10; 1 to 100.</summary>
    public int MaxAttachmentsPerMessage { get; set; } = 10;

    /// <summary>The most characters of a file name; a longer one is shortened, keeping its extension. Default 255; 16 to 1,024.</summary>
    public int MaxFileNameLength { get; set; } = 255;

    /// <summary>How long an upload no message has referenced is kept; then it is deleted, blob and record. Default 24 hours; 1 minute to 30 days.</summary>
    public TimeSpan UnsentLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often the background sweep looks for expired uploads. Default 5 minutes; 1 second to 1 day.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The folder of the file-system blob store (the default one). <see langword="null"/> (the default): the folder
    /// <c>chatkit-attachments</c> under the host's content root (ASP.NET Core), or under the application's base folder.
    /// </summary>
    public string? FileSystemPath { get; set; }
}
