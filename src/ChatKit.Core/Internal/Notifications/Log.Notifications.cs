using Microsoft.Extensions.Logging;

namespace ChatKit.Internal;

/// <summary>The log messages of the offline-notification pipeline.</summary>
internal static partial class Log
{
    [LoggerMessage(60, LogLevel.Debug, "Channel {Channel} notifies {Count} offline user(s) of {Messages} message(s).")]
    public static partial void NotificationsPlanned(ILogger logger, string channel, int count, int messages);

    [LoggerMessage(61, LogLevel.Debug, "Notification {NotificationId} for user {UserId} was not sent again through {Channel}: the user is online now.")]
    public static partial void NotificationRetrySkipped(ILogger logger, string notificationId, string userId, string channel);
}
