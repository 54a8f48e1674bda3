namespace ChatKit.Storage;

/// <summary>
/// What the outbox dispatcher keeps in the chat database beside the durable event log: a lease per sink (so one node at a
/// time delivers to it), a checkpoint per sink (how far in the event feed it got), and the entries waiting for a retry or
/// dead-lettered. A store that supports event sinks implements this next to <see cref="IChatStore"/> (ChatKit's stores
/// do); a host that adds a sink on a store without it fails at start-up with a sentence saying so.
/// </summary>
/// <remarks>
/// Every member is one atomic operation in the database, so the guarantees hold between nodes sharing it; the conformance
/// suite in ChatKit.Testing proves them. Times are given by the caller (its <see cref="TimeProvider"/>, millisecond
/// precision), so the nodes' clocks must agree to well within the lease duration.
/// </remarks>
public interface IChatOutboxStore
{
    /// <summary>
    /// Takes or renews a lease: succeeds when nobody holds <paramref name="name"/>, when <paramref name="owner"/> holds it
    /// already (a renewal), or when the holder's lease expired at or before <paramref name="now"/>; it then expires at
    /// <paramref name="now"/> plus <paramref name="duration"/>. Two owners never both succeed for one unexpired lease.
    /// </summary>
    /// <param name="name">The lease.</param>
    /// <param name="owner">Who asks (a node's own id).</param>
    /// <param name="now">The current time.</param>
    /// <param name="duration">How long the lease lasts without a renewal.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Whether <paramref name="owner"/> holds the lease now.</returns>
    Task<bool> TryAcquireOutboxLeaseAsync(string name, string owner, DateTimeOffset now, TimeSpan duration, CancellationToken cancellationToken);

    /// <summary>Gives a lease up when <paramref name="owner"/> holds it (another owner's lease is left alone).</summary>
    /// <param name="name">The lease.</param>
    /// <param name="owner">Who gives it up.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task ReleaseOutboxLeaseAsync(string name, string owner, CancellationToken cancellationToken);

    /// <summary>Returns a sink's checkpoint, or <see langword="null"/> when it has none yet.</summary>
    /// <param name="sink">The sink's name.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task<OutboxCheckpoint?> GetOutboxCheckpointAsync(string sink, CancellationToken cancellationToken);

    /// <summary>
    /// Sets a sink's checkpoint when its version is still <paramref name="expectedVersion"/> (0: the sink has none yet),
    /// incrementing the version: a compare-and-set, so a writer that read an older checkpoint can never move it back.
    /// </summary>
    /// <param name="sink">The sink's name.</param>
    /// <param name="cursor">The feed cursor delivered up to.</param>
    /// <param name="expectedVersion">The version read before.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Whether it was set; <see langword="false"/> when another writer moved it first.</returns>
    Task<bool> SaveOutboxCheckpointAsync(string sink, string cursor, long expectedVersion, CancellationToken cancellationToken);

    /// <summary>Inserts a retry entry, or replaces the one with the same sink and event id.</summary>
    /// <param name="entry">The entry.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task SaveOutboxRetryAsync(OutboxRetryEntry entry, CancellationToken cancellationToken);

    /// <summary>
    /// Returns a sink's retry entries that are due (<see cref="OutboxRetryEntry.NextAttemptAt"/> at or before
    /// <paramref name="now"/>) and not dead-lettered, the earliest due first.
    /// </summary>
    /// <param name="sink">The sink's name.</param>
    /// <param name="now">The current time.</param>
    /// <param name="limit">The most entries to return, at least 1.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task<IReadOnlyList<OutboxRetryEntry>> GetDueOutboxRetriesAsync(string sink, DateTimeOffset now, int limit, CancellationToken cancellationToken);

    /// <summary>Deletes a retry or dead-lettered entry (after a successful delivery).</summary>
    /// <param name="sink">The sink's name.</param>
    /// <param name="eventId">The event id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Whether there was one.</returns>
    Task<bool> DeleteOutboxRetryAsync(string sink, string eventId, CancellationToken cancellationToken);

    /// <summary>Returns dead-lettered entries, of one sink or of all, the oldest event first.</summary>
    /// <param name="sink">The sink's name, or <see langword="null"/> for every sink.</param>
    /// <param name="limit">The most entries to return, at least 1.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task<IReadOnlyList<OutboxRetryEntry>> GetOutboxDeadLettersAsync(string? sink, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Puts a dead-lettered entry back in line: no longer dead-lettered, its attempts back to 0, due at <paramref name="now"/>.
    /// </summary>
    /// <param name="sink">The sink's name.</param>
    /// <param name="eventId">The event id.</param>
    /// <param name="now">The current time.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Whether a dead-lettered entry was requeued.</returns>
    Task<bool> RequeueOutboxDeadLetterAsync(string sink, string eventId, DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>How far a sink got in the event feed.</summary>
/// <param name="Cursor">The feed cursor delivered up to.</param>
/// <param name="Version">Incremented by every save, from 1.</param>
public sealed record OutboxCheckpoint(string Cursor, long Version);

/// <summary>An outbox entry whose delivery failed: waiting for its next attempt, or dead-lettered.</summary>
public sealed record OutboxRetryEntry
{
    /// <summary>The sink's name.</summary>
    public required string Sink { get; init; }

    /// <summary>The event's stable id.</summary>
    public required string EventId { get; init; }

    /// <summary>The event's type: its hub event name (<see cref="ChatEventJson.TypeOf"/>, for example <c>newMessage</c>).</summary>
    public required string EventType { get; init; }

    /// <summary>The event as <see cref="ChatEventJson.Serialize"/> wrote it; the store keeps it unchanged.</summary>
    public required string Payload { get; init; }

    /// <summary>When the event happened (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }

    /// <summary>How many deliveries were attempted.</summary>
    public required int Attempts { get; init; }

    /// <summary>When the next attempt is due (UTC).</summary>
    public required DateTimeOffset NextAttemptAt { get; init; }

    /// <summary>What the last attempt failed with, or <see langword="null"/>.</summary>
    public string? LastError { get; init; }

    /// <summary>Whether the entry ran out of attempts; it is then kept until it is requeued or deleted.</summary>
    public bool IsDeadLettered { get; init; }
}
