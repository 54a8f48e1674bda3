using System.Globalization;
using System.Threading.RateLimiting;
using ChatKit.Services;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatKit.Scaleout.Redis.Internal;

/// <summary>
/// The per-user send limit of <see cref="ChatKitOptions.SendRateLimit"/>, counted in Redis so it holds across every
/// node: the same token bucket as ChatKit's default (a burst of PermitLimit, refilled at PermitLimit per Window), kept in
/// one small hash per user and updated by a Lua script. When Redis is unreachable (or
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
    private readonly SendRateLimitOptions _limit;
    private readonly bool _shared;
    private readonly string _prefix;
    private readonly string _capacity;
    private readonly string _tokensPerMs;
    private readonly string _ttlMs;
    private readonly PartitionedRateLimiter<string>? _local;

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
        _limit = chatOptions.Value.SendRateLimit;
        _shared = redisOptions.Value.ShareRateLimits;
        _prefix = redisOptions.Value.KeyPrefix + "ratelimit:send:";
        _capacity = _limit.PermitLimit.ToString(CultureInfo.InvariantCulture);
        _tokensPerMs = (_limit.PermitLimit / _limit.Window.TotalMilliseconds).ToString("R", CultureInfo.InvariantCulture);
        // A full bucket is the same as no bucket: let the key go once it would have refilled.
        _ttlMs = ((long)Math.Ceiling(_limit.Window.TotalMilliseconds) + 1_000).ToString(CultureInfo.InvariantCulture);
        if (_limit.Enabled)
        {
            _local = CreateLocalLimiter(_limit);
        }
    }

    public async ValueTask<RateLimitLease> AcquireSendPermitAsync(string userId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userId);
        if (_local is null)
        {
            return Lease.Granted;
        }

        if (!_shared)
        {
            return _local.AttemptAcquire(userId);
        }

        try
        {
            var db = await _redis.GetDatabaseAsync().ConfigureAwait(false);
            var now = _time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
            var take = db.ScriptEvaluateAsync(TakeScript, [(RedisKey)(_prefix + userId)], [_capacity, _tokensPerMs, now, _ttlMs]);
            if (!await _redis.WaitBoundedAsync(take).ConfigureAwait(false))
            {
                // Redis is slow or hung: never hold a send up for it. The token it takes later is harmless.
                return _local.AttemptAcquire(userId);
            }

            var result = (RedisResult[])take.Result!;
            return (long)result[0] == 1 ? Lease.Granted : Lease.Denied(TimeSpan.FromMilliseconds((long)result[1]));
        }
        catch (Exception ex) when (RedisPresenceTracker.IsRedisFailure(ex))
        {
            Log.RateLimitDegraded(_logger, ex);
            return _local.AttemptAcquire(userId);
        }
    }

    public void Dispose() => _local?.Dispose();

    private static PartitionedRateLimiter<string> CreateLocalLimiter(SendRateLimitOptions limit)
    {
        var period = limit.Window / limit.PermitLimit;
        var tokensPerPeriod = 1;
        if (period < MinimumPeriod)
        {
            tokensPerPeriod = (int)Math.Ceiling(limit.PermitLimit * (MinimumPeriod / limit.Window));
            period = MinimumPeriod;
        }

        return PartitionedRateLimiter.Create<string, string>(userId => RateLimitPartition.GetTokenBucketLimiter(
            userId,
            _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = limit.PermitLimit,
                TokensPerPeriod = tokensPerPeriod,
                ReplenishmentPeriod = period,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
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
