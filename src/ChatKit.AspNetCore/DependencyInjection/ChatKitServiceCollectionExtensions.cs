using ChatKit;
using ChatKit.AspNetCore;
using ChatKit.AspNetCore.Internal;
using ChatKit.Events;
using ChatKit.Presence;
using ChatKit.Services;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds ChatKit to an ASP.NET Core host.</summary>
public static class ChatKitServiceCollectionExtensions
{
    /// <summary>
    /// Registers ChatKit: its rules with the in-memory store and presence tracker (until an adapter replaces them),
    /// SignalR with ChatKit's hub, and the transport that delivers Core's events to the hub's clients. Safe to call more
    /// than once. Map the endpoints with <c>app.MapChatKit()</c>.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">Changes ChatKit's options (limits, timeouts, rate limits), or <see langword="null"/>.</param>
    /// <returns>A builder for adapters: <c>.UseEntityFrameworkCore(...)</c>, <c>.UseMongo(...)</c>, <c>.UseRedis(...)</c>.</returns>
    public static ChatKitBuilder AddChatKit(this IServiceCollection services, Action<ChatKitOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddChatKitCore(configure);
        if (services.Any(d => d.ServiceType == typeof(ChatKitMarker)))
        {
            return builder;
        }

        services.AddSingleton<ChatKitMarker>();
        services.AddOptions<ChatKitServerOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChatKitServerOptions>, ChatKitServerOptionsValidator>());
        services.TryAddSingleton<ChatUserAccessor>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IChatEventTransport, SignalRChatEventPublisher>());
        services.TryAddSingleton<ChatHubFilter>();
        services.TryAddTransient(sp => new ChatHub(
            sp.GetRequiredService<ChatService>(),
            sp.GetRequiredService<TypingService>(),
            sp.GetRequiredService<PresenceService>(),
            sp.GetRequiredService<ChatUserAccessor>(),
            sp.GetRequiredService<AttachmentLinks>()));

        // Attachments: signed links (Data Protection unless a key is configured), the folder under the content root, and
        // the sweep of uploads never sent.
        services.AddDataProtection();
        services.TryAddSingleton<AttachmentLinks>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<ChatKitAttachmentOptions>, AttachmentFolderDefault>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, AttachmentSweeper>());
        // AddHubOptions<ChatHub> marks the hub's own options as set: without it SignalR ignores HubOptions<ChatHub>
        // (ChatKit's filter, message size limit and timeouts) and uses the global HubOptions.
        services.AddSignalR().AddHubOptions<ChatHub>(_ => { });

        // ChatHub's own connection handler, given a protocol resolver that wraps the host's: refused calls reach ChatKit's
        // clients as "code: sentence" (without SignalR's prefix and its Error log), and nothing changes for other hubs.
        services.TryAddSingleton(CreateChatHubConnectionHandler);

        // The same resolver, keyed by the hub, for a backplane that serialises ChatHub's messages once per protocol
        // (ChatKit.Scaleout.Redis): so it writes MessagePack as ChatKit's clients read it.
        services.TryAddKeyedSingleton<IHubProtocolResolver>(typeof(ChatHub), (sp, _) => sp.GetRequiredService<ChatHubProtocolResolver>());
        services.TryAddSingleton(sp => new ChatHubProtocolResolver(
            sp.GetRequiredService<IHubProtocolResolver>(),
            sp.GetRequiredService<IOptions<ChatKitServerOptions>>().Value.EnableMessagePack));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<HubOptions<ChatHub>>, ConfigureChatHubOptions>());

        // Observes only the hub's own 401s: a Warning when browsers' WebSockets cannot authenticate (see the class).
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupFilter, HubTokenDiagnostics>());
        return builder;
    }

    private static HubConnectionHandler<ChatHub> CreateChatHubConnectionHandler(IServiceProvider services) => new(
        services.GetRequiredService<HubLifetimeManager<ChatHub>>(),
        services.GetRequiredService<ChatHubProtocolResolver>(),
        services.GetRequiredService<IOptions<HubOptions>>(),
        services.GetRequiredService<IOptions<HubOptions<ChatHub>>>(),
        services.GetRequiredService<ILoggerFactory>(),
        services.GetRequiredService<IUserIdProvider>(),
        services.GetRequiredService<IServiceScopeFactory>());

    /// <summary>Changes how ChatKit's hub and endpoints read the user and what they accept.</summary>
    /// <param name="builder">The ChatKit builder.</param>
    /// <param name="configure">Changes the options.</param>
    /// <returns>The builder.</returns>
    public static ChatKitBuilder ConfigureServer(this ChatKitBuilder builder, Action<ChatKitServerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure(configure);
        return builder;
    }
}
