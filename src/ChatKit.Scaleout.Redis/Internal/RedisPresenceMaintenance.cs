using ChatKit.Services;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatKit.Scaleout.Redis.Internal;

/// <summary>
/// Keeps this node's presence honest, on <see cref="TimeProvider"/> timers: a heartbeat renews the node's liveness key
/// and, when needed, resynchronises the node's connections with Redis; a reaper removes the connections of nodes whose
/// liveness key expired and reports their users offline through <see cref="PresenceService"/>, once in the cluster.
/// </summary>
/// <remarks>
/// A hosted service rather than part of the tracker, because it needs both the tracker and <see cref="PresenceService"/>,
/// which itself depends on the tracker.
/// </remarks>
internal sealed class RedisPresenceMaintenance : BackgroundService
{
    private static readonly TimeSpan ReapedMarkerLifetime = TimeSpan.FromHours(1);
    private readonly RedisPresenceTracker _tracker;
    private readonly PresenceService _presence;
    private readonly ChatKitRedisOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _reaperPasses;
    private long _heartbeats;

    public RedisPresenceMaintenance(
        RedisPresenceTracker tracker,
        PresenceService presence,
        IOptions<ChatKitRedisOptions> options,
        TimeProvider time,
        ILogger<RedisPresenceMaintenance> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _tracker = tracker;
        _presence = presence;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>How many reaper passes completed (for tests and diagnostics).</summary>
    public long ReaperPasses => Interlocked.Read(ref _reaperPasses);

    /// <summary>How many heartbeats reached Redis (for tests and diagnostics).</summary>
    public long Heartbeats => Interlocked.Read(ref _heartbeats);

    /// <inheritdoc/>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Never holds the host's start-up: Redis may be down. The first heartbeat runs in the background; until it
        // does, the first connection's presence script registers the node and gives it a liveness key.
        Log.NodeStarted(_logger, _tracker.NodeId, _tracker.Keys.Prefix);
        _tracker.StartConnecting();
        return base.StartAsync(cancellationToken);
    }

    /// <summary>Renews the liveness key and resynchronises when Redis or this node asks for it.</summary>
    public async Task BeatAsync()
    {
        bool resync;
        try
        {
            resync = await _tracker.HeartbeatAsync().ConfigureAwait(false);
            Interlocked.Increment(ref _heartbeats);
        }
        catch (Exception ex) when (RedisPresenceTracker.IsRedisFailure(ex))
        {
            Log.HeartbeatFailed(_logger, _tracker.NodeId, ex);
            _tracker.MarkResyncNeeded();
            return;
        }

        if (_tracker.TakeResyncNeeded() | resync)
        {
            try
            {
                await ResynchroniseAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (RedisPresenceTracker.IsRedisFailure(ex))
            {
                Log.ResyncFailed(_logger, _tracker.NodeId, ex);
                _tracker.MarkResyncNeeded();
            }
        }
    }

    /// <summary>
    /// Looks for dead nodes and removes their connections; publishes "offline" for the users who have none left.
    /// Only the node whose claim succeeds publishes, so each transition is reported once.
    /// </summary>
    public async Task ReapOnceAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            foreach (var dead in await _tracker.FindDeadNodesAsync().ConfigureAwait(false))
            {
                var offline = await _tracker.ReapAsync(dead, ReapedMarkerLifetime).ConfigureAwait(false);
                if (offline.Length > 0)
                {
                    Log.NodeReaped(_logger, dead, _tracker.NodeId, offline.Length);
                }

                foreach (var userId in offline)
                {
                    try
                    {
                        await _presence.ConnectionsExpiredAsync(userId, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        // The claim is taken: carry on with the others rather than lose them too.
                        Log.OfflineNotPublished(_logger, userId, ex);
                    }
                }
            }
        }
        catch (Exception ex) when (RedisPresenceTracker.IsRedisFailure(ex))
        {
            Log.ReaperFailed(_logger, _tracker.NodeId, ex);
        }
        finally
        {
            Interlocked.Increment(ref _reaperPasses);
        }
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        await Task.WhenAll(
            RunEveryAsync(_options.HeartbeatInterval, _ => BeatAsync(), runFirst: true, stoppingToken),
            RunEveryAsync(_options.ReaperInterval, ReapOnceAsync, runFirst: false, stoppingToken)).ConfigureAwait(false);
    }

    private async Task RunEveryAsync(TimeSpan interval, Func<CancellationToken, Task> action, bool runFirst, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, _time);
        try
        {
            if (runFirst)
            {
                await RunOnceAsync(action, stoppingToken).ConfigureAwait(false);
            }

            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await RunOnceAsync(action, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping. The liveness key expires by itself; connections still open are removed as the
            // server closes them, or by the other nodes' reapers.
        }
    }

    private async Task RunOnceAsync(Func<CancellationToken, Task> action, CancellationToken stoppingToken)
    {
        try
        {
            await action(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A store or publisher failure must not stop the heartbeat or the reaper.
            Log.MaintenanceFailed(_logger, _tracker.NodeId, ex);
        }
    }

    /// <summary>
    /// Makes Redis hold exactly this node's open connections: removes those Redis holds that closed here (publishing
    /// "offline" for users left without one) and puts back those Redis lost (publishing "online" for users who had none).
    /// A close Redis missed also reports the user offline when Redis no longer knows any connection of theirs (it may
    /// have lost its data): at least once, rather than never.
    /// </summary>
    private async Task ResynchroniseAsync()
    {
        var registered = await _tracker.GetRegisteredConnectionsAsync().ConfigureAwait(false);
        var removed = 0;
        var added = 0;
        foreach (var (connectionId, userId) in registered)
        {
            if (_tracker.IsLocal(connectionId))
            {
                continue;
            }

            removed++;
            if (await _tracker.RemoveFromRedisAsync(userId, connectionId).ConfigureAwait(false))
            {
                await _presence.ConnectionsExpiredAsync(userId).ConfigureAwait(false);
            }

            _tracker.ForgetUnrecordedClose(connectionId, userId);
        }

        var localUsers = _tracker.LocalConnections().Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        foreach (var (connectionId, userId) in _tracker.UnrecordedCloses())
        {
            // Redis lost it (a restart without persistence): nobody else will report this user offline.
            if (!localUsers.Contains(userId) && !await _tracker.IsOnlineInRedisAsync(userId).ConfigureAwait(false))
            {
                removed++;
                await _presence.ConnectionsExpiredAsync(userId).ConfigureAwait(false);
            }

            _tracker.ForgetUnrecordedClose(connectionId, userId);
        }

        foreach (var (connectionId, userId) in _tracker.LocalConnections())
        {
            if (registered.ContainsKey(connectionId))
            {
                continue;
            }

            added++;
            using (RedisPresenceTracker.BeginRestore())
            {
                // Through PresenceService, so a user who had no connection in Redis is reported online again.
                try
                {
                    await _presence.ConnectedAsync(new ChatUser(userId), connectionId).ConfigureAwait(false);
                }
                catch (ChatException ex) when (ex.Error == ChatErrorCode.RateLimited)
                {
                    // The user is at MaxConnectionsPerUser in Redis already: this open connection stays counted on this
                    // node only, until the next resynchronisation finds room for it.
                    continue;
                }
            }

            // Closed while being put back: take it out again.
            if (!_tracker.IsLocal(connectionId) && await _tracker.RemoveFromRedisAsync(userId, connectionId).ConfigureAwait(false))
            {
                await _presence.ConnectionsExpiredAsync(userId).ConfigureAwait(false);
            }
        }

        Log.Resynchronised(_logger, _tracker.NodeId, added, removed);
    }
}
