namespace ChatKit.Storage.Mongo;

/// <summary>
/// How ChatKit keeps its data in MongoDB: the prefix of its collection names, whether it creates its collections and
/// indexes at start-up, and how long a retried tempId waits for the call that reserved it. Validated at start-up.
/// </summary>
public sealed class MongoChatStoreOptions
{
    /// <summary>
    /// Prepended to the name of every collection ChatKit uses (<c>conversations</c>, <c>messages</c>,
    /// <c>read_positions</c>, <c>temp_ids</c>), so several applications can share one database. Default
    /// <c>chatkit_</c>. Up to 64 characters; letters, digits, <c>_</c>, <c>-</c> and <c>.</c> only, not starting with
    /// <c>system.</c>; may be empty.
    /// </summary>
    public string CollectionPrefix { get; set; } = "chatkit_";

    /// <summary>
    /// Whether a hosted service creates the collections and their indexes when the host starts (idempotent: existing
    /// ones are kept). Default <see langword="true"/>. Turn it off when the database is provisioned by other means; the
    /// unique indexes are what make the storage guarantees hold, so they must exist before ChatKit runs.
    /// </summary>
    public bool CreateIndexesOnStart { get; set; } = true;

    /// <summary>
    /// How long a tempId stays reserved for the call that is storing its message. A retry of that tempId waits for the
    /// first call's message meanwhile; once the reservation is older than this (the first call's process died), the
    /// retry takes it over and stores its own message. Default 30 seconds; 1 second to 10 minutes. It must be longer
    /// than any append can take, failovers included.
    /// </summary>
    public TimeSpan TempIdReservationTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long an append waits for an earlier seq of its conversation that is taken but not stored before it gives that
    /// seq up. Messages become visible strictly in seq order, so a process that dies between taking a seq and storing
    /// its message would otherwise hold the conversation back for good; after this long the seq is marked as a gap that
    /// readers skip, and a slow append that still held it stores its message at a new seq. Default 10 seconds;
    /// 100 milliseconds to 10 minutes. Longer than an append normally takes, failovers included. The event feed uses the
    /// same wait for a position taken but not stored, and a conversation's event-recording lock expires after it when its
    /// holder died.
    /// </summary>
    public TimeSpan SeqGapTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
