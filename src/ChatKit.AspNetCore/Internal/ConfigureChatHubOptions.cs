using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace ChatKit.AspNetCore.Internal;

/// <summary>Applies <see cref="ChatKitServerOptions"/> to ChatKit's hub only, so other hubs of the host keep theirs.</summary>
internal sealed class ConfigureChatHubOptions(IOptions<ChatKitServerOptions> options) : IConfigureOptions<HubOptions<ChatHub>>
{
    public void Configure(HubOptions<ChatHub> hubOptions)
    {
        var o = options.Value;
        hubOptions.MaximumReceiveMessageSize = o.MaximumReceiveMessageSize;
        hubOptions.KeepAliveInterval = o.KeepAliveInterval;
        hubOptions.ClientTimeoutInterval = o.ClientTimeoutInterval;
        hubOptions.HandshakeTimeout = o.HandshakeTimeout;
        hubOptions.EnableDetailedErrors = false;

        // ChatKit's hub has no streaming methods and answers each call before the next.
        hubOptions.MaximumParallelInvocationsPerClient = 1;
        hubOptions.StreamBufferCapacity = 1;
        hubOptions.AddFilter<ChatHubFilter>();

        // The hub's own list of protocols (a copy of the host's global list, made by SignalR's setup before this runs).
        if (o.EnableMessagePack && hubOptions.SupportedProtocols is { } supported
            && !supported.Contains(ChatKitMessagePack.ProtocolName, StringComparer.OrdinalIgnoreCase))
        {
            supported.Add(ChatKitMessagePack.ProtocolName);
        }
    }
}

/// <summary>Registered by <c>AddChatKit()</c>, so <c>MapChatKit()</c> can tell whether it was called.</summary>
internal sealed class ChatKitMarker;
