using System.Diagnostics.Metrics;
using System.Globalization;
using ChatKit.Attachments;
using ChatKit.Internal;
using ChatKit.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatKit.Services;

/// <summary>
/// Every rule about attachments: who may upload and download, the size and type limits, the file name, an image's
/// dimensions, and the expiry of uploads never sent. Sending a message with attachments is <see cref="ChatService"/>'s.
/// </summary>
public sealed class AttachmentService
{
    private readonly IChatStore _store;
    private readonly IAttachmentBlobStore _blobs;
    private readonly IChatRateLimiter _rateLimiter;
    private readonly TimeProvider _time;
    private readonly ChatKitAttachmentOptions _options;
    private readonly ChatKitMetrics _metrics;
    private readonly ILogger _logger;

    /// <summary>Creates the service; resolve it from dependency injection rather than calling this.</summary>
    /// <param name="store">The store.</param>
    /// <param name="blobs">Where the bytes go.</param>
    /// <param name="rateLimiter">The upload rate limit.</param>
    /// <param name="time">The clock.</param>
    /// <param name="options">The attachment limits.</param>
    /// <param name="logger">Logs the sweep.</param>
    /// <param name="meterFactory">Creates the <c>ChatKit</c> meter; the host's, when it has one.</param>
    public AttachmentService(
        IChatStore store,
        IAttachmentBlobStore blobs,
        IChatRateLimiter rateLimiter,
        TimeProvider time,
        IOptions<ChatKitAttachmentOptions> options,
        ILogger<AttachmentService> logger,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _blobs = blobs;
        _rateLimiter = rateLimiter;
        _time = time;
        _options = options.Value;
        _logger = logger;
        _metrics = ChatKitMetrics.For(meterFactory);
    }

    /// <summary>
    /// Stores an upload to a conversation of the caller: reads at most <see cref="ChatKitAttachmentOptions.MaxSize"/>
    /// bytes, takes an image's type and dimensions from its bytes, checks the type, writes the blob, then the record.
    /// </summary>
    /// <param name="caller">A participant of the conversation.</param>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="fileName">The client's file name (sanitised here), or <see langword="null"/>.</param>
    /// <param name="contentType">The client's media type, or <see langword="null"/>.</param>
    /// <param name="content">The bytes, read to their end.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="ChatException">
    /// <c>not_found</c> for a conversation the caller is not in; <c>payload_too_large</c>; <c>unsupported_media_type</c>;
    /// <c>rate_limited</c>; <c>unavailable</c> when the store keeps no attachments.
    /// </exception>
    public async Task<ChatAttachment> UploadAsync(ChatUser caller, string conversationId, string? fileName, string? contentType, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(content);
        RequireStoreSupport();
        if (string.IsNullOrEmpty(conversationId))
        {
            throw ChatException.Validation("conversationId", "conversationId is required");
        }

        var conversation = await _store.FindConversationAsync(conversationId, cancellationToken).ConfigureAwait(false);
        if (conversation is null || !conversation.HasParticipant(caller.Id))
        {
            throw ChatException.ConversationNotFound(conversationId);
        }

        await RateLimits.EnforceAsync(_rateLimiter, _metrics, caller.Id, ChatOperation.UploadAttachment, cancellationToken).ConfigureAwait(false);

        var temp = new FileStream(
            Path.Combine(Path.GetTempPath(), "chatkit-upload-" + Guid.NewGuid().ToString("N")),
            FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.Asynchronous | FileOptions.DeleteOnClose);
        await using (temp.ConfigureAwait(false))
        {
            var size = await CopyLimitedAsync(content, temp, _options.MaxSize, cancellationToken).ConfigureAwait(false);
            temp.Position = 0;
            var image = await ImageProbe.IdentifyAsync(temp, cancellationToken).ConfigureAwait(false);
            var type = AttachmentRules.ResolveContentType(contentType, image?.ContentType, _options.AllowedContentTypes);
            var now = Ids.Now(_time);
            var attachment = new ChatAttachment
            {
                Id = "a_" + Guid.CreateVersion7(now).ToString("N"),
                ConversationId = conversationId,
                UploaderId = caller.Id,
                Name = AttachmentRules.SanitizeFileName(fileName, type, _options.MaxFileNameLength),
                ContentType = type,
                Size = size,
                Width = image?.Width,
                Height = image?.Height,
                UploadedAt = now,
            };

            temp.Position = 0;
            await _blobs.PutAsync(attachment.Id, temp, type, cancellationToken).ConfigureAwait(false);
            try
            {
                await _store.CreateAttachmentAsync(attachment, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await DeleteBlobQuietlyAsync(attachment.Id).ConfigureAwait(false);
                throw;
            }

            return attachment;
        }
    }

    /// <summary>
    /// Returns an attachment the caller may download: a sent one to any participant of its conversation, an unsent one
    /// to its uploader only.
    /// </summary>
    /// <param name="caller">The user.</param>
    /// <param name="attachmentId">The attachment id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="ChatException"><c>not_found</c> for an attachment that does not exist or the caller may not see.</exception>
    public async Task<ChatAttachment> GetAsync(ChatUser caller, string attachmentId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        RequireStoreSupport();
        var attachment = await FindAsync(attachmentId, cancellationToken).ConfigureAwait(false);
        if (attachment is not null && (attachment.SentKey is not null || attachment.UploaderId == caller.Id))
        {
            var conversation = await _store.FindConversationAsync(attachment.ConversationId, cancellationToken).ConfigureAwait(false);
            if (conversation is not null && conversation.HasParticipant(caller.Id))
            {
                return attachment;
            }
        }

        throw NotFound(attachmentId);
    }

    /// <summary>Returns an attachment by id, without any check (for a link whose signature the transport verified), or <see langword="null"/>.</summary>
    /// <param name="attachmentId">The attachment id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    public async Task<ChatAttachment?> FindAsync(string attachmentId, CancellationToken cancellationToken = default)
    {
        RequireStoreSupport();
        return string.IsNullOrEmpty(attachmentId) || attachmentId.Length > 64
            ? null
            : await _store.FindAttachmentAsync(attachmentId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Opens an attachment's bytes, or returns <see langword="null"/> when its blob is gone.</summary>
    /// <param name="attachment">An attachment the caller may read.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    public Task<Stream?> OpenReadAsync(ChatAttachment attachment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(attachment);
        return _blobs.OpenReadAsync(attachment.Id, cancellationToken);
    }

    /// <summary>A URL of the blob store to redirect to, or <see langword="null"/> to stream the bytes.</summary>
    /// <param name="attachment">An attachment the caller may read.</param>
    /// <param name="download">The headers and expiry of the download.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    public ValueTask<Uri?> GetDownloadUrlAsync(ChatAttachment attachment, BlobDownload download, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(attachment);
        return _blobs.GetDownloadUrlAsync(attachment.Id, download, cancellationToken);
    }

    /// <summary>
    /// Deletes uploads never sent within <see cref="ChatKitAttachmentOptions.UnsentLifetime"/>: the record first (only if
    /// still unsent, so a send claiming it at that moment keeps it), then the blob.
    /// </summary>
    /// <param name="cancellationToken">Cancels the sweep.</param>
    /// <returns>How many were deleted.</returns>
    public async Task<int> SweepExpiredAsync(CancellationToken cancellationToken = default)
    {
        if (!_store.SupportsAttachments)
        {
            return 0;
        }

        var cutoff = _time.GetUtcNow() - _options.UnsentLifetime;
        var deleted = 0;
        while (true)
        {
            var batch = await _store.ListUnsentAttachmentsAsync(cutoff, 100, cancellationToken).ConfigureAwait(false);
            var progress = false;
            foreach (var attachment in batch)
            {
                if (await _store.DeleteUnsentAttachmentAsync(attachment.Id, cancellationToken).ConfigureAwait(false))
                {
                    await _blobs.DeleteAsync(attachment.Id, cancellationToken).ConfigureAwait(false);
                    deleted++;
                    progress = true;
                }
            }

            if (batch.Count < 100 || !progress)
            {
                break;
            }
        }

        if (deleted > 0)
        {
            Log.AttachmentsSwept(_logger, deleted);
        }

        return deleted;
    }

    /// <summary>
    /// Deletes the attachments of a message that was just deleted, record and blob: made unsent again with the send's
    /// key, then deleted as an expired upload would be, so nobody can download them any more.
    /// </summary>
    internal async Task DeleteWithMessageAsync(ChatMessage message, CancellationToken cancellationToken)
    {
        if (message.Attachments.Count == 0 || !_store.SupportsAttachments)
        {
            return;
        }

        var ids = message.Attachments.Select(a => a.Id).ToList();
        try
        {
            await _store.ReleaseAttachmentsAsync(ids, SentKeyOf(message.TempId, message.Id), cancellationToken).ConfigureAwait(false);
            foreach (var id in ids)
            {
                if (await _store.DeleteUnsentAttachmentAsync(id, cancellationToken).ConfigureAwait(false))
                {
                    await DeleteBlobQuietlyAsync(id).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The message is deleted and its tombstone shows no attachment; the deletion is still reported.
            Log.AttachmentsOfDeletedMessageKept(_logger, message.Id, ex);
        }
    }

    /// <summary>The key a send claims its uploads with: its tempId (so a retry claims them again), or the new message's id.</summary>
    internal static string SentKeyOf(string? tempId, string messageId) => tempId is not null ? "t:" + tempId : "m:" + messageId;

    private void RequireStoreSupport()
    {
        if (!_store.SupportsAttachments)
        {
            throw new ChatException(ChatErrorCode.Unavailable, "this chat store keeps no attachments");
        }
    }

    private async Task DeleteBlobQuietlyAsync(string key)
    {
        try
        {
            await _blobs.DeleteAsync(key, CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The upload's own failure is the one to report; the sweep never sees this blob, a leak at worst.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.AttachmentBlobCleanupFailed(_logger, key, ex);
        }
    }

    private static async Task<long> CopyLimitedAsync(Stream source, Stream target, long max, CancellationToken cancellationToken)
    {
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            total += read;
            if (total > max)
            {
                throw new ChatException(ChatErrorCode.PayloadTooLarge, string.Create(CultureInfo.InvariantCulture, $"an attachment has at most {max} bytes"));
            }

            await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
        }

        await target.FlushAsync(cancellationToken).ConfigureAwait(false);
        return total;
    }

    private static ChatException NotFound(string attachmentId) =>
        new(ChatErrorCode.NotFound, string.Create(CultureInfo.InvariantCulture, $"attachment {attachmentId} does not exist"));
}
