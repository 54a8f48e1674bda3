using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace ChatKit.AspNetCore.Internal;

/// <summary>
/// The protocol resolver of ChatKit's hub alone: <c>AddChatKit()</c> passes it to the <see cref="HubConnectionHandler{THub}"/>
/// of <see cref="ChatHub"/>, never registers it as the host's <see cref="IHubProtocolResolver"/>. It asks the host's own
/// resolver (SignalR's, or one the host registered) and hands out each protocol wrapped in a <see cref="ChatHubProtocol"/>,
/// so ChatKit's clients negotiate exactly the protocols the host offers, and the host's other hubs never see the wrapper.
/// </summary>
internal sealed class ChatHubProtocolResolver : IHubProtocolResolver
{
    private readonly IHubProtocolResolver _host;
    private readonly ChatHubProtocol? _messagePack;

    /// <param name="host">The host's resolver.</param>
    /// <param name="messagePack">
    /// Whether ChatKit offers its own MessagePack protocol (<see cref="ChatKitServerOptions.EnableMessagePack"/>). A
    /// <c>messagepack</c> protocol of the host's is replaced by ChatKit's either way: the host's writes ChatKit's types
    /// under their C# names, not the contract's.
    /// </param>
    public ChatHubProtocolResolver(IHubProtocolResolver host, bool messagePack)
    {
        _host = host;
        var hostHasMessagePack = host.AllProtocols.Any(p => IsMessagePack(p.Name));
        _messagePack = messagePack || hostHasMessagePack ? new ChatHubProtocol(ChatKitMessagePack.CreateProtocol()) : null;
        AllProtocols = [.. host.AllProtocols.Where(p => !IsMessagePack(p.Name)).Select(p => new ChatHubProtocol(p)), .. _messagePack is null ? [] : new[] { _messagePack }];
    }

    public IReadOnlyList<IHubProtocol> AllProtocols { get; }

    // One small wrapper per handshake, not a cache: a host's resolver may hand out a new protocol instance each time.
    public IHubProtocol? GetProtocol(string protocolName, IReadOnlyList<string>? supportedProtocols)
    {
        if (IsMessagePack(protocolName))
        {
            return _messagePack is not null && (supportedProtocols is null || supportedProtocols.Contains(protocolName, StringComparer.OrdinalIgnoreCase))
                ? _messagePack
                : null;
        }

        return _host.GetProtocol(protocolName, supportedProtocols) is { } protocol ? new ChatHubProtocol(protocol) : null;
    }

    private static bool IsMessagePack(string name) => string.Equals(name, ChatKitMessagePack.ProtocolName, StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// A call of ChatKit's hub that the rules refused (or that failed) completes with a <see cref="HubRefusal"/> as its
/// result rather than by throwing through SignalR's dispatcher, which would log every refusal at Error with a stack
/// trace and prefix the message with "An unexpected error occurred invoking …". This protocol writes such a completion
/// as the error completion the contract describes, its message <c>code: sentence</c>; everything else it passes on
/// untouched to the host's protocol.
/// </summary>
internal sealed class ChatHubProtocol(IHubProtocol inner) : IHubProtocol
{
    public string Name => inner.Name;

    public int Version => inner.Version;

    public TransferFormat TransferFormat => inner.TransferFormat;

    public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [NotNullWhen(true)] out HubMessage? message) =>
        inner.TryParseMessage(ref input, binder, out message);

    public void WriteMessage(HubMessage message, IBufferWriter<byte> output) => inner.WriteMessage(AsError(message), output);

    public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message) => inner.GetMessageBytes(AsError(message));

    public bool IsVersionSupported(int version) => inner.IsVersionSupported(version);

    /// <summary>A completion carrying a <see cref="HubRefusal"/> becomes an error completion; any other message is returned as is.</summary>
    internal static HubMessage AsError(HubMessage message) =>
        message is CompletionMessage { Result: HubRefusal refusal, InvocationId: { } invocationId } completion
            ? new CompletionMessage(invocationId, refusal.Message, result: null, hasResult: false) { Headers = completion.Headers }
            : message;
}

/// <summary>The outcome of a refused or failed call of ChatKit's hub; <see cref="ChatHubProtocol"/> sends it as an error.</summary>
/// <param name="Message">The error the client receives: <c>code: sentence</c>.</param>
internal sealed record HubRefusal(string Message);
