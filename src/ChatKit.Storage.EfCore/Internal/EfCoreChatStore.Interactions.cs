using Microsoft.EntityFrameworkCore;
using static ChatKit.Storage.EfCore.Internal.Mapping;

namespace ChatKit.Storage.EfCore.Internal;

// v2 operations: edits, reactions, replies and mentions. An edit is one conditional UPDATE that never touches a
// tombstone; a reaction change runs in a transaction that first locks the message row (a no-op UPDATE), so every change
// of one message's reactions, and its deletion, apply one after the other on any node, and the unique
// (message_id, user_id, emoji) index stands behind it.
internal sealed partial class EfCoreChatStore
{
    /// <inheritdoc/>
    public Task<IReadOnlyList<ChatMessage>> FindMessagesAsync(IReadOnlyCollection<string> messageIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messageIds);
        var ids = messageIds.Distinct(StringComparer.Ordinal).ToList();
        return ReadAsync(
            async (db, ct) =>
            {
                var rows = await Messages(db).Where(m => ids.Contains(m.Id)).ToListAsync(ct).ConfigureAwait(false);
                return (IReadOnlyList<ChatMessage>)[.. rows.Select(ToModel)];
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ChatMessage?> EditMessageAsync(string messageId, string content, DateTimeOffset editedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        ArgumentNullException.ThrowIfNull(content);
        var at = (long?)ToStore(editedAt);
        return WriteAsync(
            async (db, ct) =>
            {
                // Conditional on the message being live, evaluated under the row lock: a deletion that commits first wins.
                await db.Set<MessageEntity>()
                    .Where(m => m.Id == messageId && m.DeletedAt == null)
                    .ExecuteUpdateAsync(s => s.SetProperty(m => m.Content, content).SetProperty(m => m.EditedAt, at), ct)
                    .ConfigureAwait(false);
                var entity = await Messages(db).SingleOrDefaultAsync(m => m.Id == messageId, ct).ConfigureAwait(false);
                return entity is null ? null : ToModel(entity);
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ReactionChange> AddReactionAsync(string messageId, string userId, string emoji, DateTimeOffset reactedAt, int maxDistinctEmoji, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(emoji);
        var at = ToStore(reactedAt);
        return ChangeReactionAsync(
            messageId,
            async (db, reactions, ct) =>
            {
                if (await reactions.AnyAsync(r => r.UserId == userId && r.Emoji == emoji, ct).ConfigureAwait(false))
                {
                    return ReactionChange.Unchanged;
                }

                if (!await reactions.AnyAsync(r => r.Emoji == emoji, ct).ConfigureAwait(false)
                    && await reactions.Select(r => r.Emoji).Distinct().CountAsync(ct).ConfigureAwait(false) >= maxDistinctEmoji)
                {
                    return ReactionChange.LimitExceeded;
                }

                db.Add(new ReactionEntity { MessageId = messageId, UserId = userId, Emoji = emoji, CreatedAt = at });
                await db.SaveChangesAsync(ct).ConfigureAwait(false);
                return ReactionChange.Changed;
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ReactionChange> RemoveReactionAsync(string messageId, string userId, string emoji, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(emoji);
        return ChangeReactionAsync(
            messageId,
            async (_, reactions, ct) =>
            {
                var removed = await reactions.Where(r => r.UserId == userId && r.Emoji == emoji).ExecuteDeleteAsync(ct).ConfigureAwait(false);
                return removed > 0 ? ReactionChange.Changed : ReactionChange.Unchanged;
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyDictionary<string, IReadOnlyList<MessageReaction>>> GetReactionsAsync(IReadOnlyCollection<string> messageIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messageIds);
        var ids = messageIds.Distinct(StringComparer.Ordinal).ToList();
        return ReadAsync(
            async (db, ct) =>
            {
                var rows = await db.Set<ReactionEntity>().AsNoTracking()
                    .Where(r => ids.Contains(r.MessageId))
                    .OrderBy(r => r.Id)
                    .Select(r => new { r.MessageId, r.UserId, r.Emoji })
                    .ToListAsync(ct)
                    .ConfigureAwait(false);
                return Aggregate(rows.Select(r => (r.MessageId, r.UserId, r.Emoji)));
            },
            cancellationToken);
    }

    /// <summary>Groups reaction rows, given in insertion order, by message then emoji in first-use order.</summary>
    internal static IReadOnlyDictionary<string, IReadOnlyList<MessageReaction>> Aggregate(IEnumerable<(string MessageId, string UserId, string Emoji)> rows)
    {
        var result = new Dictionary<string, IReadOnlyList<MessageReaction>>(StringComparer.Ordinal);
        foreach (var message in rows.GroupBy(r => r.MessageId, StringComparer.Ordinal))
        {
            result[message.Key] = [.. message.GroupBy(r => r.Emoji, StringComparer.Ordinal).Select(e => new MessageReaction(e.Key, [.. e.Select(r => r.UserId)]))];
        }

        return result;
    }

    /// <summary>
    /// Runs a reaction change in a transaction holding the message row's lock, after checking the message is live.
    /// </summary>
    private Task<ReactionChange> ChangeReactionAsync(
        string messageId,
        Func<DbContext, IQueryable<ReactionEntity>, CancellationToken, Task<ReactionChange>> change,
        CancellationToken cancellationToken) =>
        WriteAsync(
            async (db, ct) =>
            {
                var transaction = await BeginOrJoinAsync(db, ct).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    var locked = await db.Set<MessageEntity>()
                        .Where(m => m.Id == messageId)
                        .ExecuteUpdateAsync(s => s.SetProperty(m => m.DeletedAt, m => m.DeletedAt), ct)
                        .ConfigureAwait(false);
                    if (locked == 0)
                    {
                        return ReactionChange.MessageNotFound;
                    }

                    var deleted = await Messages(db).Where(m => m.Id == messageId).Select(m => m.DeletedAt).SingleAsync(ct).ConfigureAwait(false);
                    if (deleted is not null)
                    {
                        return ReactionChange.MessageDeleted;
                    }

                    var result = await change(db, db.Set<ReactionEntity>().Where(r => r.MessageId == messageId), ct).ConfigureAwait(false);
                    await transaction.CommitAsync(ct).ConfigureAwait(false);
                    return result;
                }
            },
            cancellationToken);
}
