namespace ChatKit.Events;

/// <summary>
/// Delivers ChatKit's events to clients. ChatKit.AspNetCore implements it with SignalR; the default does nothing,
/// so ChatKit.Core works on its own. Publishing happens after the state change is stored.
/// </summary>
public interface IChatEventPublisher
{
    /// <summary>Delivers an event to the connections that should receive it.</summary>
    /// <param name="chatEvent">The event.</param>
    /// <param name="cancellationToken">Cancels the delivery.</param>
    ValueTask PublishAsync(ChatEvent chatEvent, CancellationToken cancellationToken);
}
