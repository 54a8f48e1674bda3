using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace ChatKit.AspNetCore.Internal;

/// <summary>
/// SignalR sends a failed invocation's <see cref="HubException"/> as
/// <c>An unexpected error occurred invoking 'X' on the server. HubException: not_found: ...</c>. The contract says the
/// message starts with the code, so this resolver hands out the host's protocols wrapped in one that removes SignalR's
/// prefix from completion errors that carry one of ChatKit's codes, and from nothing else. It resolves protocols exactly
/// as SignalR's default resolver does (by name, case-insensitively, the last registration of a name winning).
/// </summary>
internal sealed class CodeFirstHubProtocolResolver : IHubProtocolResolver
{
    private readonly Dictionary<string, IHubProtocol> _protocols = new(StringComparer.OrdinalIgnoreCase);

    public CodeFirstHubProtocolResolver(IEnumerable<IHubProtocol> protocols)
    {
        foreach (var protocol in protocols)
        {
            _protocols[protocol.Name] = new CodeFirstErrorProtocol(protocol);
        }

        AllProtocols = [.. _protocols.Values];
    }

    public IReadOnlyList<IHubProtocol> AllProtocols { get; }

    public IHubProtocol? GetProtocol(string protocolName, IReadOnlyList<string>? supportedProtocols)
    {
        ArgumentNullException.ThrowIfNull(protocolName);
        return _protocols.TryGetValue(protocolName, out var protocol)
            && (supportedProtocols is null || supportedProtocols.Contains(protocolName, StringComparer.OrdinalIgnoreCase))
                ? protocol
                : null;
    }
}

/// <summary>Delegates to a protocol, rewriting ChatKit's invocation errors to start with their code.</summary>
internal sealed class CodeFirstErrorProtocol(IHubProtocol inner) : IHubProtocol
{
    private const string Prefix = "An unexpected error occurred invoking '";
    private const string Middle = "' on the server. HubException: ";

    private static readonly string[] Codes =
    [
        "validation_failed: ", "forbidden: ", "not_found: ", "conflict: ", "rate_limited: ", "unavailable: ",
        "internal_error: ", "unauthenticated: ", "cancelled: ",
    ];

    public string Name => inner.Name;

    public int Version => inner.Version;

    public TransferFormat TransferFormat => inner.TransferFormat;

    public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [NotNullWhen(true)] out HubMessage? message) =>
        inner.TryParseMessage(ref input, binder, out message);

    public void WriteMessage(HubMessage message, IBufferWriter<byte> output) => inner.WriteMessage(Rewrite(message), output);

    public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message) => inner.GetMessageBytes(Rewrite(message));

    public bool IsVersionSupported(int version) => inner.IsVersionSupported(version);

    internal static HubMessage Rewrite(HubMessage message)
    {
        if (message is not CompletionMessage { Error: { } error, InvocationId: { } invocationId } completion
            || !error.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return message;
        }

        var middle = error.IndexOf(Middle, Prefix.Length, StringComparison.Ordinal);
        if (middle < 0)
        {
            return message;
        }

        var text = error[(middle + Middle.Length)..];
        if (!Codes.Any(code => text.StartsWith(code, StringComparison.Ordinal)))
        {
            return message;
        }

        return new CompletionMessage(invocationId, text, result: null, hasResult: false) { Headers = completion.Headers };
    }
}
