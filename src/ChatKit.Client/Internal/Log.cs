using Microsoft.Extensions.Logging;

namespace ChatKit.Client.Internal;

/// <summary>ChatKit.Client's log messages.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Connected to {Url}.")]
    public static partial void Connected(ILogger logger, Uri url);

    [LoggerMessage(2, LogLevel.Warning, "The connection was lost; reconnecting.")]
    public static partial void Reconnecting(ILogger logger, Exception? exception);

    [LoggerMessage(3, LogLevel.Warning, "The automatic reconnect gave up; restarting the connection in {Delay}.")]
    public static partial void Restarting(ILogger logger, TimeSpan delay, Exception? exception);

    [LoggerMessage(4, LogLevel.Information, "Caught up ({Mode}): {Events} events, {Messages} messages from history.")]
    public static partial void CaughtUp(ILogger logger, string mode, int events, int messages);

    [LoggerMessage(5, LogLevel.Warning, "Catching up failed; retrying in {Delay}.")]
    public static partial void CatchUpFailed(ILogger logger, TimeSpan delay, Exception exception);

    [LoggerMessage(6, LogLevel.Warning, "The server refused message {TempId} for good: {Code}.")]
    public static partial void MessageRejected(ILogger logger, string tempId, string? code);

    [LoggerMessage(7, LogLevel.Debug, "Sending message {TempId} failed; it stays in the outbox.")]
    public static partial void SendDeferred(ILogger logger, string tempId, Exception exception);

    [LoggerMessage(8, LogLevel.Error, "An event handler of the app threw; the client goes on.")]
    public static partial void HandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(9, LogLevel.Warning, "Applying the {Type} event failed; the next catch-up repairs it.")]
    public static partial void ApplyFailed(ILogger logger, string type, Exception exception);

    [LoggerMessage(10, LogLevel.Information, "The sync cursor is too old or the gap too large: re-reading conversations and history.")]
    public static partial void SyncLimited(ILogger logger);
}
