using MongoDB.Driver;

namespace ChatKit.Storage.Mongo.Internal;

// Attachments (v2). Without a multi-document transaction a claim is an ordered series of single-document conditional
// updates: each upload is claimed only if unsent or sent with the same key; when one fails, those this call claimed from
// unsent are released again, so the result is all or none. The sweep's delete is conditional on the upload being unsent.
internal sealed partial class MongoChatStore
{
    /// <inheritdoc/>
    public bool SupportsAttachments => true;

    /// <inheritdoc/>
    public Task CreateAttachmentAsync(ChatAttachment attachment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attachment);
        return _context.Attachments.InsertOneAsync(DocumentMapper.ToDocument(attachment), null, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<ChatAttachment?> FindAttachmentAsync(string attachmentId, CancellationToken cancellationToken)
    {
        var document = await _context.Attachments.Find(Builders<AttachmentDocument>.Filter.Eq(a => a.Id, attachmentId))
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return document is null ? null : DocumentMapper.ToModel(document);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<ChatAttachment>?> ClaimAttachmentsAsync(string conversationId, string uploaderId, IReadOnlyList<string> attachmentIds, string sentKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attachmentIds);
        var claimed = new List<ChatAttachment>(attachmentIds.Count);
        var claimedFromUnsent = new List<string>();
        var options = new FindOneAndUpdateOptions<AttachmentDocument> { ReturnDocument = ReturnDocument.Before };
        foreach (var id in attachmentIds)
        {
            var before = await _context.Attachments.FindOneAndUpdateAsync(
                MongoDefinitions.ClaimableAttachment(id, conversationId, uploaderId, sentKey),
                MongoDefinitions.SetSentKey(sentKey),
                options,
                cancellationToken).ConfigureAwait(false);
            if (before is null)
            {
                foreach (var undo in claimedFromUnsent)
                {
                    await _context.Attachments.UpdateOneAsync(
                        MongoDefinitions.AttachmentSentWith(undo, sentKey), MongoDefinitions.SetSentKey(null), cancellationToken: CancellationToken.None).ConfigureAwait(false);
                }

                return null;
            }

            if (before.SentKey is null)
            {
                claimedFromUnsent.Add(id);
            }

            claimed.Add(DocumentMapper.ToModel(before) with { SentKey = sentKey });
        }

        return claimed;
    }

    /// <inheritdoc/>
    public async Task ReleaseAttachmentsAsync(IReadOnlyList<string> attachmentIds, string sentKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attachmentIds);
        foreach (var id in attachmentIds)
        {
            await _context.Attachments.UpdateOneAsync(
                MongoDefinitions.AttachmentSentWith(id, sentKey), MongoDefinitions.SetSentKey(null), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<ChatAttachment>> ListUnsentAttachmentsAsync(DateTimeOffset uploadedBefore, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var documents = await _context.Attachments.Find(MongoDefinitions.UnsentAttachmentsBefore(DocumentMapper.ToStored(uploadedBefore)))
            .SortBy(a => a.UploadedAt).ThenBy(a => a.Id)
            .Limit(limit)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. documents.Select(DocumentMapper.ToModel)];
    }

    /// <inheritdoc/>
    public async Task<bool> DeleteUnsentAttachmentAsync(string attachmentId, CancellationToken cancellationToken)
    {
        var result = await _context.Attachments.DeleteOneAsync(MongoDefinitions.UnsentAttachment(attachmentId), cancellationToken).ConfigureAwait(false);
        return result.DeletedCount > 0;
    }
}
