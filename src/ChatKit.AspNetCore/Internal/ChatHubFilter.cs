using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Logging;

namespace ChatKit.AspNetCore.Internal;

/// <summary>
/// Turns failures of ChatKit's hub methods into the contract's <c>code: sentence</c> HubException. Anything that is not
/// a <see cref="ChatException"/> is logged and hidden behind <c>internal_error</c>.
/// </summary>
internal sealed class ChatHubFilter(ILogger<ChatHubFilter> logger) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        try
        {
            return await next(invocationContext).ConfigureAwait(false);
        }
        catch (ChatException ex)
        {
            throw new HubException($"{ex.Code}: {ex.Message}");
        }
        catch (HubException)
        {
            throw;
        }
        catch (OperationCanceledException) when (invocationContext.Context.ConnectionAborted.IsCancellationRequested)
        {
            throw new HubException("cancelled: the connection closed before the call completed");
        }
        catch (Exception ex)
        {
            Log.HubMethodFailed(logger, invocationContext.HubMethodName, ex);
            throw new HubException("internal_error: the server could not complete the call");
        }
    }

    /// <summary>A connection refused by a rule (too many connections) closes with the rule's <c>code: sentence</c>.</summary>
    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (ChatException ex)
        {
            throw new HubException($"{ex.Code}: {ex.Message}");
        }
    }
}
