using Microsoft.Extensions.Logging;

namespace ChatKit.Internal;

/// <summary>ChatKit.Core's log messages.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Warning, "Publishing {EventType} failed; the change it reports is stored.")]
    public static partial void PublishFailed(ILogger logger, string eventType, Exception exception);

    [LoggerMessage(2, LogLevel.Debug, "User {UserId} went {Status}.")]
    public static partial void PresenceChanged(ILogger logger, string userId, PresenceStatus status);

    [LoggerMessage(3, LogLevel.Warning, "Looking up the contacts of user {UserId} to report them {Status} failed (attempt {Attempt}).")]
    public static partial void PresenceContactsFailed(ILogger logger, string userId, PresenceStatus status, int attempt, Exception exception);

    [LoggerMessage(4, LogLevel.Warning, "Reporting user {UserId} {Status} failed; contacts learn it from getOnlineUsers or the next change.")]
    public static partial void PresencePublishAbandoned(ILogger logger, string userId, PresenceStatus status, Exception exception);

    [LoggerMessage(5, LogLevel.Warning, "Opening connection {ConnectionId} of user {UserId} failed; it is removed from presence again.")]
    public static partial void PresenceConnectFailed(ILogger logger, string userId, string connectionId, Exception exception);

    [LoggerMessage(6, LogLevel.Warning, "Stopping the typing of connection {ConnectionId} of user {UserId} failed.")]
    public static partial void TypingCleanupFailed(ILogger logger, string userId, string connectionId, Exception exception);

    [LoggerMessage(40, LogLevel.Information, "Deleted {Count} uploads that were never sent.")]
    public static partial void AttachmentsSwept(ILogger logger, int count);

    [LoggerMessage(41, LogLevel.Warning, "Deleting the blob {Key} of a failed upload failed; it stays in the blob store.")]
    public static partial void AttachmentBlobCleanupFailed(ILogger logger, string key, Exception exception);

    [LoggerMessage(42, LogLevel.Warning, "Deleting the attachments of deleted message {MessageId} failed; they stay stored but no longer show.")]
    public static partial void AttachmentsOfDeletedMessageKept(ILogger logger, string messageId, Exception exception);
}
