namespace ChatKit.Events;

/// <summary>
/// The host's code that runs after something happened: every <see cref="ChatEvent"/> ChatKit publishes (a message
/// created or deleted, read positions, membership, conversations, presence, typing, and any event type added later)
/// reaches every handler. Register it with <c>AddChatKit().AddEventHandler&lt;T&gt;()</c>; several may be added.
/// </summary>
/// <remarks>
/// Handlers run in the background, after the event was handed to the clients' transport: delivery never waits for a
/// handler. Each handler has its own queue (<see cref="ChatKitOptions.EventHandlerQueueCapacity"/>) and receives one
/// event at a time, in the order this node published them. A handler that throws is logged and gets the next event;
/// one that does not finish within <see cref="ChatKitOptions.EventHandlerTimeout"/> has its token cancelled, is
/// logged, and is no longer waited for. One handler never delays or breaks another. Delivery is best effort and
/// in-process: events queued when the host stops or when a queue is full are lost (logged). Match the types you care
/// about (<c>if (chatEvent is MessageCreatedEvent created)</c>) and ignore the rest.
/// </remarks>
public interface IChatEventHandler
{
    /// <summary>Handles one event.</summary>
    /// <param name="chatEvent">The event, after its change was stored.</param>
    /// <param name="cancellationToken">Cancelled at the handler timeout and when the host stops.</param>
    ValueTask HandleAsync(ChatEvent chatEvent, CancellationToken cancellationToken);
}
