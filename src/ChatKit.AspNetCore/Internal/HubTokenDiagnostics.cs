using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace ChatKit.AspNetCore.Internal;

/// <summary>
/// Says once, as a Warning, when the host's authentication cannot work for browsers' WebSockets and Server-Sent Events:
/// a request to ChatKit's hub that carried its token only as the <c>access_token</c> query parameter (what browsers
/// send, since they cannot set headers there) was refused with 401 while the default scheme found no credentials at
/// all, i.e. nothing reads the query parameter. The browser client then falls back to long polling without a word.
/// It only observes responses of ChatKit's own hub endpoint; other requests pass through untouched.
/// </summary>
internal sealed class HubTokenDiagnostics(ILogger<HubTokenDiagnostics> logger) : IStartupFilter
{
    private int _warned;

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, nextMiddleware) =>
        {
            await nextMiddleware(context).ConfigureAwait(false);
            if (context.Response.StatusCode == StatusCodes.Status401Unauthorized && Volatile.Read(ref _warned) == 0
                && await IsUnreadQueryTokenAsync(context).ConfigureAwait(false)
                && Interlocked.Exchange(ref _warned, 1) == 0)
            {
                Log.HubQueryTokenNotRead(logger, (context.Request.PathBase + context.Request.Path).ToString(), context.Request.Path.ToString());
            }
        });
        next(app);
    };

    private async Task<bool> IsUnreadQueryTokenAsync(HttpContext context)
    {
        if (!context.Request.Query.ContainsKey("access_token") || context.Request.Headers.ContainsKey(HeaderNames.Authorization)
            || context.GetEndpoint()?.Metadata.GetMetadata<HubMetadata>()?.HubType != typeof(ChatHub)
            || context.RequestServices.GetService<IAuthenticationSchemeProvider>() is not { } schemes
            || await schemes.GetDefaultAuthenticateSchemeAsync().ConfigureAwait(false) is null)
        {
            return false;
        }

        // The handler's result of this request (handlers keep it): None means it looked for credentials and found none,
        // although the query held a token. A failure (an expired or forged token) means the token was read: no warning.
        var result = await context.AuthenticateAsync().ConfigureAwait(false);
        return result.None;
    }
}
