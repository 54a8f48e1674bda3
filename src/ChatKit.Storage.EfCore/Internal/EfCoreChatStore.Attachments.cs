using Microsoft.EntityFrameworkCore;
using static ChatKit.Storage.EfCore.Internal.Mapping;

namespace ChatKit.Storage.EfCore.Internal;

// Attachments (v2). A claim is one conditional UPDATE in a transaction, rolled back unless it changed every named row:
// the database's row locks decide between concurrent claims of one upload, and the sweep's delete is conditional on the
// row being unsent, so a claim and a sweep never both win.
internal sealed partial class EfCoreChatStore
{
    /// <inheritdoc/>
    public bool SupportsAttachments => true;

    /// <inheritdoc/>
    public Task CreateAttachmentAsync(ChatAttachment attachment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attachment);
        return WriteAsync(
            async (db, ct) =>
            {
                db.Add(ToEntity(attachment));
                await db.SaveChangesAsync(ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ChatAttachment?> FindAttachmentAsync(string attachmentId, CancellationToken cancellationToken) =>
        ReadAsync(
            async (db, ct) =>
            {
                var row = await db.Set<AttachmentEntity>().AsNoTracking().SingleOrDefaultAsync(a => a.Id == attachmentId, ct).ConfigureAwait(false);
                return row is null ? null : ToModel(row);
            },
            cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<ChatAttachment>?> ClaimAttachmentsAsync(string conversationId, string uploaderId, IReadOnlyList<string> attachmentIds, string sentKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attachmentIds);
        var ids = attachmentIds.ToList();
        return WriteAsync(
            async (db, ct) =>
            {
                var transaction = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    var changed = await db.Set<AttachmentEntity>()
                        .Where(a => ids.Contains(a.Id) && a.ConversationId == conversationId && a.UploaderId == uploaderId
                            && (a.SentKey == null || a.SentKey == sentKey))
                        .ExecuteUpdateAsync(s => s.SetProperty(a => a.SentKey, sentKey), ct)
                        .ConfigureAwait(false);
                    if (changed != ids.Count)
                    {
                        await transaction.RollbackAsync(ct).ConfigureAwait(false);
                        return (IReadOnlyList<ChatAttachment>?)null;
                    }

                    var rows = await db.Set<AttachmentEntity>().AsNoTracking().Where(a => ids.Contains(a.Id)).ToListAsync(ct).ConfigureAwait(false);
                    await transaction.CommitAsync(ct).ConfigureAwait(false);
                    var byId = rows.ToDictionary(a => a.Id, StringComparer.Ordinal);
                    return [.. ids.Select(id => ToModel(byId[id]))];
                }
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task ReleaseAttachmentsAsync(IReadOnlyList<string> attachmentIds, string sentKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attachmentIds);
        var ids = attachmentIds.ToList();
        return WriteAsync(
            async (db, ct) => await db.Set<AttachmentEntity>()
                .Where(a => ids.Contains(a.Id) && a.SentKey == sentKey)
                .ExecuteUpdateAsync(s => s.SetProperty(a => a.SentKey, (string?)null), ct)
                .ConfigureAwait(false),
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<ChatAttachment>> ListUnsentAttachmentsAsync(DateTimeOffset uploadedBefore, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var before = ToStore(uploadedBefore);
        return ReadAsync(
            async (db, ct) =>
            {
                var rows = await db.Set<AttachmentEntity>().AsNoTracking()
                    .Where(a => a.SentKey == null && a.UploadedAt < before)
                    .OrderBy(a => a.UploadedAt).ThenBy(a => a.Id)
                    .Take(limit)
                    .ToListAsync(ct)
                    .ConfigureAwait(false);
                return (IReadOnlyList<ChatAttachment>)[.. rows.Select(ToModel)];
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<bool> DeleteUnsentAttachmentAsync(string attachmentId, CancellationToken cancellationToken) =>
        WriteAsync(
            async (db, ct) => await db.Set<AttachmentEntity>()
                .Where(a => a.Id == attachmentId && a.SentKey == null)
                .ExecuteDeleteAsync(ct)
                .ConfigureAwait(false) > 0,
            cancellationToken);
}
