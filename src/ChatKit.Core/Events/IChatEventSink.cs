namespace ChatKit.Events;

/// <summary>
/// The host's code that must see every durable event at least once, even across crashes and restarts: webhooks, push
/// notifications, a search index, an audit trail. Register it with <c>AddChatKit().AddEventSink&lt;T&gt;()</c>.
/// </summary>
/// <remarks>
/// Sinks are fed from the store's durable event log (the outbox), not from the in-process publisher: every durable event
/// (messages created, edited and deleted, reactions, reads and deliveries, membership, conversations; never typing or
/// presence) is written in the same transaction as its change, and a background dispatcher hands it to each sink. One
/// node at a time delivers to a given sink (a lease in the database). A sink that throws, or does not finish within
/// <see cref="ChatKitOutboxOptions.DeliveryTimeout"/>, gets the entry again later with exponential backoff, while the
/// entries after it go on; after <see cref="ChatKitOutboxOptions.MaxAttempts"/> attempts the entry is dead-lettered
/// (kept, logged, counted, and listed by <see cref="ChatKitOutbox"/> for a requeue). Delivery is at least once: the same
/// entry can come twice (a crash after delivering and before recording it), so deduplicate by
/// <see cref="OutboxEntry.Id"/>. The sink is a singleton.
/// </remarks>
public interface IChatEventSink
{
    /// <summary>Delivers one entry. Returning means delivered; throwing means "try again later".</summary>
    /// <param name="entry">The entry: the event, its stable id and when it happened.</param>
    /// <param name="cancellationToken">Cancelled at the delivery timeout and when the host stops.</param>
    ValueTask DeliverAsync(OutboxEntry entry, CancellationToken cancellationToken);
}

/// <summary>One durable event on its way to a sink.</summary>
/// <param name="Id">The event's stable id: the same on every attempt, on every node, and in the live event's <c>eventId</c>; deduplicate by it.</param>
/// <param name="Event">The domain event, as it was stored (<see cref="ChatEvent"/> subclasses).</param>
/// <param name="OccurredAt">When the change happened (UTC).</param>
/// <param name="Attempt">1 for the first delivery, 2 for the first retry, and so on.</param>
public sealed record OutboxEntry(string Id, ChatEvent Event, DateTimeOffset OccurredAt, int Attempt);
