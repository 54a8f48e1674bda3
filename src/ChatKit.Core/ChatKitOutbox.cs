using ChatKit.Internal;
using ChatKit.Internal.Outbox;
using ChatKit.Storage;

namespace ChatKit;

/// <summary>
/// The outbox's dead letters: entries a sink failed to take <see cref="ChatKitOutboxOptions.MaxAttempts"/> times, kept in
/// the store until requeued. Resolve it from the services once a sink is added (<c>AddEventSink&lt;T&gt;()</c>).
/// </summary>
public sealed class ChatKitOutbox
{
    private readonly IChatStore _store;
    private readonly TimeProvider _time;

    internal ChatKitOutbox(IChatStore store, TimeProvider time)
    {
        _store = store;
        _time = time;
    }

    /// <summary>The name a sink's checkpoint, lease and entries are kept under: the full name of its type.</summary>
    /// <typeparam name="TSink">The sink.</typeparam>
    public static string SinkName<TSink>()
        where TSink : Events.IChatEventSink => OutboxDispatcher.SinkName(typeof(TSink));

    /// <summary>Returns dead-lettered entries, the oldest event first.</summary>
    /// <param name="sink">A sink's name (<see cref="SinkName{TSink}"/>), or <see langword="null"/> for every sink.</param>
    /// <param name="limit">The most entries to return, 1 to 1,000.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    public Task<IReadOnlyList<OutboxRetryEntry>> GetDeadLettersAsync(string? sink = null, int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 1_000);
        return Outbox.GetOutboxDeadLettersAsync(sink, limit, cancellationToken);
    }

    /// <summary>Puts a dead-lettered entry back in line: it is delivered again at the sink's next cycle, with a fresh count of attempts.</summary>
    /// <param name="sink">The sink's name, as the entry gives it.</param>
    /// <param name="eventId">The event id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Whether a dead-lettered entry was requeued.</returns>
    public Task<bool> RequeueAsync(string sink, string eventId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(eventId);
        return Outbox.RequeueOutboxDeadLetterAsync(sink, eventId, Ids.Now(_time), cancellationToken);
    }

    private IChatOutboxStore Outbox => _store as IChatOutboxStore
        ?? throw new NotSupportedException($"{_store.GetType().Name} does not implement IChatOutboxStore, so it keeps no outbox.");
}
