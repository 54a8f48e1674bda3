using ChatKit.Events;
using Microsoft.Extensions.Logging;

namespace ChatKit.Internal;

/// <summary>
/// Publishes an event after its change is stored. A failed delivery is logged, never thrown: the change happened,
/// and clients catch up from the store (for example with <c>after=&lt;seq&gt;</c>). The caller's cancellation does not
/// stop delivery: once a change is stored, the other participants hear of it even if the caller has gone.
/// </summary>
internal sealed class EventDispatch(IChatEventPublisher publisher, ILogger logger)
{
    public async ValueTask PublishAsync(ChatEvent chatEvent)
    {
        using var activity = ChatKitActivities.StartPublish(chatEvent);
        try
        {
            await publisher.PublishAsync(chatEvent, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            ChatKitActivities.Fail(activity, ex);
            Log.PublishFailed(logger, chatEvent.GetType().Name, ex);
        }
    }
}
