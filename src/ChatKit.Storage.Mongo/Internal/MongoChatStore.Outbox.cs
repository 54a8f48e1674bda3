using MongoDB.Driver;
using static ChatKit.Storage.Mongo.Internal.MongoOutboxDefinitions;

namespace ChatKit.Storage.Mongo.Internal;

/// <summary>
/// The outbox's state: each member one single-document operation, so the server decides between nodes. A lease is an
/// upsert whose filter matches only a takeable lease (a held one makes the upsert collide on the id); a checkpoint moves
/// with a version compare-and-set.
/// </summary>
internal sealed partial class MongoChatStore : IChatOutboxStore
{
    /// <inheritdoc/>
    public async Task<bool> TryAcquireOutboxLeaseAsync(string name, string owner, DateTimeOffset now, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(owner);
        try
        {
            await _context.OutboxLeases.UpdateOneAsync(
                    LeaseTakeable(name, owner, now.UtcDateTime),
                    TakeLease(owner, (now + duration).UtcDateTime),
                    new UpdateOptions { IsUpsert = true },
                    cancellationToken)
                .ConfigureAwait(false);
            return true;
        }
        catch (MongoException exception) when (MongoErrors.IsDuplicateKey(exception))
        {
            return false;
        }
    }

    /// <inheritdoc/>
    public Task ReleaseOutboxLeaseAsync(string name, string owner, CancellationToken cancellationToken) =>
        _context.OutboxLeases.DeleteOneAsync(LeaseHeldBy(name, owner), cancellationToken);

    /// <inheritdoc/>
    public async Task<OutboxCheckpoint?> GetOutboxCheckpointAsync(string sink, CancellationToken cancellationToken)
    {
        var document = await _context.OutboxCheckpoints.Find(Builders<OutboxCheckpointDocument>.Filter.Eq(c => c.Sink, sink))
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return document is null ? null : new OutboxCheckpoint(document.Cursor, document.Version);
    }

    /// <inheritdoc/>
    public async Task<bool> SaveOutboxCheckpointAsync(string sink, string cursor, long expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(cursor);
        if (expectedVersion == 0)
        {
            try
            {
                await _context.OutboxCheckpoints.InsertOneAsync(new OutboxCheckpointDocument { Sink = sink, Cursor = cursor, Version = 1 }, cancellationToken: cancellationToken)
                    .ConfigureAwait(false);
                return true;
            }
            catch (MongoException exception) when (MongoErrors.IsDuplicateKey(exception))
            {
                return false;
            }
        }

        var result = await _context.OutboxCheckpoints.UpdateOneAsync(CheckpointAt(sink, expectedVersion), MoveCheckpoint(cursor, expectedVersion + 1), cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        return result.ModifiedCount == 1;
    }

    /// <inheritdoc/>
    public async Task SaveOutboxRetryAsync(OutboxRetryEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var document = ToDocument(entry);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _context.OutboxRetries.ReplaceOneAsync(RetryById(entry.Sink, entry.EventId), document, new ReplaceOptions { IsUpsert = true }, cancellationToken)
                    .ConfigureAwait(false);
                return;
            }
            catch (MongoException exception) when (attempt < MaxInsertAttempts && MongoErrors.IsDuplicateKey(exception))
            {
                // Two upserts of one new id raced; the loser replaces the winner's document now that it exists.
            }
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<OutboxRetryEntry>> GetDueOutboxRetriesAsync(string sink, DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var documents = await _context.OutboxRetries.Find(Due(sink, now.UtcDateTime)).Sort(DueOrder).Limit(limit)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. documents.Select(ToModel)];
    }

    /// <inheritdoc/>
    public async Task<bool> DeleteOutboxRetryAsync(string sink, string eventId, CancellationToken cancellationToken) =>
        (await _context.OutboxRetries.DeleteOneAsync(RetryById(sink, eventId), cancellationToken).ConfigureAwait(false)).DeletedCount == 1;

    /// <inheritdoc/>
    public async Task<IReadOnlyList<OutboxRetryEntry>> GetOutboxDeadLettersAsync(string? sink, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var documents = await _context.OutboxRetries.Find(DeadLetters(sink)).Sort(DeadLetterOrder).Limit(limit)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. documents.Select(ToModel)];
    }

    /// <inheritdoc/>
    public async Task<bool> RequeueOutboxDeadLetterAsync(string sink, string eventId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var result = await _context.OutboxRetries.UpdateOneAsync(
                RetryById(sink, eventId) & Builders<OutboxRetryDocument>.Filter.Eq(r => r.DeadLettered, true),
                Requeue(now.UtcDateTime),
                cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        return result.ModifiedCount == 1;
    }

    internal static OutboxRetryDocument ToDocument(OutboxRetryEntry entry) => new()
    {
        Id = RetryId(entry.Sink, entry.EventId),
        Sink = entry.Sink,
        EventId = entry.EventId,
        EventType = entry.EventType,
        Payload = entry.Payload,
        OccurredAt = entry.OccurredAt.UtcDateTime,
        Attempts = entry.Attempts,
        NextAttemptAt = entry.NextAttemptAt.UtcDateTime,
        LastError = entry.LastError,
        DeadLettered = entry.IsDeadLettered,
    };

    internal static OutboxRetryEntry ToModel(OutboxRetryDocument document) => new()
    {
        Sink = document.Sink,
        EventId = document.EventId,
        EventType = document.EventType,
        Payload = document.Payload,
        OccurredAt = new DateTimeOffset(DateTime.SpecifyKind(document.OccurredAt, DateTimeKind.Utc)),
        Attempts = document.Attempts,
        NextAttemptAt = new DateTimeOffset(DateTime.SpecifyKind(document.NextAttemptAt, DateTimeKind.Utc)),
        LastError = document.LastError,
        IsDeadLettered = document.DeadLettered,
    };
}
