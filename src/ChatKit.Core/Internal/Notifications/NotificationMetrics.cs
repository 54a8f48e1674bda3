using System.Diagnostics.Metrics;

namespace ChatKit.Internal.Notifications;

/// <summary>The notification pipeline's instruments on ChatKit's meter, next to the outbox's, tagged with the channel.</summary>
internal sealed class NotificationMetrics
{
    private readonly Counter<long> _sent;
    private readonly Counter<long> _skipped;

    public NotificationMetrics(IMeterFactory? meterFactory)
    {
        var meter = meterFactory?.Create(ChatKitMetrics.MeterName) ?? new Meter(ChatKitMetrics.MeterName);
        _sent = meter.CreateCounter<long>("chatkit.notifications.sent", "{notification}", "Notifications a channel accepted, by channel.");
        _skipped = meter.CreateCounter<long>(
            "chatkit.notifications.skipped",
            "{recipient}",
            "Recipients of a message who were not notified, by channel and reason (online, muted, read, left).");
    }

    public void Sent(string channel) => _sent.Add(1, new KeyValuePair<string, object?>("chatkit.channel", channel));

    public void Skipped(string channel, string reason, int count = 1)
    {
        if (count > 0)
        {
            _skipped.Add(count, new KeyValuePair<string, object?>("chatkit.channel", channel), new KeyValuePair<string, object?>("chatkit.reason", reason));
        }
    }
}
