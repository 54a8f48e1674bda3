using System.Buffers;
using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ChatKit.Benchmarks.Wire;

namespace ChatKit.Benchmarks.Load;

/// <summary>
/// The light client (<c>--client raw</c>): SignalR's JSON protocol spoken directly over a <see cref="ClientWebSocket"/>,
/// without the SignalR client. The handshake is the protocol's; <c>sendMessage</c> frames are written straight into a
/// pooled buffer; a <c>newMessage</c> frame is recognised by its first bytes and only its <c>content</c> (which carries the
/// step and the send time) is read, without parsing the rest; a completion is read for its id and error alone. What it
/// saves is the load generator's CPU, so a server's own ceiling can be reached on a machine of few cores. Both servers
/// are driven the same way (they write the same frames).
/// </summary>
internal sealed class RawHubConnection : IAsyncDisposable
{
    private const byte RecordSeparator = 0x1e;
    private static readonly byte[] NewMessagePrefix = """{"type":1,"target":"newMessage","arguments":[""".Select(c => (byte)c).ToArray();
    private static readonly byte[] ContentKey = "\"content\":\""u8.ToArray();
    private static readonly byte[] Ping = "{\"type\":6}\u001e"u8.ToArray();

    private readonly ClientWebSocket _socket = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly ConcurrentDictionary<long, (TaskCompletionSource<string?> Done, bool WantsResult)> _pending = new();
    private readonly CancellationTokenSource _closed = new();
    private readonly Action<ReadOnlyMemory<byte>> _onNewMessageContent;
    private long _nextId;
    private Task _receiving = Task.CompletedTask;
    private Task _pinging = Task.CompletedTask;

    private RawHubConnection(Action<ReadOnlyMemory<byte>> onNewMessageContent) => _onNewMessageContent = onNewMessageContent;

    /// <summary>Connects (token in <c>access_token</c>, as a browser does), completes the JSON handshake and starts reading.</summary>
    public static async Task<RawHubConnection> ConnectAsync(Uri hubUri, string userId, Action<ReadOnlyMemory<byte>> onNewMessageContent, CancellationToken cancellationToken)
    {
        var connection = new RawHubConnection(onNewMessageContent);
        var uri = new UriBuilder(hubUri) { Scheme = hubUri.Scheme == "https" ? "wss" : "ws", Query = "access_token=" + Uri.EscapeDataString(userId) }.Uri;
        await connection._socket.ConnectAsync(uri, cancellationToken).ConfigureAwait(false);
        await connection._socket.SendAsync("{\"protocol\":\"json\",\"version\":1}\u001e"u8.ToArray(), WebSocketMessageType.Text, true, cancellationToken).ConfigureAwait(false);
        var buffer = new byte[1024];
        var received = 0;
        while (Array.IndexOf(buffer, RecordSeparator, 0, received) < 0)
        {
            var result = await connection._socket.ReceiveAsync(buffer.AsMemory(received), cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new WebSocketException("the server closed the connection during the handshake");
            }

            received += result.Count;
        }

        var end = Array.IndexOf(buffer, RecordSeparator, 0, received);
        var handshake = Encoding.UTF8.GetString(buffer, 0, end);
        if (handshake != "{}")
        {
            throw new InvalidOperationException("the handshake failed: " + handshake);
        }

        connection._receiving = connection.ReceiveLoopAsync(buffer.AsSpan(end + 1, received - end - 1).ToArray());
        connection._pinging = connection.PingLoopAsync();
        return connection;
    }

    /// <summary>Invokes <c>sendMessage</c> with a frame written by hand; completes with the server's completion (an error throws).</summary>
    public Task SendMessageAsync(SendMessageArgs args)
    {
        var id = Interlocked.Increment(ref _nextId);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("type"u8, 1);
            json.WriteString("invocationId"u8, id.ToString(CultureInfo.InvariantCulture));
            json.WriteString("target"u8, "sendMessage"u8);
            json.WriteStartArray("arguments"u8);
            json.WriteStartObject();
            json.WriteString("conversationId"u8, args.ConversationId);
            json.WriteString("content"u8, args.Content);
            json.WriteString("tempId"u8, args.TempId);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }

        buffer.Write([RecordSeparator]);
        return InvokeAsync(id, buffer.WrittenMemory, wantsResult: false);
    }

    /// <summary>Any invocation (set-up calls): the result's JSON, parsed.</summary>
    public async Task<JsonElement> InvokeAsync(string target, object argument)
    {
        var id = Interlocked.Increment(ref _nextId);
        var frame = JsonSerializer.SerializeToUtf8Bytes(new { type = 1, invocationId = id.ToString(CultureInfo.InvariantCulture), target, arguments = new[] { argument } }, JsonSerializerOptions.Web);
        var result = await InvokeAsync(id, (byte[])[.. frame, RecordSeparator], wantsResult: true).ConfigureAwait(false);
        return JsonDocument.Parse(result!).RootElement.GetProperty("result").Clone();
    }

    public async ValueTask DisposeAsync()
    {
        await _closed.CancelAsync().ConfigureAwait(false);
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            // Closing anyway.
        }

        _socket.Dispose();
        await Task.WhenAll(_receiving, _pinging).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _closed.Dispose();
        _sendLock.Dispose();
    }

    private async Task<string?> InvokeAsync(long id, ReadOnlyMemory<byte> frame, bool wantsResult)
    {
        var done = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = (done, wantsResult);
        await SendFrameAsync(frame).ConfigureAwait(false);
        return await done.Task.ConfigureAwait(false);
    }

    private async Task SendFrameAsync(ReadOnlyMemory<byte> frame)
    {
        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(frame, WebSocketMessageType.Text, true, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>A ping every 10 s, so a connection that only receives is not closed by the server's client timeout.</summary>
    private async Task PingLoopAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(10));
        try
        {
            while (await timer.WaitForNextTickAsync(_closed.Token).ConfigureAwait(false))
            {
                await SendFrameAsync(Ping).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // Closed.
        }
    }

    private async Task ReceiveLoopAsync(byte[] leftover)
    {
        var buffer = new byte[64 * 1024];
        leftover.CopyTo(buffer, 0);
        var filled = leftover.Length;
        try
        {
            while (true)
            {
                filled = Dispatch(buffer, filled);
                if (filled == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }

                var result = await _socket.ReceiveAsync(buffer.AsMemory(filled), _closed.Token).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                filled += result.Count;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // Closed.
        }

        foreach (var pending in _pending.Values)
        {
            pending.Done.TrySetException(new WebSocketException("the connection closed"));
        }
    }

    /// <summary>Handles every complete frame in the buffer, moves the rest to its start, and returns its length.</summary>
    private int Dispatch(byte[] buffer, int filled)
    {
        var start = 0;
        int end;
        while ((end = Array.IndexOf(buffer, RecordSeparator, start, filled - start)) >= 0)
        {
            Handle(buffer.AsMemory(start, end - start));
            start = end + 1;
        }

        Buffer.BlockCopy(buffer, start, buffer, 0, filled - start);
        return filled - start;
    }

    private void Handle(ReadOnlyMemory<byte> frame)
    {
        var span = frame.Span;
        if (span.StartsWith(NewMessagePrefix))
        {
            var at = span.IndexOf(ContentKey);
            if (at >= 0)
            {
                var from = at + ContentKey.Length;
                var length = span[from..].IndexOf((byte)'"');
                _onNewMessageContent(frame.Slice(from, length));
            }

            return;
        }

        if (!span.StartsWith("{\"type\":3,"u8))
        {
            return; // pings, other events
        }

        // A completion: its invocation id and whether it carries an error.
        var reader = new Utf8JsonReader(span);
        reader.Read();
        long id = -1;
        string? error = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("invocationId"u8))
            {
                reader.Read();
                Utf8Parser.TryParse(reader.ValueSpan, out id, out _);
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                reader.Read();
                error = reader.GetString();
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (_pending.TryRemove(id, out var pending))
        {
            if (error is not null)
            {
                pending.Done.TrySetException(new InvalidOperationException(error));
            }
            else
            {
                pending.Done.TrySetResult(pending.WantsResult ? Encoding.UTF8.GetString(span) : null);
            }
        }
    }
}
