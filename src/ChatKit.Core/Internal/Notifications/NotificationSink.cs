using ChatKit.Events;
using ChatKit.Internal.Outbox;
using ChatKit.Notifications;
using ChatKit.Presence;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatKit.Internal.Notifications;

/// <summary>
/// One notification channel's place in the outbox: its own lease, checkpoint and retry entries (named after the
/// channel), so each channel progresses on its own and one that fails never holds another back or makes it send twice.
/// The dispatcher hands it the feed one batching window at a time (<see cref="IBatchingEventSink"/>); each planned
/// notification is one work item, retried on its own (serialized in the retry entry) when the channel throws.
/// </summary>
/// <typeparam name="TChannel">The channel.</typeparam>
internal sealed class NotificationSink<TChannel> : IBatchingEventSink
    where TChannel : class, IChatNotificationChannel
{
    private readonly IChatNotificationChannel _channel;
    private readonly NotificationPlanner _planner;
    private readonly IPresenceTracker _presence;
    private readonly ChatKitNotificationOptions _options;
    private readonly NotificationMetrics _metrics;
    private readonly ILogger _logger;
    private readonly string _channelName = typeof(TChannel).FullName ?? typeof(TChannel).Name;

    public NotificationSink(
        IEnumerable<IChatNotificationChannel> channels,
        NotificationPlanner planner,
        IPresenceTracker presence,
        IOptions<ChatKitNotificationOptions> options,
        NotificationMetrics metrics,
        ILogger<NotificationPlanner> logger)
    {
        _channel = channels.FirstOrDefault(c => c.GetType() == typeof(TChannel))
            ?? throw new InvalidOperationException($"The notification channel {typeof(TChannel).Name} is not registered: add it with AddNotificationChannel<{typeof(TChannel).Name}>().");
        _planner = planner;
        _presence = presence;
        _options = options.Value;
        _metrics = metrics;
        _logger = logger;
    }

    /// <inheritdoc/>
    public string Name => NameOf(typeof(TChannel));

    /// <inheritdoc/>
    public TimeSpan Window => _options.BatchWindow;

    /// <summary>The outbox name of a channel's sink: <c>notifications:</c> and the channel type's full name.</summary>
    public static string NameOf(Type channelType) => "notifications:" + (channelType.FullName ?? channelType.Name);

    /// <inheritdoc/>
    public bool OpensWindow(ChatEvent chatEvent) => NotificationPlanner.IsNotifiable(chatEvent);

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<OutboxWorkItem>> PlanAsync(IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken)
    {
        var planned = await _planner.PlanAsync(entries, (reason, count) => _metrics.Skipped(_channelName, reason, count), cancellationToken).ConfigureAwait(false);
        if (planned.Count > 0)
        {
            Log.NotificationsPlanned(_logger, _channelName, planned.Count, planned.Sum(p => p.Notification.MessageCount));
        }

        return [.. planned.Select(p => new OutboxWorkItem(p.Notification.Id, NotificationPlanner.ItemType, NotificationPlanner.Serialize(p.Notification), p.OccurredAt))];
    }

    /// <inheritdoc/>
    public async ValueTask DeliverAsync(OutboxWorkItem item, int attempt, CancellationToken cancellationToken)
    {
        var notification = NotificationPlanner.Deserialize(item.Payload);
        if (attempt > 1
            && (await _presence.GetOnlineUsersAsync([notification.UserId], cancellationToken).ConfigureAwait(false)).Count > 0)
        {
            // A retry found the user back online: the messages reach them in the app now.
            _metrics.Skipped(_channelName, NotificationPlanner.Reasons.Online);
            Log.NotificationRetrySkipped(_logger, notification.Id, notification.UserId, _channelName);
            return;
        }

        await _channel.SendAsync(notification, cancellationToken).ConfigureAwait(false);
        _metrics.Sent(_channelName);
    }

    /// <inheritdoc/>
    ValueTask IChatEventSink.DeliverAsync(OutboxEntry entry, CancellationToken cancellationToken) =>
        throw new NotSupportedException("The outbox dispatcher feeds a notification sink through IBatchingEventSink.");
}
