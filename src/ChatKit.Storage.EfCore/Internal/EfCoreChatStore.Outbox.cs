using Microsoft.EntityFrameworkCore;
using static ChatKit.Storage.EfCore.Internal.Mapping;

namespace ChatKit.Storage.EfCore.Internal;

/// <summary>
/// The outbox's state in three small tables. Each member is one conditional statement (an <c>UPDATE … WHERE</c> that
/// the database evaluates on the locked row) or an insert guarded by the primary key, so two nodes never both take a
/// lease or both move a checkpoint from the same version: the database decides, not a lock in this process.
/// </summary>
internal sealed partial class EfCoreChatStore : IChatOutboxStore
{
    /// <inheritdoc/>
    public Task<bool> TryAcquireOutboxLeaseAsync(string name, string owner, DateTimeOffset now, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(owner);
        var (at, until) = (ToStore(now), ToStore(now + duration));
        return WriteAsync(
            async (db, ct) =>
            {
                // Renew our own lease or take an expired one; the WHERE is re-checked on the row after any lock wait.
                var taken = await db.Set<OutboxLeaseEntity>()
                    .Where(l => l.Name == name && (l.Owner == owner || l.ExpiresAt <= at))
                    .ExecuteUpdateAsync(s => s.SetProperty(l => l.Owner, owner).SetProperty(l => l.ExpiresAt, until), ct)
                    .ConfigureAwait(false);
                return taken == 1 || await TryInsertAsync(db, new OutboxLeaseEntity { Name = name, Owner = owner, ExpiresAt = until }, ct).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task ReleaseOutboxLeaseAsync(string name, string owner, CancellationToken cancellationToken) =>
        WriteAsync(
            (db, ct) => db.Set<OutboxLeaseEntity>().Where(l => l.Name == name && l.Owner == owner).ExecuteDeleteAsync(ct),
            cancellationToken);

    /// <inheritdoc/>
    public Task<OutboxCheckpoint?> GetOutboxCheckpointAsync(string sink, CancellationToken cancellationToken) =>
        ReadAsync(
            async (db, ct) => await db.Set<OutboxCheckpointEntity>().AsNoTracking()
                .Where(c => c.Sink == sink)
                .Select(c => new OutboxCheckpoint(c.Cursor, c.Version))
                .SingleOrDefaultAsync(ct)
                .ConfigureAwait(false),
            cancellationToken);

    /// <inheritdoc/>
    public Task<bool> SaveOutboxCheckpointAsync(string sink, string cursor, long expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(cursor);
        return WriteAsync(
            async (db, ct) => expectedVersion == 0
                ? await TryInsertAsync(db, new OutboxCheckpointEntity { Sink = sink, Cursor = cursor, Version = 1 }, ct).ConfigureAwait(false)
                : await db.Set<OutboxCheckpointEntity>()
                    .Where(c => c.Sink == sink && c.Version == expectedVersion)
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.Cursor, cursor).SetProperty(c => c.Version, expectedVersion + 1), ct)
                    .ConfigureAwait(false) == 1,
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task SaveOutboxRetryAsync(OutboxRetryEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var row = ToRetryRow(entry);
        return WriteAsync(
            async (db, ct) =>
            {
                // Replace, or insert; an insert that lost a race to another insert replaces the winner's row.
                for (var attempt = 0; ; attempt++)
                {
                    var replaced = await db.Set<OutboxRetryEntity>()
                        .Where(r => r.Sink == row.Sink && r.EventId == row.EventId)
                        .ExecuteUpdateAsync(
                            s => s.SetProperty(r => r.EventType, row.EventType)
                                .SetProperty(r => r.Payload, row.Payload)
                                .SetProperty(r => r.OccurredAt, row.OccurredAt)
                                .SetProperty(r => r.Attempts, row.Attempts)
                                .SetProperty(r => r.NextAttemptAt, row.NextAttemptAt)
                                .SetProperty(r => r.LastError, row.LastError)
                                .SetProperty(r => r.DeadLettered, row.DeadLettered),
                            ct)
                        .ConfigureAwait(false);
                    if (replaced == 1 || await TryInsertAsync(db, ToRetryRow(entry), ct).ConfigureAwait(false))
                    {
                        return true;
                    }

                    if (attempt == 2)
                    {
                        throw new InvalidOperationException($"The outbox entry {row.EventId} of {row.Sink} could be neither replaced nor inserted.");
                    }
                }
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<OutboxRetryEntry>> GetDueOutboxRetriesAsync(string sink, DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var at = ToStore(now);
        return ReadRetriesAsync(
            q => q.Where(r => r.Sink == sink && !r.DeadLettered && r.NextAttemptAt <= at).OrderBy(r => r.NextAttemptAt).ThenBy(r => r.EventId).Take(limit),
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<bool> DeleteOutboxRetryAsync(string sink, string eventId, CancellationToken cancellationToken) =>
        WriteAsync(
            async (db, ct) => await db.Set<OutboxRetryEntity>()
                .Where(r => r.Sink == sink && r.EventId == eventId)
                .ExecuteDeleteAsync(ct)
                .ConfigureAwait(false) == 1,
            cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<OutboxRetryEntry>> GetOutboxDeadLettersAsync(string? sink, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return ReadRetriesAsync(
            q => q.Where(r => r.DeadLettered && (sink == null || r.Sink == sink)).OrderBy(r => r.OccurredAt).ThenBy(r => r.EventId).Take(limit),
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<bool> RequeueOutboxDeadLetterAsync(string sink, string eventId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var at = ToStore(now);
        return WriteAsync(
            async (db, ct) => await db.Set<OutboxRetryEntity>()
                .Where(r => r.Sink == sink && r.EventId == eventId && r.DeadLettered)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.DeadLettered, false).SetProperty(r => r.Attempts, 0).SetProperty(r => r.NextAttemptAt, at), ct)
                .ConfigureAwait(false) == 1,
            cancellationToken);
    }

    private Task<IReadOnlyList<OutboxRetryEntry>> ReadRetriesAsync(
        Func<IQueryable<OutboxRetryEntity>, IQueryable<OutboxRetryEntity>> query,
        CancellationToken cancellationToken) =>
        ReadAsync(
            async (db, ct) =>
            {
                var rows = await query(db.Set<OutboxRetryEntity>().AsNoTracking()).ToListAsync(ct).ConfigureAwait(false);
                return (IReadOnlyList<OutboxRetryEntry>)[.. rows.Select(ToRetryEntry)];
            },
            cancellationToken);

    /// <summary>Inserts a row; <see langword="false"/> when its primary key exists (another node inserted it first).</summary>
    private static async Task<bool> TryInsertAsync<TEntity>(DbContext db, TEntity row, CancellationToken ct)
        where TEntity : class
    {
        db.Add(row);
        try
        {
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
            return true;
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            return false;
        }
    }

    private static OutboxRetryEntity ToRetryRow(OutboxRetryEntry entry) => new()
    {
        Sink = entry.Sink,
        EventId = entry.EventId,
        EventType = entry.EventType,
        Payload = entry.Payload,
        OccurredAt = ToStore(entry.OccurredAt),
        Attempts = entry.Attempts,
        NextAttemptAt = ToStore(entry.NextAttemptAt),
        LastError = entry.LastError,
        DeadLettered = entry.IsDeadLettered,
    };

    private static OutboxRetryEntry ToRetryEntry(OutboxRetryEntity row) => new()
    {
        Sink = row.Sink,
        EventId = row.EventId,
        EventType = row.EventType,
        Payload = row.Payload,
        OccurredAt = FromStore(row.OccurredAt),
        Attempts = row.Attempts,
        NextAttemptAt = FromStore(row.NextAttemptAt),
        LastError = row.LastError,
        IsDeadLettered = row.DeadLettered,
    };
}
