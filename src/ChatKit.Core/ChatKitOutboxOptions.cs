namespace ChatKit;

/// <summary>
/// How the outbox dispatcher delivers durable events to the host's sinks (<see cref="Events.IChatEventSink"/>). Set with
/// <c>AddChatKit().ConfigureOutbox(outbox => …)</c>; validated at start-up.
/// </summary>
public sealed class ChatKitOutboxOptions
{
    /// <summary>
    /// How long a node holds a sink's lease without renewing it. A node that dies leaves the sink idle for at most this
    /// long before another node takes over. Default 30 seconds; 1 second to 10 minutes, and more than <see cref="DeliveryTimeout"/>.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one delivery may take before its token is cancelled and it counts as failed. Default 10 seconds; 100 milliseconds to 5 minutes.</summary>
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often an idle dispatcher looks for new events and due retries. Default 1 second; 10 milliseconds to 1 minute.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How many events are read from the feed (and due retries taken) at once. Default 100; 1 to 1,000.</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>
    /// How many deliveries of one entry are attempted before it is dead-lettered. Default 15 (3 to 4 hours of retries
    /// with the default delays); 1 to 100.
    /// </summary>
    public int MaxAttempts { get; set; } = 15;

    /// <summary>
    /// The delay before the first retry; each further retry waits twice as long as the one before, up to
    /// <see cref="RetryMaxDelay"/>, with random jitter of up to half the delay. Default 2 seconds; 10 milliseconds to 1 hour.
    /// </summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest delay between two attempts. Default 1 hour; from <see cref="RetryBaseDelay"/> to 7 days.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromHours(1);
}
