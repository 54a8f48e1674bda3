namespace ChatKit.Scaleout.Redis;

/// <summary>
/// How ChatKit runs on several nodes through Redis: the prefixes that let several applications share one Redis, and the
/// heartbeat, expiry and reaper intervals that bound how long a crashed node's users stay online. Validated at
/// start-up. With the defaults, a node that dies without a word takes its users offline within
/// <see cref="NodeTimeout"/> + <see cref="ReaperInterval"/> (20 seconds) plus one round trip.
/// </summary>
public sealed class ChatKitRedisOptions
{
    /// <summary>The name under which <c>UseRedis</c> registers its health check.</summary>
    public const string HealthCheckName = "chatkit-redis";

    /// <summary>
    /// Prepended to every pub/sub channel of SignalR's Redis backplane, so several applications can share a Redis.
    /// Default <c>chatkit:</c>. Applies to the connection <c>UseRedis</c> opens; a connection the host passes in keeps
    /// its own <c>ConfigurationOptions.ChannelPrefix</c>.
    /// </summary>
    public string ChannelPrefix { get; set; } = "chatkit:";

    /// <summary>Prepended to every Redis key ChatKit writes (presence and rate limits). Default <c>chatkit:</c>.</summary>
    public string KeyPrefix { get; set; } = "chatkit:";

    /// <summary>
    /// This node's id in Redis, unique among the nodes sharing <see cref="KeyPrefix"/>. Default <see langword="null"/>:
    /// the machine name and a random suffix, new at every start (a restarted node is a new node).
    /// </summary>
    public string? NodeId { get; set; }

    /// <summary>How often this node renews its liveness key. Default 5 seconds; 10 ms to 1 minute.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a node's liveness key lives without a heartbeat; when it has expired, the other nodes remove the node's
    /// connections and report its users offline. Default 15 seconds; at least twice <see cref="HeartbeatInterval"/>,
    /// at most 10 minutes.
    /// </summary>
    public TimeSpan NodeTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often each node looks for nodes whose liveness key expired. Default 5 seconds; 10 ms to 1 minute.</summary>
    public TimeSpan ReaperInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Whether the per-user rate limits (<c>ChatKitOptions.SendRateLimit</c> and the other <c>…RateLimit</c> options, one
    /// bucket per user and operation) are counted in Redis, so they hold across all nodes. Default <see langword="true"/>. While Redis is unreachable, or when this is <see langword="false"/>,
    /// each node counts on its own.
    /// </summary>
    public bool ShareRateLimits { get; set; } = true;

    /// <summary>
    /// How long a client's request (a send, a typing notice, a new connection) waits for Redis before it goes on without
    /// it: an event is left to reach Redis in the background, the rate limit is counted on this node, presence is
    /// recorded on this node and resynchronised later. After one such wait, later requests do not wait at all until
    /// Redis answers again, so a Redis that hangs (paused, swapping, a network black hole) never holds up an
    /// acknowledgement by more than this. Default 250 milliseconds; 10 ms to 10 seconds.
    /// </summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromMilliseconds(250);
}
