using System.Diagnostics.Metrics;
using ChatKit.Events;
using ChatKit.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatKit.Internal.Outbox;

/// <summary>
/// Delivers the store's durable events to every sink, one loop per sink. A loop works only while its node holds the
/// sink's lease in the database, renewed before each delivery so that it outlasts the delivery (the lease is longer than
/// <see cref="ChatKitOutboxOptions.DeliveryTimeout"/>); so one node at a time delivers to a sink. Each cycle delivers the
/// due retries, then one page of the feed after the sink's checkpoint: a failed delivery becomes a retry entry (the
/// entries after it go on), and the checkpoint moves past the page with a compare-and-set. A crash anywhere means the
/// page is delivered again from the last checkpoint: at least once, deduplicated by the event's id.
/// </summary>
internal sealed partial class OutboxDispatcher : BackgroundService
{
    private const int MaxErrorLength = 2_000;

    private readonly IReadOnlyList<IChatEventSink> _sinks;
    private readonly IServiceProvider _services;
    private readonly ChatKitOutboxOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<OutboxDispatcher> _logger;
    private readonly OutboxMetrics _metrics;
    private IChatStore _feed = null!;
    private IChatOutboxStore _store = null!;

    public OutboxDispatcher(
        IEnumerable<IChatEventSink> sinks,
        IServiceProvider services,
        IOptions<ChatKitOutboxOptions> options,
        TimeProvider time,
        ILogger<OutboxDispatcher> logger)
    {
        _sinks = [.. sinks];
        _services = services;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _metrics = new OutboxMetrics(services.GetService<IMeterFactory>());
    }

    /// <summary>This node's id in leases: unique per dispatcher, readable in the database.</summary>
    public string NodeId { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        var store = _feed = _services.GetRequiredService<IChatStore>();
        _store = store as IChatOutboxStore
            ?? throw new InvalidOperationException(
                $"Event sinks need a store that keeps the outbox's state: {store.GetType().Name} does not implement IChatOutboxStore. "
                + "Use ChatKit's EF Core or MongoDB store (or the in-memory one), or implement IChatOutboxStore.");
        Log.OutboxStarted(_logger, _sinks.Count, NodeId);
        return base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_sinks.Select(sink => Task.Run(() => RunAsync(sink, stoppingToken), CancellationToken.None)));

    /// <summary>The name a sink's lease, checkpoint and retry entries are kept under: its type's full name.</summary>
    public static string SinkName(Type sinkType) => sinkType.FullName ?? sinkType.Name;

    /// <summary>The name of a sink instance: a batching sink names itself (one generic sink type serves several channels).</summary>
    public static string SinkName(IChatEventSink sink) => sink is IBatchingEventSink batching ? batching.Name : SinkName(sink.GetType());

    private async Task RunAsync(IChatEventSink sink, CancellationToken stoppingToken)
    {
        var name = SinkName(sink);
        var lease = new Lease(this, "outbox:" + name);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var more = false;
                try
                {
                    if (await lease.RenewAsync(stoppingToken).ConfigureAwait(false))
                    {
                        more = sink is IBatchingEventSink batching
                            ? await CycleBatchAsync(batching, name, lease, stoppingToken).ConfigureAwait(false)
                            : await CycleAsync(sink, name, lease, stoppingToken).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception exception)
                {
                    Log.OutboxCycleFailed(_logger, name, _options.PollInterval, exception);
                }

                if (!more)
                {
                    await Task.Delay(_options.PollInterval, _time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
            }
        }
        finally
        {
            await lease.ReleaseAsync().ConfigureAwait(false);
        }
    }

    /// <summary>One cycle while holding the lease; returns whether more work is waiting right now.</summary>
    private async Task<bool> CycleAsync(IChatEventSink sink, string name, Lease lease, CancellationToken ct)
    {
        var due = await _store.GetDueOutboxRetriesAsync(name, Now(), _options.BatchSize, ct).ConfigureAwait(false);
        foreach (var retry in due)
        {
            if (!await lease.RenewIfDueAsync(ct).ConfigureAwait(false))
            {
                return false;
            }

            ChatEvent chatEvent;
            try
            {
                chatEvent = ChatEventJson.Deserialize(retry.EventType, retry.Payload) with { EventId = retry.EventId };
            }
            catch (Exception exception) when (exception is System.Text.Json.JsonException or NotSupportedException or ArgumentException)
            {
                await FailAsync(name, retry with { Attempts = _options.MaxAttempts }, "the stored event cannot be read: " + exception.Message, ct).ConfigureAwait(false);
                continue;
            }

            await RetryAsync(name, retry, (attempt, t) => sink.DeliverAsync(new OutboxEntry(retry.EventId, chatEvent, retry.OccurredAt, attempt), t), ct).ConfigureAwait(false);
        }

        var checkpoint = await _store.GetOutboxCheckpointAsync(name, ct).ConfigureAwait(false);
        var page = await _feed.ReadEventFeedAsync(checkpoint?.Cursor, _options.BatchSize, ct).ConfigureAwait(false);
        foreach (var stored in page.Events)
        {
            if (!await lease.RenewIfDueAsync(ct).ConfigureAwait(false))
            {
                return false;
            }

            var chatEvent = stored.Event.EventId == stored.Id ? stored.Event : stored.Event with { EventId = stored.Id };
            await DeliverFirstAsync(
                name,
                stored.Id,
                stored.OccurredAt,
                () => (ChatEventJson.TypeOf(stored.Event), ChatEventJson.Serialize(stored.Event)),
                t => sink.DeliverAsync(new OutboxEntry(stored.Id, chatEvent, stored.OccurredAt, 1), t),
                ct).ConfigureAwait(false);
        }

        return await AdvanceAsync(name, lease, checkpoint, page.Cursor, ct).ConfigureAwait(false)
            && (page.HasMore || due.Count == _options.BatchSize);
    }

    /// <summary>Moves a sink's checkpoint to <paramref name="cursor"/>; whether this node still holds the lease.</summary>
    private async Task<bool> AdvanceAsync(string name, Lease lease, OutboxCheckpoint? checkpoint, string cursor, CancellationToken ct)
    {
        if (cursor != checkpoint?.Cursor)
        {
            // Only the lease holder gets here, and only from the version it read: a node that lost the lease cannot move
            // the checkpoint back, and the holder goes on from wherever it is.
            if (!await lease.RenewIfDueAsync(ct).ConfigureAwait(false)
                || !await _store.SaveOutboxCheckpointAsync(name, cursor, checkpoint?.Version ?? 0, ct).ConfigureAwait(false))
            {
                Log.OutboxLeaseLost(_logger, name, NodeId);
                return false;
            }
        }

        return true;
    }

    /// <summary>Delivers one entry within the delivery timeout; returns <see langword="null"/> when delivered, else why not.</summary>
    private async Task<string?> DeliverAsync(Func<CancellationToken, ValueTask> deliver, CancellationToken stoppingToken)
    {
        using var timeout = new CancellationTokenSource(_options.DeliveryTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stoppingToken);
        try
        {
            // WaitAsync: a sink that ignores its token is no longer waited for at the timeout.
            await deliver(linked.Token).AsTask().WaitAsync(_options.DeliveryTimeout, _time, stoppingToken).ConfigureAwait(false);
            return null;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception exception) when (exception is TimeoutException || timeout.IsCancellationRequested)
        {
            return $"did not finish within {_options.DeliveryTimeout}";
        }
        catch (Exception exception)
        {
            var text = $"{exception.GetType().Name}: {exception.Message}";
            return text.Length <= MaxErrorLength ? text : text[..MaxErrorLength];
        }
    }

    /// <summary>
    /// Delivers a due retry entry as attempt <c>Attempts + 1</c> (<paramref name="deliver"/> gets that number): removes the
    /// entry once delivered, else records the failed attempt (<see cref="FailAsync"/>).
    /// </summary>
    private async Task RetryAsync(string name, OutboxRetryEntry retry, Func<int, CancellationToken, ValueTask> deliver, CancellationToken ct)
    {
        var attempt = retry.Attempts + 1;
        var error = await DeliverAsync(t => deliver(attempt, t), ct).ConfigureAwait(false);
        if (error is null)
        {
            await _store.DeleteOutboxRetryAsync(name, retry.EventId, ct).ConfigureAwait(false);
            _metrics.Delivered(name);
        }
        else
        {
            await FailAsync(name, retry with { Attempts = attempt }, error, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Delivers an event or work item for the first time; a failure keeps it as a retry entry under <paramref name="id"/>,
    /// with the type and payload <paramref name="describe"/> gives (asked for only then).
    /// </summary>
    private async Task DeliverFirstAsync(
        string name,
        string id,
        DateTimeOffset occurredAt,
        Func<(string Type, string Payload)> describe,
        Func<CancellationToken, ValueTask> deliver,
        CancellationToken ct)
    {
        var error = await DeliverAsync(deliver, ct).ConfigureAwait(false);
        if (error is null)
        {
            _metrics.Delivered(name);
            return;
        }

        var (type, payload) = describe();
        var entry = new OutboxRetryEntry
        {
            Sink = name,
            EventId = id,
            EventType = type,
            Payload = payload,
            OccurredAt = occurredAt,
            Attempts = 1,
            NextAttemptAt = Now(),
        };
        await FailAsync(name, entry, error, ct).ConfigureAwait(false);
    }

    /// <summary>Schedules the next attempt with exponential backoff and jitter, or dead-letters the entry.</summary>
    private async Task FailAsync(string name, OutboxRetryEntry entry, string error, CancellationToken ct)
    {
        var now = Now();
        if (entry.Attempts >= _options.MaxAttempts)
        {
            await _store.SaveOutboxRetryAsync(entry with { IsDeadLettered = true, NextAttemptAt = now, LastError = error }, ct).ConfigureAwait(false);
            _metrics.DeadLettered(name);
            Log.OutboxDeadLettered(_logger, name, entry.EventType, entry.EventId, entry.Attempts, error);
            return;
        }

        var next = now + Backoff(entry.Attempts);
        await _store.SaveOutboxRetryAsync(entry with { NextAttemptAt = next, LastError = error }, ct).ConfigureAwait(false);
        _metrics.Failed(name);
        Log.OutboxDeliveryFailed(_logger, name, entry.EventType, entry.EventId, entry.Attempts, next, error);
    }

    /// <summary>The delay after <paramref name="attempts"/> failures: base × 2^(attempts − 1), capped, minus up to half of it at random.</summary>
    internal TimeSpan Backoff(int attempts)
    {
        var exponential = _options.RetryBaseDelay.Ticks * Math.Pow(2, Math.Min(attempts - 1, 40));
        var delay = Math.Min(exponential, _options.RetryMaxDelay.Ticks);
        return TimeSpan.FromTicks((long)(delay - (Random.Shared.NextDouble() * delay / 2)));
    }

    private DateTimeOffset Now() => Ids.Now(_time);

    /// <summary>This node's hold on one sink's lease.</summary>
    private sealed class Lease(OutboxDispatcher dispatcher, string name)
    {
        private DateTimeOffset? _renewedAt;
        private bool _held;

        /// <summary>Takes or renews the lease; whether this node holds it.</summary>
        public async Task<bool> RenewAsync(CancellationToken ct)
        {
            var now = dispatcher.Now();
            var held = await dispatcher._store.TryAcquireOutboxLeaseAsync(name, dispatcher.NodeId, now, dispatcher._options.LeaseDuration, ct).ConfigureAwait(false);
            if (held && !_held)
            {
                Log.OutboxLeaseTaken(dispatcher._logger, name, dispatcher.NodeId);
            }

            (_held, _renewedAt) = (held, held ? now : null);
            return held;
        }

        /// <summary>
        /// Renews the lease when half the slack between the lease and one delivery has passed since the last renewal, so
        /// the lease always has more than one delivery timeout left when a delivery starts.
        /// </summary>
        public async Task<bool> RenewIfDueAsync(CancellationToken ct)
        {
            var slack = (dispatcher._options.LeaseDuration - dispatcher._options.DeliveryTimeout) / 2;
            return _renewedAt is { } at && dispatcher.Now() - at < slack || await RenewAsync(ct).ConfigureAwait(false);
        }

        public async Task ReleaseAsync()
        {
            if (!_held)
            {
                return;
            }

            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await dispatcher._store.ReleaseOutboxLeaseAsync(name, dispatcher.NodeId, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                // Not released: it expires by itself after the lease duration.
                Log.OutboxCycleFailed(dispatcher._logger, name, dispatcher._options.LeaseDuration, exception);
            }
        }
    }
}
