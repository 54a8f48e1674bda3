using System.Threading.RateLimiting;

namespace ChatKit.Services;

/// <summary>
/// Decides whether a user may send now. The default is a per-user token bucket from System.Threading.RateLimiting,
/// held in this process (so with several nodes the limit applies per node); replace it to share limits across nodes.
/// </summary>
public interface IChatRateLimiter
{
    /// <summary>Tries to take one send permit for <paramref name="userId"/> without waiting.</summary>
    /// <param name="userId">The sender.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A lease; when it is not acquired, its <see cref="MetadataName.RetryAfter"/> says when to retry.</returns>
    ValueTask<RateLimitLease> AcquireSendPermitAsync(string userId, CancellationToken cancellationToken);
}
