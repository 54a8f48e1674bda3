using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ChatKit.Scaleout.Redis.Tests.Support;

/// <summary>
/// A TCP relay between a node and a real redis-server that can drop the node's link at an exact point in the command
/// stream: just before the first command that mentions a marker (a channel name, say). Redis receives every byte before
/// that command and then a clean end of stream, so it runs them; the node sees its link reset with the rest of its
/// commands in flight, and reconnects through the relay. That is a Redis failing part-way through a batch, on demand.
/// </summary>
public sealed class RedisLinkCutter : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly int _redisPort;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<TcpClient> _sockets = [];
    private byte[]? _marker;
    private TaskCompletionSource? _cut;
    private volatile bool _blocked;

    private RedisLinkCutter(int redisPort)
    {
        _redisPort = redisPort;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _ = AcceptAsync();
    }

    /// <summary>A StackExchange.Redis connection string that goes through the relay.</summary>
    public string ConnectionString => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port},abortConnect=false";

    public static RedisLinkCutter Start(int redisPort) => new(redisPort);

    /// <summary>Arms the cut; the task completes once a link was dropped before a command holding <paramref name="marker"/>.</summary>
    public Task CutBeforeAsync(string marker)
    {
        lock (_sockets)
        {
            _cut = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _marker = Encoding.UTF8.GetBytes(marker);
            return _cut.Task;
        }
    }

    /// <summary>
    /// Drops every link through the relay and refuses new ones until <see cref="Restore"/>: the node is cut off from a
    /// Redis that runs on for everyone else.
    /// </summary>
    public void Block()
    {
        lock (_sockets)
        {
            _blocked = true;
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }

            _sockets.Clear();
        }
    }

    /// <summary>Lets the node connect through the relay again.</summary>
    public void Restore() => _blocked = false;

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        lock (_sockets)
        {
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }
        }

        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                var node = await _listener.AcceptTcpClientAsync(_stopping.Token);
                if (_blocked)
                {
                    node.Client.LingerState = new LingerOption(true, 0);
                    node.Dispose();
                    continue;
                }

                var redis = new TcpClient();
                await redis.ConnectAsync(IPAddress.Loopback, _redisPort, _stopping.Token);
                lock (_sockets)
                {
                    if (_blocked)
                    {
                        // Blocked while this link was being made.
                        node.Dispose();
                        redis.Dispose();
                        continue;
                    }

                    _sockets.Add(node);
                    _sockets.Add(redis);
                }

                _ = PumpToRedisAsync(node, redis);
                _ = PumpAsync(redis.GetStream(), node.GetStream());
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    private async Task PumpToRedisAsync(TcpClient node, TcpClient redis)
    {
        var buffer = new byte[64 * 1024];
        var from = node.GetStream();
        var to = redis.GetStream();
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer, _stopping.Token);
                if (read == 0)
                {
                    redis.Client.Shutdown(SocketShutdown.Send);
                    return;
                }

                var cutAt = FindCut(buffer.AsSpan(0, read));
                if (cutAt < 0)
                {
                    await to.WriteAsync(buffer.AsMemory(0, read), _stopping.Token);
                    continue;
                }

                // Redis gets what came before the command, then a clean end of stream, so it runs all of it; the node's
                // side is reset, failing its commands in flight.
                await to.WriteAsync(buffer.AsMemory(0, cutAt), _stopping.Token);
                await to.FlushAsync(_stopping.Token);
                redis.Client.Shutdown(SocketShutdown.Send);
                node.Client.LingerState = new LingerOption(true, 0);
                node.Close();
                TaskCompletionSource? cut;
                lock (_sockets)
                {
                    cut = _cut;
                    _cut = null;
                }

                cut?.TrySetResult();
                return;
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // One side went away.
        }
    }

    private static async Task PumpAsync(NetworkStream from, NetworkStream to)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer)) > 0)
            {
                await to.WriteAsync(buffer.AsMemory(0, read));
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            // One side went away.
        }
    }

    /// <summary>Where the command holding the armed marker starts in this chunk, or -1 (and disarms once found).</summary>
    private int FindCut(ReadOnlySpan<byte> chunk)
    {
        byte[]? marker;
        lock (_sockets)
        {
            marker = _marker;
        }

        if (marker is null)
        {
            return -1;
        }

        var at = chunk.IndexOf(marker);
        if (at < 0)
        {
            return -1;
        }

        lock (_sockets)
        {
            _marker = null;
        }

        // A RESP command starts with '*' at the beginning of a line: the last one before the marker.
        for (var i = at; i > 0; i--)
        {
            if (chunk[i] == (byte)'*' && chunk[i - 1] == (byte)'\n')
            {
                return i;
            }
        }

        return 0;
    }
}
