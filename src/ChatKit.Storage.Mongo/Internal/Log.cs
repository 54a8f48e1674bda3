using Microsoft.Extensions.Logging;

namespace ChatKit.Storage.Mongo.Internal;

/// <summary>ChatKit.Storage.Mongo's log messages.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Creating ChatKit's MongoDB collections and indexes in database {Database} (prefix '{Prefix}').")]
    public static partial void CreatingIndexes(ILogger logger, string database, string prefix);

    [LoggerMessage(2, LogLevel.Information, "ChatKit's MongoDB collections and indexes are in place ({Count} indexes).")]
    public static partial void IndexesCreated(ILogger logger, int count);

    [LoggerMessage(3, LogLevel.Error, "Creating ChatKit's MongoDB indexes on {Collection} failed; an index of the same name with another definition may exist.")]
    public static partial void IndexCreationFailed(ILogger logger, string collection, Exception exception);

    [LoggerMessage(4, LogLevel.Debug, "CreateIndexesOnStart is off: ChatKit's MongoDB collections and indexes must be created by other means.")]
    public static partial void IndexCreationSkipped(ILogger logger);

    [LoggerMessage(10, LogLevel.Warning, "The reservation of tempId {TempId} of sender {SenderId} in conversation {ConversationId} was older than {Timeout} without a message; this call took it over.")]
    public static partial void ReservationTakenOver(ILogger logger, string tempId, string senderId, string conversationId, TimeSpan timeout);

    [LoggerMessage(11, LogLevel.Error, "Seq {Seq} of conversation {ConversationId} was allocated but its message {MessageId} could not be stored: the conversation has a gap at that seq.")]
    public static partial void SeqLost(ILogger logger, long seq, string conversationId, string messageId, Exception? exception);

    [LoggerMessage(12, LogLevel.Debug, "Storing message {MessageId} at seq {Seq} failed transiently (attempt {Attempt}); retrying with the same seq.")]
    public static partial void InsertRetried(ILogger logger, string messageId, long seq, int attempt, Exception exception);

    [LoggerMessage(13, LogLevel.Warning, "Releasing the reservation of tempId {TempId} in conversation {ConversationId} failed; it expires after {Timeout}.")]
    public static partial void ReleaseFailed(ILogger logger, string tempId, string conversationId, TimeSpan timeout, Exception exception);

    [LoggerMessage(14, LogLevel.Warning, "Seq {Seq} of conversation {ConversationId} was given up as a gap while message {MessageId} was being stored there; storing it at a new seq.")]
    public static partial void SeqGivenUp(ILogger logger, long seq, string conversationId, string messageId);

    [LoggerMessage(15, LogLevel.Warning, "MongoDB is unreachable for the moment; the call fails with 'unavailable' and can be retried.")]
    public static partial void DatabaseUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(16, LogLevel.Warning, "Event feed position {Position} was given up as a gap while recording {RecordingId} was being stored there; storing it at a new position.")]
    public static partial void EventPositionGivenUp(ILogger logger, long position, string recordingId);

    [LoggerMessage(17, LogLevel.Error, "The recording lock of conversation {ConversationId} expired (after {Timeout}) held by recording {RecordingId}, which stored no events: its process stopped between its change and its events, so that change, if it was applied, has no event in the feed.")]
    public static partial void EventRecordingLost(ILogger logger, string conversationId, string recordingId, TimeSpan timeout);

    [LoggerMessage(18, LogLevel.Warning, "Releasing the recording lock of conversation {ConversationId} failed; it expires after {Timeout}.")]
    public static partial void EventLockReleaseFailed(ILogger logger, string conversationId, TimeSpan timeout, Exception exception);

    [LoggerMessage(19, LogLevel.Information, "Purged {Count} event recordings older than {Cutoff}.")]
    public static partial void EventsPurged(ILogger logger, long count, DateTimeOffset cutoff);
}
