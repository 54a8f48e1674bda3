using Microsoft.Extensions.Logging;

namespace ChatKit.AspNetCore.Internal;

/// <summary>ChatKit.AspNetCore's log messages.</summary>
internal static partial class Log
{
    [LoggerMessage(100, LogLevel.Error, "ChatKit hub method {Method} failed.")]
    public static partial void HubMethodFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(101, LogLevel.Error, "ChatKit endpoint {Endpoint} failed.")]
    public static partial void EndpointFailed(ILogger logger, string? endpoint, Exception exception);
}
