using ChatKit.Events;
using ChatKit.Internal.Outbox;
using ChatKit.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatKit.Internal;

/// <summary>
/// Bounds the event log: every <see cref="ChatKitOptions.EventPurgeInterval"/> (on ChatKit's <see cref="TimeProvider"/>)
/// deletes, in batches, the events older than <see cref="ChatKitOptions.SyncRetention"/> plus <see cref="Margin"/>, except
/// those an outbox sink has not passed yet (after its checkpoint). Every node may run it: the store's purge is idempotent.
/// </summary>
/// <remarks>
/// Why no sync misses a purged event: sync answers <c>limited</c> for a cursor issued more than
/// <see cref="ChatKitOptions.SyncRetention"/> ago, and every event after a younger cursor happened after that cursor was
/// issued, less clock skew between nodes and the time a change takes to commit, both far below <see cref="Margin"/>.
/// </remarks>
internal sealed class EventRetentionSweeper(
    IServiceProvider services,
    IEnumerable<IChatEventSink> sinks,
    IOptions<ChatKitOptions> options,
    TimeProvider time,
    ILogger<EventRetentionSweeper> logger) : BackgroundService
{
    /// <summary>The most events one purge call deletes: one short statement or batch each.</summary>
    public const int BatchSize = 1_000;

    /// <summary>Kept beyond the retention, for clock skew between nodes and slow commits.</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.EventPurgeInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await SweepAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    Log.EventPurgeFailed(logger, options.Value.EventPurgeInterval, exception);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One sweep: purges batch after batch until less than a batch was purgeable. Returns how many it deleted.</summary>
    public async Task<long> SweepAsync(CancellationToken cancellationToken)
    {
        var store = services.GetRequiredService<IChatStore>();
        var before = time.GetUtcNow() - options.Value.SyncRetention - Margin;
        var keepAfter = new List<string>();
        foreach (var sink in sinks)
        {
            if (store is not IChatOutboxStore outbox)
            {
                return 0; // the dispatcher refuses such a store; purge nothing a sink might still need
            }

            if (await outbox.GetOutboxCheckpointAsync(OutboxDispatcher.SinkName(sink), cancellationToken).ConfigureAwait(false) is { } checkpoint)
            {
                keepAfter.Add(checkpoint.Cursor);
            }
        }

        var total = 0L;
        int deleted;
        do
        {
            deleted = await store.PurgeEventsAsync(before, keepAfter, BatchSize, cancellationToken).ConfigureAwait(false);
            total += deleted;
        }
        while (deleted >= BatchSize);

        if (total > 0)
        {
            Log.EventsPurged(logger, total, before);
        }

        return total;
    }
}
