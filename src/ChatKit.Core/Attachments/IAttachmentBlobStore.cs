namespace ChatKit.Attachments;

/// <summary>
/// Where attachments' bytes live: a small key-value contract of immutable blobs. ChatKit keeps each upload under its
/// attachment id, and deletes it when the upload expires unsent. The default keeps files in a folder
/// (<see cref="ChatKitAttachmentOptions.FileSystemPath"/>); ChatKit.Blobs.S3 keeps them in an S3 bucket. Register your
/// own with <c>AddChatKit().UseAttachmentBlobStore&lt;T&gt;()</c>.
/// </summary>
public interface IAttachmentBlobStore
{
    /// <summary>Stores a blob under a key, replacing nothing: ChatKit never writes one key twice.</summary>
    /// <param name="key">The key: letters, digits and underscores.</param>
    /// <param name="content">The bytes, read to their end; seekable, positioned at 0.</param>
    /// <param name="contentType">The media type.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task PutAsync(string key, Stream content, string contentType, CancellationToken cancellationToken);

    /// <summary>Opens a blob for reading, or returns <see langword="null"/> when it does not exist.</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A readable stream the caller disposes.</returns>
    Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken);

    /// <summary>Deletes a blob; deleting one that does not exist succeeds.</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task DeleteAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// A short-lived URL from which a client downloads the blob directly (ChatKit then answers 302 to it), or
    /// <see langword="null"/> for ChatKit to stream the bytes itself (the default).
    /// </summary>
    /// <param name="key">The key.</param>
    /// <param name="download">How the download must be served.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    ValueTask<Uri?> GetDownloadUrlAsync(string key, BlobDownload download, CancellationToken cancellationToken) =>
        ValueTask.FromResult<Uri?>(null);
}

/// <summary>How a direct download must be served: the headers a pre-signed URL should make the blob store send.</summary>
/// <param name="ContentType">The <c>Content-Type</c>.</param>
/// <param name="ContentDisposition">The <c>Content-Disposition</c> (inline for safe images, attachment otherwise, with the sanitised name).</param>
/// <param name="ExpiresAt">When the URL must stop working.</param>
public sealed record BlobDownload(string ContentType, string ContentDisposition, DateTimeOffset ExpiresAt);
