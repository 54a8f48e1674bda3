using System.Threading.RateLimiting;
using ChatKit.Internal;

namespace ChatKit.Services;

/// <summary>
/// Decides whether a user may make a call now. The default is a per-user token bucket per <see cref="ChatOperation"/>
/// from System.Threading.RateLimiting, held in this process (so with several nodes the limits apply per node);
/// ChatKit.Scaleout.Redis replaces it with one that counts in Redis, across nodes.
/// </summary>
public interface IChatRateLimiter
{
    /// <summary>Tries to take one send permit for <paramref name="userId"/> without waiting.</summary>
    /// <param name="userId">The sender.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A lease; when it is not acquired, its <see cref="MetadataName.RetryAfter"/> says when to retry.</returns>
    ValueTask<RateLimitLease> AcquireSendPermitAsync(string userId, CancellationToken cancellationToken);

    /// <summary>
    /// Tries to take one permit of <paramref name="operation"/> for <paramref name="userId"/> without waiting. A limiter
    /// written before operations other than sends were limited inherits an implementation that limits sends only.
    /// </summary>
    /// <param name="userId">The caller.</param>
    /// <param name="operation">What the call does.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A lease; when it is not acquired, its <see cref="MetadataName.RetryAfter"/> says when to retry.</returns>
    ValueTask<RateLimitLease> AcquirePermitAsync(string userId, ChatOperation operation, CancellationToken cancellationToken) =>
        operation == ChatOperation.SendMessage
            ? AcquireSendPermitAsync(userId, cancellationToken)
            : ValueTask.FromResult<RateLimitLease>(GrantedLease.Instance);
}
