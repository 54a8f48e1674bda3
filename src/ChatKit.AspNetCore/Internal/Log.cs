using Microsoft.Extensions.Logging;

namespace ChatKit.AspNetCore.Internal;

/// <summary>
/// ChatKit.AspNetCore's log messages. Error is for the server's own failures only: a call or request the rules refused
/// (a bad argument, not_found, forbidden, conflict, rate_limited) is the client's doing and is logged at Debug, without a
/// stack trace, so one client cannot flood a host's logs.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(100, LogLevel.Error, "ChatKit hub method {Method} failed.")]
    public static partial void HubMethodFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(101, LogLevel.Error, "ChatKit endpoint {Endpoint} failed.")]
    public static partial void EndpointFailed(ILogger logger, string? endpoint, Exception exception);

    [LoggerMessage(102, LogLevel.Debug, "ChatKit hub method {Method} refused the call: {Error}")]
    public static partial void HubMethodRefused(ILogger logger, string method, string error);

    [LoggerMessage(103, LogLevel.Debug, "ChatKit could not deliver {Event} to every connection; they catch up by seq.")]
    public static partial void DeliveryFailed(ILogger logger, string @event, Exception exception);

    [LoggerMessage(110, LogLevel.Warning, "Sweeping expired ChatKit uploads failed; the next sweep tries again.")]
    public static partial void AttachmentSweepFailed(ILogger logger, Exception exception);
}
