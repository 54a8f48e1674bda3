using Microsoft.Extensions.Logging;

namespace ChatKit.Notifications.Fcm.Internal;

/// <summary>The log messages of the FCM channel.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "FCM reports the registration token of user {UserId} as gone ({Status} {Code}); it was removed.")]
    public static partial void TokenRemoved(ILogger logger, string userId, int status, string? code);

    [LoggerMessage(2, LogLevel.Warning, "FCM refused notification {NotificationId} for a token of user {UserId} ({Status} {Code}): {Message}. Not retried.")]
    public static partial void Refused(ILogger logger, string notificationId, string userId, int status, string? code, string? message);
}
