using Microsoft.Extensions.Logging;

namespace ChatKit.AspNetCore.Internal;

/// <summary>ChatKit.AspNetCore's log messages about the host's authentication.</summary>
internal static partial class Log
{
    [LoggerMessage(
        120,
        LogLevel.Warning,
        "A connection to ChatKit's hub at {HubPath} was refused (401): its token came as the access_token query parameter, "
        + "and the host's authentication does not read it there. Browsers cannot send headers on WebSockets and Server-Sent "
        + "Events, so their SignalR clients fall back to long polling, or fail. Read the token for the hub's path, for example "
        + "in AddJwtBearer: options.Events = new JwtBearerEvents {{ OnMessageReceived = context => {{ if "
        + "(context.HttpContext.Request.Path.StartsWithSegments(\"{HubPathSegment}\")) context.Token = context.Request.Query[\"access_token\"]; "
        + "return Task.CompletedTask; }} }}. See docs/security.md. (Logged once.)",
        EventName = "HubQueryTokenNotRead")]
    public static partial void HubQueryTokenNotRead(ILogger logger, string hubPath, string hubPathSegment);
}
