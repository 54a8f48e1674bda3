using Microsoft.Extensions.Logging;

namespace ChatKit.Internal;

/// <summary>The log messages of the outbox dispatcher.</summary>
internal static partial class Log
{
    [LoggerMessage(40, LogLevel.Information, "The outbox dispatcher delivers to {Count} sink(s) as node {Node}.")]
    public static partial void OutboxStarted(ILogger logger, int count, string node);

    [LoggerMessage(41, LogLevel.Information, "Node {Node} took the outbox lease of sink {Sink}.")]
    public static partial void OutboxLeaseTaken(ILogger logger, string sink, string node);

    [LoggerMessage(42, LogLevel.Warning, "Sink {Sink} failed to deliver {EventType} {EventId} (attempt {Attempt}); retrying at {NextAttemptAt}: {Error}")]
    public static partial void OutboxDeliveryFailed(ILogger logger, string sink, string eventType, string eventId, int attempt, DateTimeOffset nextAttemptAt, string error);

    [LoggerMessage(43, LogLevel.Error, "Sink {Sink} failed to deliver {EventType} {EventId} {Attempts} times; dead-lettered (ChatKitOutbox lists and requeues it): {Error}")]
    public static partial void OutboxDeadLettered(ILogger logger, string sink, string eventType, string eventId, int attempts, string error);

    [LoggerMessage(44, LogLevel.Warning, "The outbox of sink {Sink} failed; it tries again in {Delay}.")]
    public static partial void OutboxCycleFailed(ILogger logger, string sink, TimeSpan delay, Exception exception);

    [LoggerMessage(45, LogLevel.Warning, "Node {Node} lost the outbox lease of sink {Sink} during a batch; the batch stops and the lease holder goes on from the last checkpoint.")]
    public static partial void OutboxLeaseLost(ILogger logger, string sink, string node);

    [LoggerMessage(46, LogLevel.Information, "Purged {Count} events that happened before {Before} from the event log.")]
    public static partial void EventsPurged(ILogger logger, long count, DateTimeOffset before);

    [LoggerMessage(47, LogLevel.Warning, "Purging old events from the event log failed; the next sweep runs in {Interval}.")]
    public static partial void EventPurgeFailed(ILogger logger, TimeSpan interval, Exception exception);
}
