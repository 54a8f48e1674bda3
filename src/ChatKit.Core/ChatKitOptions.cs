namespace ChatKit;

/// <summary>
/// ChatKit's limits and timeouts. Bound from the <c>ChatKit</c> configuration section by hosts that want it, and
/// validated at start-up: a value out of range stops the host with a message naming the option.
/// </summary>
public sealed class ChatKitOptions
{
    /// <summary>The most characters a message may have after normalisation. Default 4,000; 1 to 100,000.</summary>
    public int MaxContentLength { get; set; } = 4_000;

    /// <summary>The most characters of a group name. Default 200; 1 to 1,000.</summary>
    public int MaxConversationNameLength { get; set; } = 200;

    /// <summary>The most participants a group may have, its creator included. Default 1,000; 2 to 100,000.</summary>
    public int MaxGroupParticipants { get; set; } = 1_000;

    /// <summary>The most characters of a user id or a tempId. Default 128; 1 to 1,024.</summary>
    public int MaxIdLength { get; set; } = 128;

    /// <summary>
    /// How long a typing user stays "typing" without another <c>typing</c> call before <c>userStoppedTyping</c> is sent.
    /// Default 5 seconds; 1 second to 5 minutes.
    /// </summary>
    public TimeSpan TypingTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The per-user limit on sending messages.</summary>
    public SendRateLimitOptions SendRateLimit { get; set; } = new();
}

/// <summary>
/// The per-user send limit, a token bucket: a user may send <see cref="PermitLimit"/> messages in a burst, and the
/// bucket refills at <see cref="PermitLimit"/> messages per <see cref="Window"/>. The defaults (30 per 10 seconds)
/// let a person type as fast as they can and stop a script flooding a conversation.
/// </summary>
public sealed class SendRateLimitOptions
{
    /// <summary>Whether the limit applies. Default <see langword="true"/>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The burst size and the number of messages refilled per <see cref="Window"/>. Default 30; 1 to 1,000,000.</summary>
    public int PermitLimit { get; set; } = 30;

    /// <summary>The time in which <see cref="PermitLimit"/> messages are refilled. Default 10 seconds; 1 ms to 1 hour.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(10);
}
