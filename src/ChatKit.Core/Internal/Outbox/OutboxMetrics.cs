using System.Diagnostics.Metrics;

namespace ChatKit.Internal.Outbox;

/// <summary>The outbox's instruments on ChatKit's meter, tagged with the sink's name.</summary>
internal sealed class OutboxMetrics
{
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _deadLettered;

    public OutboxMetrics(IMeterFactory? meterFactory)
    {
        var meter = meterFactory?.Create(ChatKitMetrics.MeterName) ?? new Meter(ChatKitMetrics.MeterName);
        _delivered = meter.CreateCounter<long>("chatkit.outbox.delivered", "{entry}", "Outbox entries a sink accepted, by sink.");
        _failed = meter.CreateCounter<long>("chatkit.outbox.failed", "{attempt}", "Deliveries that failed and were scheduled for a retry, by sink.");
        _deadLettered = meter.CreateCounter<long>("chatkit.outbox.dead_lettered", "{entry}", "Outbox entries that ran out of attempts, by sink.");
    }

    public void Delivered(string sink) => _delivered.Add(1, Tag(sink));

    public void Failed(string sink) => _failed.Add(1, Tag(sink));

    public void DeadLettered(string sink) => _deadLettered.Add(1, Tag(sink));

    private static KeyValuePair<string, object?> Tag(string sink) => new("chatkit.sink", sink);
}
