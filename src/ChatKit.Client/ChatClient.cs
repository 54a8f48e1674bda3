using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using ChatKit.Client.Internal;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatKit.Client;

/// <summary>
/// A typed client of a ChatKit server: the SignalR hub and the REST API in one object. It reconnects by itself, catches
/// up after every (re)connect, resends unacknowledged messages under their tempId, and raises every message to the app
/// exactly once and in seq order per conversation.
/// </summary>
/// <remarks>
/// Events are .NET events raised one at a time from one loop, in the order the client applies them: a handler never
/// runs concurrently with another, and a handler that throws is logged and does not stop delivery. Handlers should
/// return quickly (hand long work to the app's own queue); while one runs, the next event waits.
/// </remarks>
public sealed partial class ChatClient : IAsyncDisposable
{
    private readonly ChatClientOptions _options;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly ChatRestApi _rest;
    private readonly HubConnection _hub;
    private readonly IChatOutbox _outbox;
    private readonly SemaphoreSlim _outboxGate = new(1, 1);
    private readonly SemaphoreSlim _startGate = new(1, 1);
    private readonly Channel<Work> _inbox = Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<bool> _outboxSignal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _lifetime = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<SendMessageAck>> _acks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _rooms = new(StringComparer.Ordinal);
    private Task _dispatchLoop = Task.CompletedTask;
    private Task _outboxLoop = Task.CompletedTask;
    private int _restarting;
    private bool _started;
    private bool _disposed;

    /// <summary>Creates a client; call <see cref="StartAsync"/> to connect.</summary>
    /// <param name="options">Where the server is and how to authenticate.</param>
    public ChatClient(ChatClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<ChatClient>();
        _outbox = options.Outbox ?? new InMemoryChatOutbox();
        _seenEvents = new EventIdWindow(options.RememberedEventIds);
        var serverUrl = options.ServerUrl!.AbsoluteUri.EndsWith('/') ? options.ServerUrl : new Uri(options.ServerUrl.AbsoluteUri + "/");
        _http = new HttpClient();
        _rest = new ChatRestApi(_http, new Uri(serverUrl, options.ApiPrefix.TrimStart('/')), options.AccessTokenProvider!);
        _hub = new HubConnectionBuilder()
            .WithUrl(new Uri(serverUrl, options.HubPath.TrimStart('/')), o => o.AccessTokenProvider = () => options.AccessTokenProvider!(_lifetime.Token).AsTask())
            .WithAutomaticReconnect(new BackoffRetryPolicy(options.ReconnectDelays))
            .Build();
        foreach (var name in EventNames)
        {
            _hub.On<JsonElement>(name, data =>
            {
                _inbox.Writer.TryWrite(new LiveEvent(name, data.Clone()));
                return Task.CompletedTask;
            });
        }

        _hub.Reconnecting += error =>
        {
            Log.Reconnecting(_logger, error);
            _inbox.Writer.TryWrite(new StateWork(ChatConnectionState.Reconnecting));
            return Task.CompletedTask;
        };
        _hub.Reconnected += _ =>
        {
            OnConnected();
            return Task.CompletedTask;
        };
        _hub.Closed += error =>
        {
            if (!_lifetime.IsCancellationRequested)
            {
                _inbox.Writer.TryWrite(new StateWork(ChatConnectionState.Reconnecting));
                _ = RestartAsync(error);
            }

            return Task.CompletedTask;
        };
    }

    /// <summary>The connection's state.</summary>
    public ChatConnectionState State => _hub.State switch
    {
        HubConnectionState.Connected => ChatConnectionState.Connected,
        HubConnectionState.Disconnected when !_started || _lifetime.IsCancellationRequested => ChatConnectionState.Disconnected,
        _ => ChatConnectionState.Reconnecting,
    };

    /// <summary>
    /// Connects. Conversations that exist now are the starting point: their earlier messages are history the app pages
    /// with <see cref="GetMessagesAsync"/>; every message after that point (and every message of a conversation the
    /// user joins later) is raised by <see cref="MessageReceived"/>. Throws when the server cannot be reached the first
    /// time; after that, the client reconnects by itself until it is stopped.
    /// </summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _startGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_started)
            {
                return;
            }

            // The starting point, before the hub connects: the sync cursor first (when the server has sync), then the
            // conversations' positions, so that anything after either is caught up once connected.
            await InitializeAsync(cancellationToken).ConfigureAwait(false);
            await _hub.StartAsync(cancellationToken).ConfigureAwait(false);
            _started = true;
            _dispatchLoop = Task.Run(DispatchLoopAsync, CancellationToken.None);
            _outboxLoop = Task.Run(OutboxLoopAsync, CancellationToken.None);
            Log.Connected(_logger, _options.ServerUrl!);
            OnConnected();
        }
        finally
        {
            _startGate.Release();
        }
    }

    /// <summary>Closes the connection and stops reconnecting; messages still in the outbox stay there.</summary>
    public async Task StopAsync()
    {
        if (_lifetime.IsCancellationRequested)
        {
            return;
        }

        await _lifetime.CancelAsync().ConfigureAwait(false);
        await _hub.StopAsync().ConfigureAwait(false);
        _inbox.Writer.TryComplete();
        _outboxSignal.Writer.TryComplete();
        await Task.WhenAll(_dispatchLoop, _outboxLoop).ConfigureAwait(false);
        foreach (var waiter in _acks.Values)
        {
            waiter.TrySetCanceled();
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await StopAsync().ConfigureAwait(false);
        await _hub.DisposeAsync().ConfigureAwait(false);
        _http.Dispose();
        _lifetime.Dispose();
        _outboxGate.Dispose();
        _startGate.Dispose();
    }

    private void OnConnected()
    {
        _inbox.Writer.TryWrite(new StateWork(ChatConnectionState.Connected));
        _inbox.Writer.TryWrite(new CatchUpWork(0));
        SignalOutbox();
    }

    private async Task RestartAsync(Exception? error)
    {
        if (Interlocked.Exchange(ref _restarting, 1) == 1)
        {
            return;
        }

        try
        {
            for (var attempt = 0; !_lifetime.IsCancellationRequested; attempt++)
            {
                var delay = BackoffRetryPolicy.RestartDelay(attempt, _options.MaxRestartDelay);
                Log.Restarting(_logger, delay, error);
                await Task.Delay(delay, _options.TimeProvider, _lifetime.Token).ConfigureAwait(false);
                try
                {
                    await _hub.StartAsync(_lifetime.Token).ConfigureAwait(false);
                    OnConnected();
                    return;
                }
                catch (Exception ex) when (!_lifetime.IsCancellationRequested)
                {
                    error = ex;
                }
            }
        }
        catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
        {
            // Stopped.
        }
        finally
        {
            Volatile.Write(ref _restarting, 0);
        }
    }

    private void Raise<T>(EventHandler<T>? handler, T args)
    {
        if (handler is null)
        {
            return;
        }

        foreach (var one in handler.GetInvocationList().Cast<EventHandler<T>>())
        {
            try
            {
                one(this, args);
            }
#pragma warning disable CA1031 // An app's handler must not stop delivery to the others or to the next events.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.HandlerFailed(_logger, ex);
            }
        }
    }

    private abstract record Work;

    private sealed record LiveEvent(string Type, JsonElement Data) : Work;

    private sealed record CatchUpWork(int Attempt) : Work;

    private sealed record StateWork(ChatConnectionState State) : Work;

    private sealed record AckWork(SendMessageAck Ack) : Work;

    private sealed record RejectedWork(MessageRejectedEvent Rejection) : Work;
}
