using System.Diagnostics;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ChatKit.AspNetCore.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.AspNetCore.Tests;

/// <summary>A host that lets senders send large messages fast and never closes a silent client for its silence.</summary>
public sealed class SlowReaderHost : ChatHost
{
    /// <summary>The size of each message's content.</summary>
    public const int ContentLength = 16_000;

    /// <inheritdoc/>
    protected override void ConfigureChatKit(ChatKitOptions options)
    {
        options.MaxContentLength = ContentLength;
        options.SendRateLimit.PermitLimit = 1_000_000;
        options.SendRateLimit.Window = TimeSpan.FromSeconds(1);
    }

    /// <inheritdoc/>
    protected override void ConfigureServices(IServiceCollection services) =>
        services.Configure<ChatKitServerOptions>(o =>
        {
            o.MaximumReceiveMessageSize = 128 * 1024;

            // Only the send timeout (its default, 10 s) may cut the slow reader off, not its silence.
            o.ClientTimeoutInterval = TimeSpan.FromMinutes(10);
        });
}

/// <summary>
/// Fault-matrix row F7: a client that stops reading its socket, in a group where three senders send 600 messages of
/// 16,000 characters (about 10 MB to each member, more than the loopback socket buffers hold).
/// </summary>
[Collection(HeapMeasurementCollection.Name)]
public sealed class SlowReaderTests(ITestOutputHelper output, SlowReaderHost host) : IClassFixture<SlowReaderHost>
{
    private const int Senders = 2;
    private const int PerSender = 1_250;
    private const int Total = Senders * PerSender;

    [Fact]
    public async Task F7_AClientThatStopsReading_DelaysNobody_IsCutOff_AndCatchesUpExactly()
    {
        var senders = Enumerable.Range(0, Senders).Select(i => ChatHost.NewUser("sender" + i)).ToArray();
        var readers = Enumerable.Range(0, 1).Select(i => ChatHost.NewUser("reader" + i)).ToArray();
        var slowUser = ChatHost.NewUser("slow");
        var conversationId = await host.GroupAsync(senders[0], [.. senders.Skip(1), .. readers, slowUser]);

        var senderConnections = await Task.WhenAll(senders.Select(u => host.ConnectAsync(u)));
        var readerConnections = await Task.WhenAll(readers.Select(u => host.ConnectAsync(u)));
        await using var slow = await SlowClient.ConnectAsync(host.Address, TestAuth.Token(slowUser));
        try
        {
            var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);
            var content = new string('x', SlowReaderHost.ContentLength - 8);
            var ackTimes = new List<TimeSpan>();
            await Task.WhenAll(senderConnections.Select(async (connection, s) =>
            {
                for (var i = 0; i < PerSender; i++)
                {
                    var started = Stopwatch.GetTimestamp();
                    await connection.SendAsync(conversationId, $"{s:D2}-{i:D4} " + content);
                    var took = Stopwatch.GetElapsedTime(started);
                    lock (ackTimes)
                    {
                        ackTimes.Add(took);
                    }
                }
            }));

            // Every normal member hears every message, none waiting for the slow one.
            foreach (var connection in readerConnections.Concat(senderConnections))
            {
                var received = await connection.WaitForCountAsync("newMessage", Total, timeout: TimeSpan.FromSeconds(60));
                var seqs = received.Select(e => e.Payload.GetProperty("message").GetProperty("seq").GetInt64()).ToList();
                Assert.Equal(Total, seqs.Distinct().Count());
            }

            // The old code made an ack wait for the slow reader's socket until SignalR's send timeout (10 s) cut it off.
            Assert.True(ackTimes.Max() < TimeSpan.FromSeconds(5), $"the slowest of {ackTimes.Count} acks took {ackTimes.Max().TotalSeconds:F1} s");

            // The slow one is cut off by the server while it still reads nothing: its contacts see it go offline.
            await readerConnections[0].WaitForAsync(
                "userStatusChanged",
                e => e.GetProperty("userId").GetString() == slowUser && e.GetProperty("status").GetString() == "offline",
                TimeSpan.FromSeconds(60));

            // Reading now, it gets what was buffered and then the end of its connection.
            var live = await slow.DrainAsync(TimeSpan.FromSeconds(40));
            Assert.True(live.Count < Total, $"the slow reader received all {live.Count} messages; it was never cut off");
            Assert.Equal(live.Count, live.Distinct().Count());

            // Memory stays bounded (server and test clients share this process): the store holds the messages (UTF-16),
            // each normal client its copies (UTF-8), and a stalled connection no more than its buffers and the writes
            // queued behind them until its send timeout.
            var memoryAfter = GC.GetTotalMemory(forceFullCollection: true);
            var stored = (long)Total * SlowReaderHost.ContentLength * (2 + senderConnections.Length + readerConnections.Length);
            Assert.True(memoryAfter - memoryBefore < stored + (128L << 20), $"managed memory grew by {(memoryAfter - memoryBefore) >> 20} MB for {stored >> 20} MB stored");

            // It reconnects and catches up with after= to exactly the full history.
            await using var back = await host.ConnectAsync(slowUser);
            using var http = host.Http(slowUser);
            var after = live.Count == 0 ? 0 : live.Max();
            var caughtUp = new List<long>();
            while (true)
            {
                var (response, page) = await http.GetJsonAsync($"/chats/conversations/{conversationId}/messages?limit=100&after={after}");
                Assert.True(response.IsSuccessStatusCode, page.ToString());
                var seqs = page.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("seq").GetInt64()).ToList();
                if (seqs.Count == 0)
                {
                    break;
                }

                caughtUp.AddRange(seqs);
                after = seqs[^1];
            }

            var all = live.Concat(caughtUp).ToList();
            output.WriteLine(
                $"F7: {Total} sent; slowest ack {ackTimes.Max().TotalMilliseconds:F0} ms; slow reader got {live.Count} live, " +
                $"{caughtUp.Count} by catch-up; memory growth {(memoryAfter - memoryBefore) >> 20} MB (bound {(stored >> 20) + 128} MB)");
            Assert.Equal(all.Count, all.Distinct().Count());
            Assert.Equal(Enumerable.Range(1, Total).Select(i => (long)i), all.Order());
        }
        finally
        {
            foreach (var connection in senderConnections.Concat(readerConnections))
            {
                await connection.DisposeAsync();
            }
        }
    }

    /// <summary>A SignalR JSON client over a bare WebSocket with a 4 KB receive buffer that reads nothing after the handshake.</summary>
    private sealed class SlowClient : IAsyncDisposable
    {
        private readonly ClientWebSocket _socket = new();
        private readonly HttpMessageInvoker _invoker;

        private SlowClient()
        {
            _invoker = new HttpMessageInvoker(new SocketsHttpHandler
            {
                ConnectCallback = async (context, cancellationToken) =>
                {
                    var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096, NoDelay = true };
                    try
                    {
                        await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                        return new NetworkStream(socket, ownsSocket: true);
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                },
            });
        }

        public static async Task<SlowClient> ConnectAsync(Uri address, string token)
        {
            var client = new SlowClient();
            var uri = new UriBuilder(address) { Scheme = "ws", Path = "/chat", Query = "access_token=" + Uri.EscapeDataString(token) }.Uri;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await client._socket.ConnectAsync(uri, client._invoker, timeout.Token);
            await client._socket.SendAsync(Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}\u001e"), WebSocketMessageType.Text, true, timeout.Token);
            var buffer = new byte[16];
            var handshake = await client._socket.ReceiveAsync(buffer, timeout.Token);
            Assert.Equal("{}\u001e", Encoding.UTF8.GetString(buffer, 0, handshake.Count));
            return client;
        }

        /// <summary>Reads until the connection ends and returns the seqs of the newMessage events it received.</summary>
        public async Task<List<long>> DrainAsync(TimeSpan timeout)
        {
            using var cancel = new CancellationTokenSource(timeout);
            var text = new MemoryStream();
            var buffer = new byte[64 * 1024];
            try
            {
                while (true)
                {
                    var result = await _socket.ReceiveAsync(buffer, cancel.Token);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        break;
                    }

                    text.Write(buffer, 0, result.Count);
                }
            }
            catch (WebSocketException)
            {
                // The server aborted the connection.
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"the slow reader's connection was still open {timeout.TotalSeconds} s later");
            }

            var seqs = new List<long>();
            var records = Encoding.UTF8.GetString(text.ToArray()).Split('\u001e');

            // The last record may be cut short by the abort.
            foreach (var record in records.Where(r => r.Contains("\"newMessage\"", StringComparison.Ordinal)))
            {
                try
                {
                    using var json = JsonDocument.Parse(record);
                    seqs.Add(json.RootElement.GetProperty("arguments")[0].GetProperty("message").GetProperty("seq").GetInt64());
                }
                catch (JsonException)
                {
                }
            }

            return seqs;
        }

        public ValueTask DisposeAsync()
        {
            _socket.Abort();
            _socket.Dispose();
            _invoker.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
