using Microsoft.Extensions.Logging;

namespace ChatKit.Internal;

/// <summary>ChatKit.Core's log messages.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Warning, "Publishing {EventType} failed; the change it reports is stored.")]
    public static partial void PublishFailed(ILogger logger, string eventType, Exception exception);

    [LoggerMessage(2, LogLevel.Debug, "User {UserId} went {Status}.")]
    public static partial void PresenceChanged(ILogger logger, string userId, PresenceStatus status);
}
