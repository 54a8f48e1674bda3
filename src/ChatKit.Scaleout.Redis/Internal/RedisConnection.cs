using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatKit.Scaleout.Redis.Internal;

/// <summary>
/// The one Redis connection a node shares between SignalR's backplane, presence, rate limits and the health check.
/// Opened on first use, with <c>AbortOnConnectFail=false</c> so a node starts (and keeps retrying) while Redis is down.
/// A connection the host passed in is used as it is and never disposed here.
/// </summary>
internal sealed class RedisConnection : IAsyncDisposable, IDisposable
{

    private readonly IConnectionMultiplexer? _external;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lazy<Task<IConnectionMultiplexer>> _connect;
    private readonly CancellationTokenSource _disposing = new();
    private IConnectionMultiplexer? _signalRView;
    private readonly TimeSpan _firstConnectWait;
    private TaskCompletionSource _restored = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TimeSpan _operationTimeout = TimeSpan.FromMilliseconds(250);
    private int _stalled;
    private int _disposed;

    public RedisConnection(ConfigurationOptions configuration, IOptions<ChatKitRedisOptions> options, TimeProvider time, ILogger<RedisConnection> logger)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(options);
        _logger = logger;
        _time = time;
        _operationTimeout = options.Value.OperationTimeout;
        var own = configuration.Clone();
        own.AbortOnConnectFail = false;
        own.ChannelPrefix = RedisChannel.Literal(options.Value.ChannelPrefix);
        // While Redis is unreachable, fail commands at once instead of queueing them for seconds: a send is stored and
        // acknowledged without waiting, local delivery falls back to this node, and presence degrades (see docs/scale-out.md).
        own.BacklogPolicy = BacklogPolicy.FailFast;
        if (string.IsNullOrEmpty(own.ClientName))
        {
            own.ClientName = "chatkit";
        }

        Configuration = own;
        // The first connection attempt lasts at most ConnectTimeout (5 s by default), even when Redis is down.
        _firstConnectWait = TimeSpan.FromMilliseconds(own.ConnectTimeout) + TimeSpan.FromSeconds(1);
        _connect = new Lazy<Task<IConnectionMultiplexer>>(() =>
        {
            var connecting = ConnectAsync();
            // Redis may have come up while ConnectAsync was still waiting, before anyone could hear the event: once the
            // connection is handed out (IsConnected is true from then on), tell those waiting for it.
            connecting.ContinueWith(
                static (task, state) =>
                {
                    if (task.IsCompletedSuccessfully && IsFullyConnected(task.Result))
                    {
                        ((RedisConnection)state!).RaiseRestored();
                    }
                },
                this,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            return connecting;
        });
    }

    public RedisConnection(IConnectionMultiplexer multiplexer, IOptions<ChatKitRedisOptions> options, TimeProvider time, ILogger<RedisConnection> logger)
    {
        ArgumentNullException.ThrowIfNull(multiplexer);
        ArgumentNullException.ThrowIfNull(options);
        _external = multiplexer;
        _operationTimeout = options.Value.OperationTimeout;
        _logger = logger;
        _time = time;
        Configuration = ConfigurationOptions.Parse(multiplexer.Configuration);
        Subscribe(multiplexer);
        _firstConnectWait = TimeSpan.Zero;
        _connect = new Lazy<Task<IConnectionMultiplexer>>(Task.FromResult(multiplexer));
    }

    /// <summary>Raised when the connection to Redis came up, or came back after a failure (Redis may have lost its data).</summary>
    public event EventHandler? Restored;

    /// <summary>
    /// Raised after a command reached Redis, by the heartbeat (a safety net for work waiting on Redis), and when Redis
    /// answers again after it was stalled.
    /// </summary>
    public event EventHandler? Reachable;

    /// <summary>The configuration of the connection (for logging; SignalR reads its endpoints).</summary>
    public ConfigurationOptions Configuration { get; }

    /// <summary>The multiplexer, connecting on first use.</summary>
    public Task<IConnectionMultiplexer> GetMultiplexerAsync()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return _connect.Value;
    }

    /// <summary>
    /// Whether both of the connection's links are open now, commands and pub/sub (false before the first use). The
    /// backplane needs the second: a subscription attempted without it fails.
    /// </summary>
    public bool IsConnected =>
        _connect.IsValueCreated && _connect.Value.IsCompletedSuccessfully && IsFullyConnected(_connect.Value.Result);

    /// <summary>Tells those waiting for Redis that a command just reached it.</summary>
    public void NotifyReachable()
    {
        Volatile.Write(ref _stalled, 0);
        Reachable?.Invoke(this, EventArgs.Empty);
    }

    /// <summary>A command completed: Redis answers. Work deferred while it was stalled is told at once.</summary>
    private void ClearStall()
    {
        if (Interlocked.Exchange(ref _stalled, 0) == 1)
        {
            Reachable?.Invoke(this, EventArgs.Empty);
        }
    }

    /// <summary>
    /// Whether a command recently outlived <see cref="ChatKitRedisOptions.OperationTimeout"/> and none has completed
    /// since: Redis is connected but not answering (paused, overloaded, or the network drops packets).
    /// </summary>
    public bool IsStalled => Volatile.Read(ref _stalled) == 1;

    /// <summary>
    /// Waits for a Redis command on a client's request path, at most <see cref="ChatKitRedisOptions.OperationTimeout"/>,
    /// and not at all while Redis is stalled. Returns <see langword="true"/> when the command completed (its exception,
    /// if any, is thrown), <see langword="false"/> when it is still running: it is then left to finish in the
    /// background (Redis may still execute it), and Redis counts as stalled until a command completes.
    /// </summary>
    public async Task<bool> WaitBoundedAsync(Task command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (!command.IsCompleted && !IsStalled)
        {
            try
            {
                await command.WaitAsync(_operationTimeout, _time).ConfigureAwait(false);
            }
            catch (TimeoutException) when (!command.IsCompleted)
            {
                // Still running: handled below.
            }
        }

        if (!command.IsCompleted)
        {
            Volatile.Write(ref _stalled, 1);
            _ = ObserveAsync(command, answersForRedis: true);
            return false;
        }

        await command.ConfigureAwait(false);
        ClearStall();
        return true;
    }

    /// <summary>Starts opening the connection without waiting for it.</summary>
    public void StartConnecting() => _ = GetMultiplexerAsync();

    /// <summary>
    /// The multiplexer for a command: connecting on first use and waiting for that first attempt (at most its
    /// ConnectTimeout), so nothing that happens in a node's first moments is taken for an outage; afterwards it never
    /// waits (a disconnected Redis fails commands at once, and callers degrade).
    /// </summary>
    public async Task<IConnectionMultiplexer> GetReadyMultiplexerAsync()
    {
        var connect = GetMultiplexerAsync();
        if (!connect.IsCompleted)
        {
            try
            {
                await connect.WaitAsync(_firstConnectWait, _time).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "Redis is not connected yet.");
            }
        }

        return await connect.ConfigureAwait(false);
    }

    /// <summary>Throws, as an unreachable Redis would, while Redis is <see cref="IsStalled"/>.</summary>
    public void ThrowIfStalled()
    {
        if (IsStalled)
        {
            throw new RedisTimeoutException("Redis is connected but not answering; not waiting for it.", CommandStatus.WaitingToBeSent);
        }
    }

    /// <summary>The database, as <see cref="GetDatabaseAsync"/> gets it, but throwing at once while Redis is stalled.</summary>
    public async Task<IDatabase> GetAnsweringDatabaseAsync()
    {
        ThrowIfStalled();
        return await GetDatabaseAsync().ConfigureAwait(false);
    }

    /// <summary>The database, as <see cref="GetReadyMultiplexerAsync"/> gets it.</summary>
    public async Task<IDatabase> GetDatabaseAsync() =>
        (await GetReadyMultiplexerAsync().ConfigureAwait(false)).GetDatabase();

    /// <summary>
    /// The multiplexer as handed to SignalR's <c>RedisHubLifetimeManager</c>, which disposes the connection it was given
    /// when the host stops: a view that ignores that, so this class stays the owner.
    /// </summary>
    /// <remarks>
    /// Returns only once Redis is reachable: SignalR subscribes its node-wide channels right after it gets the
    /// connection and never retries a subscription that failed, so handing it a dead connection would leave the node
    /// deaf to them for good. Meanwhile ChatKit delivers on this node alone (see <c>ResilientHubLifetimeManager</c>).
    /// </remarks>
    public async Task<IConnectionMultiplexer> GetSignalRMultiplexerAsync()
    {
        var multiplexer = await GetMultiplexerAsync().ConfigureAwait(false);
        while (!IsFullyConnected(multiplexer))
        {
            var restored = Volatile.Read(ref _restored).Task;
            await Task.WhenAny(restored, Task.Delay(TimeSpan.FromSeconds(1), _time, _disposing.Token)).ConfigureAwait(false);
            ObjectDisposedException.ThrowIf(_disposing.IsCancellationRequested, this);
        }

        return _signalRView ??= NonDisposingMultiplexer.Wrap(multiplexer);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _disposing.CancelAsync().ConfigureAwait(false);
        _disposing.Dispose();
        if (_external is not null || !_connect.IsValueCreated)
        {
            return;
        }

        try
        {
            var multiplexer = await _connect.Value.ConfigureAwait(false);
            await multiplexer.DisposeAsync().ConfigureAwait(false);
        }
        catch (RedisException)
        {
            // It never connected: nothing to close.
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _disposing.Cancel();
        _disposing.Dispose();
        if (_external is null && _connect.IsValueCreated && _connect.Value.IsCompletedSuccessfully)
        {
            _connect.Value.Result.Dispose();
        }
    }

    private async Task<IConnectionMultiplexer> ConnectAsync()
    {
        Log.Connecting(_logger, Configuration.ToString(includePassword: false));
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(Configuration).ConfigureAwait(false);
        Subscribe(multiplexer);
        if (!multiplexer.IsConnected)
        {
            Log.NotConnectedYet(_logger);
        }

        return multiplexer;
    }

    /// <summary>
    /// Waits for an operation that may or may not need Redis (leaving a group, a disconnection), unless Redis is stalled:
    /// then it is left to finish in the background. Its completion is not taken as a sign that Redis answers.
    /// </summary>
    public async Task WaitUnlessStalledAsync(Task operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        if (IsStalled && !operation.IsCompleted)
        {
            _ = ObserveAsync(operation, answersForRedis: false);
            return;
        }

        await operation.ConfigureAwait(false);
    }

    private async Task ObserveAsync(Task command, bool answersForRedis)
    {
        try
        {
            await command.ConfigureAwait(false);
            if (answersForRedis)
            {
                // Redis answered: it is not stalled (any more).
                ClearStall();
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException or InvalidOperationException)
        {
            // Its caller went on without it; a failure was expected and is handled by resynchronisation or catch-up.
        }
    }

    private static bool IsFullyConnected(IConnectionMultiplexer multiplexer) =>
        multiplexer.IsConnected && multiplexer.GetSubscriber().IsConnected();

    private void RaiseRestored()
    {
        Interlocked.Exchange(ref _restored, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        Restored?.Invoke(this, EventArgs.Empty);
    }

    private void Subscribe(IConnectionMultiplexer multiplexer)
    {
        multiplexer.ConnectionFailed += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive)
            {
                Log.ConnectionFailed(_logger, e.EndPoint?.ToString(), e.FailureType, e.Exception);
            }
        };
        multiplexer.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive)
            {
                Log.ConnectionRestored(_logger, e.EndPoint?.ToString());
            }

            // Either link: the backplane waits for both.
            RaiseRestored();
        };
    }
}
