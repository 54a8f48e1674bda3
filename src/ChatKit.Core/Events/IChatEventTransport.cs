namespace ChatKit.Events;

/// <summary>
/// Delivers ChatKit's events to connected clients. Core's publisher hands every event to each registered transport
/// first, awaiting each in turn, and then queues it for the host's <see cref="IChatEventHandler"/>s.
/// ChatKit.AspNetCore registers its SignalR delivery as one; without a transport, events reach no client.
/// </summary>
/// <remarks>
/// A transport decides which connections receive an event and should return once the event is handed over, never
/// waiting for slow clients: the sender's acknowledgement waits for it. A failure is logged and never reaches the caller.
/// </remarks>
public interface IChatEventTransport
{
    /// <summary>Delivers an event to the connections that should receive it.</summary>
    /// <param name="chatEvent">The event.</param>
    /// <param name="cancellationToken">Cancels the delivery.</param>
    ValueTask DeliverAsync(ChatEvent chatEvent, CancellationToken cancellationToken);
}
