using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Logging;

namespace ChatKit.AspNetCore.Internal;

/// <summary>
/// Turns failures of ChatKit's hub methods into the contract's <c>code: sentence</c> error. A refusal (a
/// <see cref="ChatException"/>, a coded <see cref="HubException"/>, a call cut short by its connection closing) is logged
/// at Debug on ChatKit's own category, without a stack trace; anything else is logged at Error and hidden behind
/// <c>internal_error</c>. Neither is thrown on to SignalR's dispatcher (which would log each at Error, stack trace
/// included): the call completes with a <see cref="HubRefusal"/>, which <see cref="ChatHubProtocol"/> writes as the error.
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
            return Refuse(invocationContext, $"{ex.Code}: {ex.Message}");
        }
        catch (HubException ex)
        {
            // A HubException's message is meant for the client (ChatHub throws one only as "unauthenticated: ...").
            return Refuse(invocationContext, ex.Message);
        }
        catch (OperationCanceledException) when (invocationContext.Context.ConnectionAborted.IsCancellationRequested)
        {
            return Refuse(invocationContext, "cancelled: the connection closed before the call completed");
        }
        catch (Exception ex)
        {
            Log.HubMethodFailed(logger, invocationContext.HubMethodName, ex);
            return new HubRefusal("internal_error: the server could not complete the call");
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

    private HubRefusal Refuse(HubInvocationContext invocationContext, string error)
    {
        Log.HubMethodRefused(logger, invocationContext.HubMethodName, error);
        return new HubRefusal(error);
    }
}
