using System.Diagnostics;
using ChatKit.Internal;
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
internal sealed class ChatHubFilter(ILogger<ChatHubFilter> logger, ChatUserAccessor users) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        using var activity = StartActivity(invocationContext);
        try
        {
            return await next(invocationContext).ConfigureAwait(false);
        }
        catch (ChatException ex)
        {
            return Refuse(invocationContext, activity, ex.Code, $"{ex.Code}: {ex.Message}");
        }
        catch (HubException ex)
        {
            // A HubException's message is meant for the client (ChatHub throws one only as "unauthenticated: ...").
            return Refuse(invocationContext, activity, CodeOf(ex.Message), ex.Message);
        }
        catch (OperationCanceledException) when (invocationContext.Context.ConnectionAborted.IsCancellationRequested)
        {
            return Refuse(invocationContext, activity, "cancelled", "cancelled: the connection closed before the call completed");
        }
        catch (Exception ex)
        {
            Log.HubMethodFailed(logger, invocationContext.HubMethodName, ex);
            ChatKitActivities.Fail(activity, ex.GetType().FullName ?? ex.GetType().Name, "internal_error: the server could not complete the call");
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

    /// <summary>The call's span (<c>ChatHub/SendMessage</c>), when a host traces ChatKit.</summary>
    private Activity? StartActivity(HubInvocationContext invocationContext)
    {
        var activity = ChatKitActivities.StartHubCall(invocationContext.HubMethodName);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("user.id", users.Read(invocationContext.Context.User)?.Id);
        }

        return activity;
    }

    private static string CodeOf(string error) => error.IndexOf(':', StringComparison.Ordinal) is > 0 and var colon ? error[..colon] : "error";

    private HubRefusal Refuse(HubInvocationContext invocationContext, Activity? activity, string code, string error)
    {
        ChatKitActivities.Fail(activity, code, error);
        Log.HubMethodRefused(logger, invocationContext.HubMethodName, error);
        return new HubRefusal(error);
    }
}
