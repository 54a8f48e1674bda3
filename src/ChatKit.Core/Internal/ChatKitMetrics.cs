using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace ChatKit.Internal;

/// <summary>
/// ChatKit's instruments on the <c>ChatKit</c> meter (System.Diagnostics.Metrics), so a host's OpenTelemetry or
/// <c>dotnet-counters monitor --counters ChatKit</c> sees them. Every figure is this node's; sum them across nodes.
/// </summary>
internal sealed class ChatKitMetrics
{
    /// <summary>The meter's name: what a host subscribes to.</summary>
    public const string MeterName = "ChatKit";

    private static readonly ConditionalWeakTable<IMeterFactory, ChatKitMetrics> PerFactory = [];
    private static readonly Lazy<ChatKitMetrics> Standalone = new(() => new ChatKitMetrics(null));

    private readonly Counter<long> _messagesSent;
    private readonly Counter<long> _messagesDeduplicated;
    private readonly Counter<long> _messagesDeleted;
    private readonly Counter<long> _sendsRateLimited;
    private readonly Counter<long> _callsRateLimited;
    private readonly Histogram<double> _sendDuration;
    private readonly Counter<long> _conversationsCreated;
    private readonly UpDownCounter<long> _connections;

    private ChatKitMetrics(IMeterFactory? meterFactory)
    {
        // The host's factory owns the meter (and scopes it to the host, so two hosts in one process stay apart);
        // without one, as in a bare ServiceCollection, ChatKit keeps its own.
        var meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _messagesSent = meter.CreateCounter<long>("chatkit.messages.sent", "{message}", "Messages stored, by conversation type.");
        _messagesDeduplicated = meter.CreateCounter<long>("chatkit.messages.deduplicated", "{message}", "Sends answered with an earlier message because their tempId was used already.");
        _messagesDeleted = meter.CreateCounter<long>("chatkit.messages.deleted", "{message}", "Messages turned into tombstones.");
        _sendsRateLimited = meter.CreateCounter<long>("chatkit.messages.rate_limited", "{message}", "Sends refused by the per-user rate limit.");
        _callsRateLimited = meter.CreateCounter<long>("chatkit.calls.rate_limited", "{call}", "Calls refused by a per-user rate limit, by operation.");
        _sendDuration = meter.CreateHistogram(
            "chatkit.message.send.duration",
            "s",
            "Time to store a message: from a valid send to its acknowledgement, events excluded.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });
        _conversationsCreated = meter.CreateCounter<long>("chatkit.conversations.created", "{conversation}", "Conversations created, by type.");
        _connections = meter.CreateUpDownCounter<long>("chatkit.connections", "{connection}", "Open connections on this node.");
    }

    /// <summary>
    /// The instruments of one host: every service of a host shares them, so each instrument exists once per meter.
    /// </summary>
    public static ChatKitMetrics For(IMeterFactory? meterFactory) =>
        meterFactory is null ? Standalone.Value : PerFactory.GetValue(meterFactory, f => new ChatKitMetrics(f));

    public void MessageStored(ConversationType type, TimeSpan duration)
    {
        var tag = TypeTag(type);
        _messagesSent.Add(1, tag);
        _sendDuration.Record(duration.TotalSeconds, tag);
    }

    public void MessageDeduplicated() => _messagesDeduplicated.Add(1);

    public void MessageDeleted() => _messagesDeleted.Add(1);

    public void RateLimited(ChatKit.Services.ChatOperation operation)
    {
        if (operation == ChatKit.Services.ChatOperation.SendMessage)
        {
            _sendsRateLimited.Add(1);
        }

        _callsRateLimited.Add(1, new KeyValuePair<string, object?>("chatkit.operation", operation.ToString()));
    }

    public void ConversationCreated(ConversationType type) => _conversationsCreated.Add(1, TypeTag(type));

    public void ConnectionOpened() => _connections.Add(1);

    public void ConnectionClosed() => _connections.Add(-1);

    private static KeyValuePair<string, object?> TypeTag(ConversationType type) =>
        new("chatkit.conversation.type", type == ConversationType.Direct ? "direct" : "group");
}
