namespace ChatKit.Events;

/// <summary>
/// Publishes ChatKit's events once their change is stored. ChatKit's own publisher hands each event to the clients'
/// transports (<see cref="IChatEventTransport"/>, SignalR in ChatKit.AspNetCore) and then to the host's
/// <see cref="IChatEventHandler"/>s. Replace it only to take over all of that; to react to events, add a handler.
/// </summary>
public interface IChatEventPublisher
{
    /// <summary>Publishes an event.</summary>
    /// <param name="chatEvent">The event.</param>
    /// <param name="cancellationToken">Cancels the delivery.</param>
    ValueTask PublishAsync(ChatEvent chatEvent, CancellationToken cancellationToken);
}
