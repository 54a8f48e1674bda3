using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace ChatKit.AspNetCore.Tests.Support;

/// <summary>What the hub answered one invocation with.</summary>
/// <param name="Error">The completion's error, or <see langword="null"/> on success.</param>
/// <param name="Closed">Whether the connection closed instead of answering.</param>
public sealed record RawCompletion(string? Error, bool Closed);

/// <summary>
/// A SignalR JSON-protocol client over a bare WebSocket, so a test can send any frame text: wrong JSON types, escaped
/// unpaired surrogates, extra fields and unknown targets that the typed client would refuse to serialise.
/// </summary>
public sealed class RawHubClient : IAsyncDisposable
{
    private const char RecordSeparator = '\u001e';
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly ClientWebSocket _socket = new();
    private readonly StringBuilder _pending = new();
    private readonly byte[] _buffer = new byte[64 * 1024];
    private readonly char[] _chars = new char[64 * 1024];
    private readonly Decoder _decoder = Encoding.UTF8.GetDecoder();
    private int _nextId;

    private RawHubClient()
    {
    }

    /// <summary>Whether the connection is still open.</summary>
    public bool IsOpen => _socket.State == WebSocketState.Open;

    /// <summary>Connects straight over WebSockets (no negotiate) and completes the JSON handshake.</summary>
    public static async Task<RawHubClient> ConnectAsync(Uri address, string token, string hubPath = "/chat")
    {
        ArgumentNullException.ThrowIfNull(address);
        var client = new RawHubClient();
        var uri = new UriBuilder(address) { Scheme = "ws", Path = hubPath, Query = "access_token=" + Uri.EscapeDataString(token) }.Uri;
        using var timeout = new CancellationTokenSource(Timeout);
        await client._socket.ConnectAsync(uri, timeout.Token);
        await client.SendAsync("{\"protocol\":\"json\",\"version\":1}");
        var handshake = await client.ReceiveAsync() ?? throw new InvalidOperationException("the hub closed during the handshake");
        if (handshake != "{}")
        {
            throw new InvalidOperationException("handshake refused: " + handshake);
        }

        return client;
    }

    /// <summary>Invokes <paramref name="target"/> with <paramref name="argumentsJson"/> (a JSON array, as text) and waits for its completion.</summary>
    public async Task<RawCompletion> InvokeAsync(string target, string argumentsJson)
    {
        var id = (++_nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await SendAsync($"{{\"type\":1,\"invocationId\":\"{id}\",\"target\":{JsonSerializer.Serialize(target)},\"arguments\":{argumentsJson}}}");
        while (true)
        {
            var record = await ReceiveAsync();
            if (record is null)
            {
                return new RawCompletion("connection closed", true);
            }

            using var message = JsonDocument.Parse(record);
            var root = message.RootElement;
            var type = root.GetProperty("type").GetInt32();
            if (type == 7)
            {
                return new RawCompletion(root.TryGetProperty("error", out var why) ? why.GetString() : "closed", true);
            }

            if (type == 3 && root.GetProperty("invocationId").GetString() == id)
            {
                return new RawCompletion(root.TryGetProperty("error", out var error) ? error.GetString() : null, false);
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                // Closing is best effort.
            }
        }

        _socket.Dispose();
    }

    private async Task SendAsync(string record)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await _socket.SendAsync(Encoding.UTF8.GetBytes(record + RecordSeparator), WebSocketMessageType.Text, true, timeout.Token);
    }

    /// <summary>The next record, or null when the connection closed.</summary>
    private async Task<string?> ReceiveAsync()
    {
        while (true)
        {
            var text = _pending.ToString();
            var end = text.IndexOf(RecordSeparator, StringComparison.Ordinal);
            if (end >= 0)
            {
                _pending.Remove(0, end + 1);
                return text[..end];
            }

            if (_socket.State != WebSocketState.Open)
            {
                return null;
            }

            using var timeout = new CancellationTokenSource(Timeout);
            WebSocketReceiveResult result;
            try
            {
                result = await _socket.ReceiveAsync(_buffer, timeout.Token);
            }
            catch (WebSocketException)
            {
                return null;
            }

            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            // A character may be split across reads: the decoder keeps its first bytes for the next one.
            var count = _decoder.GetChars(_buffer, 0, result.Count, _chars, 0, flush: false);
            _pending.Append(_chars, 0, count);
        }
    }
}
