namespace ChatKit.Storage;

// Attachments: the upload records, under their own lock (no operation spans them and the conversations).
public sealed partial class InMemoryChatStore
{
    private readonly Lock _attachmentGate = new();
    private readonly Dictionary<string, ChatAttachment> _attachments = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public bool SupportsAttachments => true;

    /// <inheritdoc/>
    public Task CreateAttachmentAsync(ChatAttachment attachment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attachment);
        lock (_attachmentGate)
        {
            if (!_attachments.TryAdd(attachment.Id, attachment))
            {
                throw new InvalidOperationException($"Attachment {attachment.Id} already exists.");
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<ChatAttachment?> FindAttachmentAsync(string attachmentId, CancellationToken cancellationToken)
    {
        lock (_attachmentGate)
        {
            return Task.FromResult(_attachments.GetValueOrDefault(attachmentId));
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<ChatAttachment>?> ClaimAttachmentsAsync(string conversationId, string uploaderId, IReadOnlyList<string> attachmentIds, string sentKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attachmentIds);
        lock (_attachmentGate)
        {
            var claimed = new List<ChatAttachment>(attachmentIds.Count);
            foreach (var id in attachmentIds)
            {
                if (!_attachments.TryGetValue(id, out var a)
                    || a.ConversationId != conversationId
                    || a.UploaderId != uploaderId
                    || (a.SentKey is not null && a.SentKey != sentKey))
                {
                    return Task.FromResult<IReadOnlyList<ChatAttachment>?>(null);
                }

                claimed.Add(a with { SentKey = sentKey });
            }

            foreach (var a in claimed)
            {
                _attachments[a.Id] = a;
            }

            return Task.FromResult<IReadOnlyList<ChatAttachment>?>(claimed);
        }
    }

    /// <inheritdoc/>
    public Task ReleaseAttachmentsAsync(IReadOnlyList<string> attachmentIds, string sentKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attachmentIds);
        lock (_attachmentGate)
        {
            foreach (var id in attachmentIds)
            {
                if (_attachments.TryGetValue(id, out var a) && a.SentKey == sentKey)
                {
                    _attachments[id] = a with { SentKey = null };
                }
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<ChatAttachment>> ListUnsentAttachmentsAsync(DateTimeOffset uploadedBefore, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        lock (_attachmentGate)
        {
            return Task.FromResult<IReadOnlyList<ChatAttachment>>(
                [.. _attachments.Values.Where(a => a.SentKey is null && a.UploadedAt < uploadedBefore)
                    .OrderBy(a => a.UploadedAt).ThenBy(a => a.Id, StringComparer.Ordinal).Take(limit)]);
        }
    }

    /// <inheritdoc/>
    public Task<bool> DeleteUnsentAttachmentAsync(string attachmentId, CancellationToken cancellationToken)
    {
        lock (_attachmentGate)
        {
            return Task.FromResult(_attachments.TryGetValue(attachmentId, out var a) && a.SentKey is null && _attachments.Remove(attachmentId));
        }
    }
}
