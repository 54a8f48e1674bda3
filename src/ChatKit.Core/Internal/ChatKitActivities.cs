using System.Diagnostics;
using System.Reflection;

namespace ChatKit.Internal;

/// <summary>
/// ChatKit's traces: the <c>ChatKit</c> <see cref="ActivitySource"/> (versioned with ChatKit.Core), so a host's
/// OpenTelemetry (<c>.AddSource("ChatKit")</c>) shows where a call spent its time: the hub call or REST request, the
/// store and the publication of its event. Nothing here touches the process's tracing setup (no listener, no id format,
/// no sampler): with nobody listening, <see cref="ActivitySource.StartActivity(string, ActivityKind)"/> returns
/// <see langword="null"/> and each helper costs one check. Tags carry ids and names, never content.
/// </summary>
internal static class ChatKitActivities
{
    /// <summary>The source's name: what a host subscribes to.</summary>
    public const string SourceName = "ChatKit";

    /// <summary>ChatKit's source; one per process, like every library's (listeners choose by name).</summary>
    public static readonly ActivitySource Source = new(SourceName, VersionOf(typeof(ChatKitActivities).Assembly));

    /// <summary>
    /// Starts the span of one call of ChatKit's hub, named as OpenTelemetry's RPC conventions name a method
    /// (<c>ChatHub/SendMessage</c>). A server span when nothing encloses it; an internal one under an enclosing span (SignalR's
    /// own <c>Microsoft.AspNetCore.SignalR.Server</c> span, when the host listens to it), so one call never has two server spans.
    /// </summary>
    public static Activity? StartHubCall(string method)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var activity = Source.StartActivity("ChatHub/" + method, Activity.Current is null ? ActivityKind.Server : ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("rpc.system", "signalr");
            activity.SetTag("rpc.service", "ChatHub");
            activity.SetTag("rpc.method", method);
        }

        return activity;
    }

    /// <summary>Starts the span of one REST endpoint of ChatKit (inside ASP.NET Core's request span), named <c>ChatKit &lt;operation&gt;</c>.</summary>
    public static Activity? StartEndpoint(string operation)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var activity = Source.StartActivity("ChatKit " + operation, ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("chatkit.operation", operation);
        }

        return activity;
    }

    /// <summary>Starts the span of one store operation, named <c>ChatKit store &lt;operation&gt;</c>; the database's own spans (EF Core, Npgsql) nest under it.</summary>
    public static Activity? StartStore(string operation, object store, string? conversationId)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var activity = Source.StartActivity("ChatKit store " + operation, ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("chatkit.store.operation", operation);
            activity.SetTag("chatkit.store.type", store.GetType().Name);
            activity.SetTag("chatkit.conversation.id", conversationId);
        }

        return activity;
    }

    /// <summary>Starts the span of one event's publication (handing it to SignalR or the backplane), named <c>ChatKit publish &lt;event&gt;</c>.</summary>
    public static Activity? StartPublish(ChatKit.Events.ChatEvent chatEvent)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var name = chatEvent.GetType().Name;
        name = name.EndsWith("Event", StringComparison.Ordinal) ? name[..^"Event".Length] : name;
        var activity = Source.StartActivity("ChatKit publish " + name, ActivityKind.Internal);
        activity?.SetTag("chatkit.event", name);
        return activity;
    }

    /// <summary>Marks a span failed: status Error with the client's error text, and OpenTelemetry's <c>error.type</c> (the contract's code, or the exception's type).</summary>
    public static void Fail(Activity? activity, string errorType, string? description)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetStatus(ActivityStatusCode.Error, description);
        activity.SetTag("error.type", errorType);
    }

    /// <summary>Marks a span failed by an exception: <c>error.type</c> is its full type name, as OpenTelemetry asks.</summary>
    public static void Fail(Activity? activity, Exception exception)
    {
        if (activity is null)
        {
            return;
        }

        if (exception is ChatException chat)
        {
            Fail(activity, chat.Code, $"{chat.Code}: {chat.Message}");
            return;
        }

        Fail(activity, exception.GetType().FullName ?? exception.GetType().Name, exception.Message);
    }

    /// <summary>The assembly's version without its source-revision suffix (<c>0.1.0</c>, not <c>0.1.0+abc123</c>).</summary>
    private static string? VersionOf(Assembly assembly)
    {
        var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString();
        var plus = version?.IndexOf('+', StringComparison.Ordinal) ?? -1;
        return plus > 0 ? version![..plus] : version;
    }
}
