using System.Threading.RateLimiting;
using ChatKit.Services;
using Microsoft.Extensions.Options;

namespace ChatKit.Internal;

/// <summary>A token bucket per user and operation, in this process.</summary>
internal sealed class TokenBucketChatRateLimiter : IChatRateLimiter, IDisposable
{
    private static readonly TimeSpan MinimumPeriod = TimeSpan.FromMilliseconds(50);
    private readonly ChatKitOptions _options;
    private readonly PartitionedRateLimiter<(ChatOperation Operation, string UserId)> _limiter;

    public TokenBucketChatRateLimiter(IOptions<ChatKitOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _limiter = PartitionedRateLimiter.Create<(ChatOperation Operation, string UserId), (ChatOperation, string)>(key =>
        {
            var limit = _options.RateLimitFor(key.Operation);
            return RateLimitPartition.GetTokenBucketLimiter(key, _ => BucketOf(limit));
        });
    }

    public ValueTask<RateLimitLease> AcquireSendPermitAsync(string userId, CancellationToken cancellationToken) =>
        AcquirePermitAsync(userId, ChatOperation.SendMessage, cancellationToken);

    public ValueTask<RateLimitLease> AcquirePermitAsync(string userId, ChatOperation operation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userId);
        return ValueTask.FromResult(_options.RateLimitFor(operation).Enabled ? _limiter.AttemptAcquire((operation, userId)) : GrantedLease.Instance);
    }

    public void Dispose() => _limiter.Dispose();

    /// <summary>Refills PermitLimit tokens per Window, in steps of at least 50 ms.</summary>
    internal static TokenBucketRateLimiterOptions BucketOf(RateLimitOptions limit)
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
}

/// <summary>The lease of a call no limit applies to.</summary>
internal sealed class GrantedLease : RateLimitLease
{
    public static readonly GrantedLease Instance = new();

    public override bool IsAcquired => true;

    public override IEnumerable<string> MetadataNames => [];

    public override bool TryGetMetadata(string metadataName, out object? metadata)
    {
        metadata = null;
        return false;
    }
}
