using ChatKit.AspNetCore;
using ChatKit.AspNetCore.Internal;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps ChatKit's hub and REST API.</summary>
public static class ChatKitEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the hub (default <c>/chat</c>) and the REST API (default <c>/chats</c>), both requiring an authenticated
    /// user. Returns one convention builder for both, so <c>.RequireAuthorization("policy")</c> or <c>.RequireCors(...)</c>
    /// applies to the hub and every endpoint. The hub closes a connection when its authentication expires, unless
    /// <see cref="ChatKitServerOptions.CloseOnAuthenticationExpiration"/> is turned off.
    /// </summary>
    /// <param name="endpoints">The app.</param>
    /// <param name="configure">Changes the paths, or <see langword="null"/>.</param>
    /// <returns>A convention builder over the hub and the REST endpoints.</returns>
    /// <exception cref="InvalidOperationException">When <c>services.AddChatKit()</c> was not called.</exception>
    public static IEndpointConventionBuilder MapChatKit(this IEndpointRouteBuilder endpoints, Action<ChatKitEndpointOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.ServiceProvider.GetService<ChatKitMarker>() is null)
        {
            throw new InvalidOperationException(
                "ChatKit's services are missing: call builder.Services.AddChatKit() before app.MapChatKit().");
        }

        var options = new ChatKitEndpointOptions();
        configure?.Invoke(options);
        if (!options.HubPath.StartsWith('/') || !options.ApiPrefix.StartsWith('/'))
        {
            throw new ArgumentException("ChatKitEndpointOptions.HubPath and ApiPrefix must start with '/'.", nameof(configure));
        }

        var server = endpoints.ServiceProvider.GetRequiredService<IOptions<ChatKitServerOptions>>().Value;
        var hub = endpoints.MapHub<ChatHub>(options.HubPath, o =>
        {
            o.CloseOnAuthenticationExpiration = server.CloseOnAuthenticationExpiration;

            // A connection whose client stops reading is closed after SendTimeout; its buffers stay at SignalR's 64 KB.
            o.TransportSendTimeout = server.SendTimeout;
        });
        hub.RequireAuthorization();
        endpoints.ServiceProvider.GetRequiredService<AttachmentLinks>().Prefix = options.ApiPrefix.TrimEnd('/');
        var api = ChatEndpoints.Map(endpoints, options.ApiPrefix);
        return new CompositeConventionBuilder([hub, api]);
    }

    private sealed class CompositeConventionBuilder(IEndpointConventionBuilder[] builders) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention)
        {
            foreach (var builder in builders)
            {
                builder.Add(convention);
            }
        }

        public void Finally(Action<EndpointBuilder> finallyConvention)
        {
            foreach (var builder in builders)
            {
                builder.Finally(finallyConvention);
            }
        }
    }
}
