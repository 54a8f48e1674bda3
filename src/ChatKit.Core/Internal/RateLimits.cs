using System.Threading.RateLimiting;
using ChatKit.Services;

namespace ChatKit.Internal;

/// <summary>Takes a permit of an operation before its work, or refuses the call with <c>rate_limited</c>.</summary>
internal static class RateLimits
{
    public static async ValueTask EnforceAsync(IChatRateLimiter limiter, ChatKitMetrics metrics, string userId, ChatOperation operation, CancellationToken cancellationToken)
    {
        using var lease = await limiter.AcquirePermitAsync(userId, operation, cancellationToken).ConfigureAwait(false);
        if (!lease.IsAcquired)
        {
            metrics.RateLimited(operation);
            TimeSpan? retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : null;
            throw new ChatException(ChatErrorCode.RateLimited, MessageOf(operation), retryAfter: retryAfter);
        }
    }

    private static string MessageOf(ChatOperation operation) => operation switch
    {
        ChatOperation.SendMessage => "too many messages; slow down",
        ChatOperation.Typing => "too many typing notifications; slow down",
        ChatOperation.MarkAsRead => "too many read receipts; slow down",
        ChatOperation.CreateConversation => "too many conversations created; slow down",
        ChatOperation.ManageParticipants => "too many participant changes; slow down",
        ChatOperation.JoinRoom => "too many rooms joined; slow down",
        ChatOperation.GetOnlineUsers => "too many online-user requests; slow down",
        ChatOperation.Query => "too many reads; slow down",
        ChatOperation.DeleteMessage => "too many deletions; slow down",
        ChatOperation.EditMessage => "too many edits; slow down",
        ChatOperation.React => "too many reactions; slow down",
        ChatOperation.UploadAttachment => "too many uploads; slow down",
        ChatOperation.ManagePushRegistrations => "too many push registration changes; slow down",
        _ => "too many calls; slow down",
    };
}
