using MongoDB.Driver;

namespace ChatKit.Storage.Mongo.Internal;

/// <summary>The outbox's filters, updates and indexes, each one single-document atomic operation.</summary>
internal static class MongoOutboxDefinitions
{
    public const string DueIndex = "sink_deadLettered_nextAttemptAt";

    private static readonly FilterDefinitionBuilder<OutboxRetryDocument> Retry = Builders<OutboxRetryDocument>.Filter;

    public static IReadOnlyList<CreateIndexModel<OutboxRetryDocument>> RetryIndexes { get; } =
    [
        // A sink's due entries (and its dead letters): a range of this index.
        new(
            Builders<OutboxRetryDocument>.IndexKeys.Ascending(r => r.Sink).Ascending(r => r.DeadLettered).Ascending(r => r.NextAttemptAt),
            new CreateIndexOptions<OutboxRetryDocument> { Name = DueIndex }),
    ];

    /// <summary>The id of a retry entry: one per (sink, event id). U+001F cannot appear in a type name.</summary>
    public static string RetryId(string sink, string eventId) => sink + "\u001f" + eventId;

    /// <summary>
    /// The lease when <paramref name="owner"/> may take it: it holds it, or it expired. Used with an upsert on the name:
    /// no match because another owner holds it makes the upsert insert a second document with the same id, which the
    /// server refuses (duplicate key): the one atomic answer "held by someone else".
    /// </summary>
    public static FilterDefinition<OutboxLeaseDocument> LeaseTakeable(string name, string owner, DateTime now)
    {
        var lease = Builders<OutboxLeaseDocument>.Filter;
        return lease.Eq(l => l.Name, name) & (lease.Eq(l => l.Owner, owner) | lease.Lte(l => l.ExpiresAt, now));
    }

    public static UpdateDefinition<OutboxLeaseDocument> TakeLease(string owner, DateTime until) =>
        Builders<OutboxLeaseDocument>.Update.Set(l => l.Owner, owner).Set(l => l.ExpiresAt, until);

    public static FilterDefinition<OutboxLeaseDocument> LeaseHeldBy(string name, string owner) =>
        Builders<OutboxLeaseDocument>.Filter.Eq(l => l.Name, name) & Builders<OutboxLeaseDocument>.Filter.Eq(l => l.Owner, owner);

    public static FilterDefinition<OutboxCheckpointDocument> CheckpointAt(string sink, long version) =>
        Builders<OutboxCheckpointDocument>.Filter.Eq(c => c.Sink, sink) & Builders<OutboxCheckpointDocument>.Filter.Eq(c => c.Version, version);

    public static UpdateDefinition<OutboxCheckpointDocument> MoveCheckpoint(string cursor, long version) =>
        Builders<OutboxCheckpointDocument>.Update.Set(c => c.Cursor, cursor).Set(c => c.Version, version);

    public static FilterDefinition<OutboxRetryDocument> RetryById(string sink, string eventId) => Retry.Eq(r => r.Id, RetryId(sink, eventId));

    public static FilterDefinition<OutboxRetryDocument> Due(string sink, DateTime now) =>
        Retry.Eq(r => r.Sink, sink) & Retry.Eq(r => r.DeadLettered, false) & Retry.Lte(r => r.NextAttemptAt, now);

    public static SortDefinition<OutboxRetryDocument> DueOrder { get; } =
        Builders<OutboxRetryDocument>.Sort.Ascending(r => r.NextAttemptAt).Ascending(r => r.EventId);

    public static FilterDefinition<OutboxRetryDocument> DeadLetters(string? sink) =>
        sink is null ? Retry.Eq(r => r.DeadLettered, true) : Retry.Eq(r => r.Sink, sink) & Retry.Eq(r => r.DeadLettered, true);

    public static SortDefinition<OutboxRetryDocument> DeadLetterOrder { get; } =
        Builders<OutboxRetryDocument>.Sort.Ascending(r => r.OccurredAt).Ascending(r => r.EventId);

    public static UpdateDefinition<OutboxRetryDocument> Requeue(DateTime now) =>
        Builders<OutboxRetryDocument>.Update.Set(r => r.DeadLettered, false).Set(r => r.Attempts, 0).Set(r => r.NextAttemptAt, now);
}
