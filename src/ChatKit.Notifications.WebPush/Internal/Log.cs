using Microsoft.Extensions.Logging;

namespace ChatKit.Notifications.WebPush.Internal;

/// <summary>ChatKit.Notifications.WebPush's log messages.</summary>
internal static partial class Log
{
    [LoggerMessage(700, LogLevel.Debug, "Web Push subscription of {UserId} is gone ({StatusCode}); removed.")]
    public static partial void SubscriptionGone(ILogger logger, string userId, int statusCode);

    [LoggerMessage(701, LogLevel.Warning, "Web Push to a subscription of {UserId} failed ({StatusCode}); the notification will be retried.")]
    public static partial void PushFailed(ILogger logger, string userId, int? statusCode, Exception exception);
}
