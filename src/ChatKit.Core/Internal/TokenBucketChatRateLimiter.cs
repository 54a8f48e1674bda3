using System.Threading.RateLimiting;
using ChatKit.Services;
using Microsoft.Extensions.Options;

namespace ChatKit.Internal;

/// <summary>A token bucket per user, in this process.</summary>
internal sealed class TokenBucketChatRateLimiter : IChatRateLimiter, IDisposable
{
    private static readonly TimeSpan MinimumPeriod = TimeSpan.FromMilliseconds(50);
    private readonly PartitionedRateLimiter<string>? _limiter;

    public TokenBucketChatRateLimiter(IOptions<ChatKitOptions> options)
    {
        var limit = options.Value.SendRateLimit;
        if (!limit.Enabled)
        {
            return;
        }

        // Refill PermitLimit tokens per Window, in steps of at least MinimumPeriod.
        var period = limit.Window / limit.PermitLimit;
        var tokensPerPeriod = 1;
        if (period < MinimumPeriod)
        {
            tokensPerPeriod = (int)Math.Ceiling(limit.PermitLimit * (MinimumPeriod / limit.Window));
            period = MinimumPeriod;
        }

        _limiter = PartitionedRateLimiter.Create<string, string>(userId => RateLimitPartition.GetTokenBucketLimiter(
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

    public ValueTask<RateLimitLease> AcquireSendPermitAsync(string userId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_limiter?.AttemptAcquire(userId) ?? Granted.Instance);

    public void Dispose() => _limiter?.Dispose();

    private sealed class Granted : RateLimitLease
    {
        public static readonly Granted Instance = new();

        public override bool IsAcquired => true;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
