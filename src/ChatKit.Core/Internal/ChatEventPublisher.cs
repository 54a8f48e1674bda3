using System.Threading.Channels;
using ChatKit.Events;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatKit.Internal;

/// <summary>
/// Core's publisher: hands each event to the clients' transports (awaited, in turn, as before: the sender's ack follows
/// the hand-over), then queues it for each of the host's handlers. Each handler has its own bounded queue and reader,
/// so a slow or throwing handler holds up only itself, never delivery or another handler.
/// </summary>
/// <remarks>
/// With one transport and no handler (the usual host), a publish is the transport's call and nothing more: no
/// allocation is added to the send path. Later consumers plug in beside the handlers: a durable outbox is written by the
/// store in the change's own transaction, so this publisher would only wake its processor, never be its source.
/// </remarks>
internal sealed class ChatEventPublisher : IChatEventPublisher, IAsyncDisposable, IDisposable
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    private readonly IChatEventTransport[] _transports;
    private readonly HandlerQueue[] _handlers;
    private readonly ILogger _logger;

    public ChatEventPublisher(
        IEnumerable<IChatEventTransport> transports,
        IEnumerable<IChatEventHandler> handlers,
        IOptions<ChatKitOptions> options,
        TimeProvider time,
        ILogger<ChatEventPublisher> logger)
    {
        _transports = [.. transports];
        _logger = logger;
        _handlers = [.. handlers.Select(h => new HandlerQueue(h, options.Value, time, logger))];
    }

    public ValueTask PublishAsync(ChatEvent chatEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chatEvent);
        if (_handlers.Length == 0 && _transports.Length <= 1)
        {
            // The caller (EventDispatch) logs a failure, as it did when the transport was the publisher.
            return _transports.Length == 0 ? ValueTask.CompletedTask : _transports[0].DeliverAsync(chatEvent, cancellationToken);
        }

        return PublishToAllAsync(chatEvent, cancellationToken);
    }

    private async ValueTask PublishToAllAsync(ChatEvent chatEvent, CancellationToken cancellationToken)
    {
        foreach (var transport in _transports)
        {
            try
            {
                await transport.DeliverAsync(chatEvent, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Log.TransportFailed(_logger, chatEvent.GetType().Name, transport.GetType().Name, ex);
            }
        }

        foreach (var handler in _handlers)
        {
            handler.Enqueue(chatEvent);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var handler in _handlers)
        {
            handler.Complete();
        }

        await Task.WhenAll(_handlers.Select(h => h.StopAsync(DrainTimeout))).ConfigureAwait(false);
    }

    public void Dispose()
    {
        foreach (var handler in _handlers)
        {
            handler.Complete();
            handler.Cancel();
        }
    }

    /// <summary>One handler's queue and the loop that feeds it, one event at a time.</summary>
    private sealed class HandlerQueue
    {
        private readonly IChatEventHandler _handler;
        private readonly string _name;
        private readonly Channel<ChatEvent> _queue;
        private readonly int _capacity;
        private readonly TimeSpan _timeout;
        private readonly TimeProvider _time;
        private readonly ILogger _logger;
        private readonly CancellationTokenSource _stopping = new();
        private readonly Task _loop;
        private long _dropped;

        public HandlerQueue(IChatEventHandler handler, ChatKitOptions options, TimeProvider time, ILogger logger)
        {
            _handler = handler;
            _name = handler.GetType().Name;
            _capacity = options.EventHandlerQueueCapacity;
            _timeout = options.EventHandlerTimeout;
            _time = time;
            _logger = logger;
            _queue = Channel.CreateBounded<ChatEvent>(new BoundedChannelOptions(_capacity)
            {
                SingleReader = true,
                FullMode = BoundedChannelFullMode.Wait,
            });
            _loop = Task.Run(RunAsync);
        }

        public void Enqueue(ChatEvent chatEvent)
        {
            if (_queue.Writer.TryWrite(chatEvent))
            {
                return;
            }

            // Full (or stopped): this handler misses the event; say so once per episode, not once per event.
            if (Interlocked.Increment(ref _dropped) == 1)
            {
                Log.EventHandlerQueueFull(_logger, _name, _capacity);
            }
        }

        public void Complete() => _queue.Writer.TryComplete();

        public void Cancel() => _stopping.Cancel();

        /// <summary>Lets the queued events run for up to <paramref name="drain"/>, then cancels the handler.</summary>
        public async Task StopAsync(TimeSpan drain)
        {
            try
            {
                await _loop.WaitAsync(drain, _time).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                Log.EventHandlerStoppedWithQueue(_logger, _name, _queue.Reader.Count);
                await _stopping.CancelAsync().ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopped already (Dispose cancelled the loop).
            }
        }

        private async Task RunAsync()
        {
            while (await _queue.Reader.WaitToReadAsync(_stopping.Token).ConfigureAwait(false))
            {
                while (_queue.Reader.TryRead(out var chatEvent))
                {
                    if (Interlocked.Exchange(ref _dropped, 0) is var dropped and > 0)
                    {
                        Log.EventHandlerQueueResumed(_logger, _name, dropped);
                    }

                    await HandleAsync(chatEvent).ConfigureAwait(false);
                }
            }
        }

        private async Task HandleAsync(ChatEvent chatEvent)
        {
            using var timeout = new CancellationTokenSource(_timeout, _time);
            using var token = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token, timeout.Token);
            try
            {
                var pending = _handler.HandleAsync(chatEvent, token.Token);
                if (!pending.IsCompletedSuccessfully)
                {
                    await pending.AsTask().WaitAsync(_timeout, _time, _stopping.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                // The host is stopping.
            }
            catch (Exception ex) when (ex is TimeoutException || timeout.IsCancellationRequested)
            {
                // A handler still running sees its token cancelled, whichever timer fired first.
                await timeout.CancelAsync().ConfigureAwait(false);
                Log.EventHandlerTimedOut(_logger, _name, chatEvent.GetType().Name, _timeout);
            }
            catch (Exception ex)
            {
                Log.EventHandlerFailed(_logger, _name, chatEvent.GetType().Name, ex);
            }
        }
    }
}
