using System.Globalization;
using System.Threading.RateLimiting;
using ChatKit.Services;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatKit.Scaleout.Redis.Internal;

/// <summary>
/// The per-user limits of <see cref="ChatKitOptions"/> (one per <see cref="ChatOperation"/>), counted in Redis so they
/// hold across every node: the same token bucket as ChatKit's default (a burst of PermitLimit, refilled at PermitLimit per
/// Window), kept in one small hash per user and operation and updated by a Lua script. When Redis is unreachable (or
/// <see cref="ChatKitRedisOptions.ShareRateLimits"/> is off) it counts in this process, per node, as the default does.
/// </summary>
internal sealed class RedisChatRateLimiter : IChatRateLimiter, IDisposable
{
    /// <summary>KEYS: bucket. ARGV: capacity, tokens per ms, now in ms, TTL in ms. Returns { granted, retry after ms }.</summary>
    private const string TakeScript = """
        local capacity = tonumber(ARGV[1])
        local rate = tonumber(ARGV[2])
        local now = tonumber(ARGV[3])
        local bucket = redis.call('HMGET', KEYS[1], 't', 'ts')
        local tokens = tonumber(bucket[1])
        local ts = tonumber(bucket[2])
        if tokens == nil or ts == nil then tokens = capacity; ts = now end
        if now > ts then
          tokens = math.min(capacity, tokens + (now - ts) * rate)
          ts = now
        end
        local granted = 0
        local retry = 0
        if tokens >= 1 then
          tokens = tokens - 1
          granted = 1
        else
          retry = math.ceil((1 - tokens) / rate)
        end
        redis.call('HSET', KEYS[1], 't', tostring(tokens), 'ts', tostring(ts))
        redis.call('PEXPIRE', KEYS[1], ARGV[4])
        return { granted, retry }
        """;

    private static readonly TimeSpan MinimumPeriod = TimeSpan.FromMilliseconds(50);
    private readonly RedisConnection _redis;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly bool _shared;
    private readonly Dictionary<ChatOperation, Bucket> _buckets;
    private readonly PartitionedRateLimiter<(ChatOperation Operation, string UserId)> _local;

    public RedisChatRateLimiter(
        RedisConnection redis,
        IOptions<ChatKitOptions> chatOptions,
        IOptions<ChatKitRedisOptions> redisOptions,
        TimeProvider time,
        ILogger<RedisChatRateLimiter> logger)
    {
        ArgumentNullException.ThrowIfNull(chatOptions);
        ArgumentNullException.ThrowIfNull(redisOptions);
        _redis = redis;
        _time = time;
        _logger = logger;
        _shared = redisOptions.Value.ShareRateLimits;
        var options = chatOptions.Value;
        var keyPrefix = redisOptions.Value.KeyPrefix;
        _buckets = Enum.GetValues<ChatOperation>().ToDictionary(op => op, op => new Bucket(keyPrefix, op, options.RateLimitFor(op)));
        _local = PartitionedRateLimiter.Create<(ChatOperation Operation, string UserId), (ChatOperation, string)>(key =>
            RateLimitPartition.GetTokenBucketLimiter(key, _ => LocalBucketOf(_buckets[key.Operation].Limit)));
    }

    public ValueTask<RateLimitLease> AcquireSendPermitAsync(string userId, CancellationToken cancellationToken) =>
        AcquirePermitAsync(userId, ChatOperation.SendMessage, cancellationToken);

    public async ValueTask<RateLimitLease> AcquirePermitAsync(string userId, ChatOperation operation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userId);
        var bucket = _buckets[operation];
        if (!bucket.Limit.Enabled)
        {
            return Lease.Granted;
        }

        if (!_shared)
        {
            return _local.AttemptAcquire((operation, userId));
        }

        try
        {
            var db = await _redis.GetDatabaseAsync().ConfigureAwait(false);
            var now = _time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
            var take = db.ScriptEvaluateAsync(
                TakeScript,
                [(RedisKey)(bucket.Prefix + userId)],
                [bucket.Capacity, bucket.TokensPerMs, now, bucket.TtlMs]);
            if (!await _redis.WaitBoundedAsync(take.WaitAsync(cancellationToken)).ConfigureAwait(false))
            {
                // Redis is slow or hung: never hold a request up for it. The token it takes later is harmless.
                return _local.AttemptAcquire((operation, userId));
            }

            var result = (RedisResult[])(await take.ConfigureAwait(false))!;
            return (long)result[0] == 1 ? Lease.Granted : Lease.Denied(TimeSpan.FromMilliseconds((long)result[1]));
        }
        catch (Exception ex) when (RedisPresenceTracker.IsRedisFailure(ex))
        {
            Log.RateLimitDegraded(_logger, ex);
            return _local.AttemptAcquire((operation, userId));
        }
    }

    public void Dispose() => _local.Dispose();

    private static TokenBucketRateLimiterOptions LocalBucketOf(RateLimitOptions limit)
    {
        var period = limit.Window / limit.PermitLimit;
        var tokensPerPeriod = 1;
        if (period < MinimumPeriod)
        {
            tokensPerPeriod = (int)Math.Ceiling(limit.PermitLimit * (MinimumPeriod / limit.Window));
            period = MinimumPeriod;
        }

        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = limit.PermitLimit,
            TokensPerPeriod = tokensPerPeriod,
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }

    /// <summary>One operation's limit, with the script arguments that describe it. Sends keep their original key.</summary>
    private sealed class Bucket(string keyPrefix, ChatOperation operation, RateLimitOptions limit)
    {
        public RateLimitOptions Limit { get; } = limit;

        public string Prefix { get; } = keyPrefix + "ratelimit:" + (operation == ChatOperation.SendMessage ? "send" : operation.ToString().ToLowerInvariant()) + ":";

        public string Capacity { get; } = limit.PermitLimit.ToString(CultureInfo.InvariantCulture);

        public string TokensPerMs { get; } = (limit.PermitLimit / limit.Window.TotalMilliseconds).ToString("R", CultureInfo.InvariantCulture);

        // A full bucket is the same as no bucket: let the key go once it would have refilled.
        public string TtlMs { get; } = ((long)Math.Ceiling(limit.Window.TotalMilliseconds) + 1_000).ToString(CultureInfo.InvariantCulture);
    }

    private sealed class Lease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public static readonly Lease Granted = new(true, null);

        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public static Lease Denied(TimeSpan retryAfter) => new(false, retryAfter);

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (retryAfter is not null && metadataName == MetadataName.RetryAfter.Name)
            {
                metadata = retryAfter.Value;
                return true;
            }

            metadata = null;
            return false;
        }
    }
}
