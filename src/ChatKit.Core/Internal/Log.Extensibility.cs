using ChatKit.Filters;
using Microsoft.Extensions.Logging;

namespace ChatKit.Internal;

/// <summary>The log messages of message filters and event handlers.</summary>
internal static partial class Log
{
    [LoggerMessage(20, LogLevel.Warning, "Message filter {Filter} did not answer within {Timeout}; the send goes on as MessageFilterFailure = {Mode} says.")]
    public static partial void MessageFilterTimedOut(ILogger logger, string filter, TimeSpan timeout, MessageFilterFailureMode mode);

    [LoggerMessage(21, LogLevel.Error, "Message filter {Filter} failed; the send goes on as MessageFilterFailure = {Mode} says.")]
    public static partial void MessageFilterFailed(ILogger logger, string filter, MessageFilterFailureMode mode, Exception exception);

    [LoggerMessage(22, LogLevel.Error, "Event handler {Handler} failed on {EventType}; it gets the next event.")]
    public static partial void EventHandlerFailed(ILogger logger, string handler, string eventType, Exception exception);

    [LoggerMessage(23, LogLevel.Warning, "Event handler {Handler} did not finish {EventType} within {Timeout}; it is no longer waited for and gets the next event.")]
    public static partial void EventHandlerTimedOut(ILogger logger, string handler, string eventType, TimeSpan timeout);

    [LoggerMessage(24, LogLevel.Warning, "The queue of event handler {Handler} is full ({Capacity} events); events are not queued for it until it catches up.")]
    public static partial void EventHandlerQueueFull(ILogger logger, string handler, int capacity);

    [LoggerMessage(25, LogLevel.Warning, "Event handler {Handler} caught up; {Dropped} events were not queued for it.")]
    public static partial void EventHandlerQueueResumed(ILogger logger, string handler, long dropped);

    [LoggerMessage(26, LogLevel.Warning, "Delivering {EventType} through transport {Transport} failed; the change it reports is stored.")]
    public static partial void TransportFailed(ILogger logger, string eventType, string transport, Exception exception);

    [LoggerMessage(27, LogLevel.Warning, "The host stopped with {Count} events still queued for event handler {Handler}; they are not handled.")]
    public static partial void EventHandlerStoppedWithQueue(ILogger logger, string handler, int count);
}
