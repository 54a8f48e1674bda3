using System.Collections.Concurrent;
using System.Globalization;
using ChatKit.Presence;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatKit.Scaleout.Redis.Internal;

/// <summary>
/// Cluster-wide presence in Redis: a user is online while any node holds a connection of theirs. Each node records its
/// connections under its node id; <see cref="RedisPresenceMaintenance"/> keeps the node alive with a heartbeat and
/// removes the connections of nodes that stopped beating. The node also keeps its own connections in memory, so it can
/// answer while Redis is unreachable and put them back when Redis returns (or after another node wrongly reaped it).
/// </summary>
/// <remarks>
/// Failures of Redis never escape to the caller: an open or closed connection is recorded locally, logged, and
/// reconciled with Redis at the next successful heartbeat; reads fall back to this node's connections. While Redis is
/// stalled (connected but not answering, see <see cref="RedisConnection.IsStalled"/>) it is treated as down, so a
/// connection never waits on a hung Redis; when healthy, every call waits for Redis' answer, however slow.
/// </remarks>
internal sealed class RedisPresenceTracker : IPresenceTracker
{
    private static readonly AsyncLocal<bool> Restoring = new();
    private readonly RedisConnection _redis;
    private readonly ILogger _logger;
    private readonly string _nodeTimeoutMs;
    private readonly ConcurrentDictionary<string, string> _local = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _unrecordedCloses = new(StringComparer.Ordinal);
    private int _resyncNeeded;

    public RedisPresenceTracker(RedisConnection redis, IOptions<ChatKitRedisOptions> options, ILogger<RedisPresenceTracker> logger)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(options);
        _redis = redis;
        _logger = logger;
        var value = options.Value;
        var nodeId = value.NodeId ?? $"{Environment.MachineName}-{Guid.NewGuid():N}";
        Keys = new RedisPresenceKeys(value.KeyPrefix, nodeId);
        _nodeTimeoutMs = ((long)value.NodeTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        _redis.Restored += (_, _) => MarkResyncNeeded();
    }

    public RedisPresenceKeys Keys { get; }

    public string NodeId => Keys.NodeId;

    /// <inheritdoc/>
    public async ValueTask<bool> AddConnectionAsync(string userId, string connectionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(connectionId);
        cancellationToken.ThrowIfCancellationRequested();
        if (!Restoring.Value)
        {
            _local[connectionId] = userId;
        }

        try
        {
            _redis.ThrowIfStalled();
            return await AddToRedisAsync(userId, connectionId).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            Log.PresenceDegraded(_logger, "add", userId, ex);
            MarkResyncNeeded();
            return false;
        }
    }

    /// <inheritdoc/>
    public async ValueTask<bool> RemoveConnectionAsync(string userId, string connectionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(connectionId);
        _local.TryRemove(connectionId, out _);
        try
        {
            // Not cancellable once started: a half-recorded close would leave the user online.
            _redis.ThrowIfStalled();
            return await RemoveFromRedisAsync(userId, connectionId).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            Log.PresenceDegraded(_logger, "remove", userId, ex);
            _unrecordedCloses[connectionId] = userId;
            MarkResyncNeeded();
            return false;
        }
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyCollection<string>> GetOnlineUsersAsync(IReadOnlyCollection<string> userIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userIds);
        if (userIds.Count == 0)
        {
            return [];
        }

        try
        {
            var db = await _redis.GetAnsweringDatabaseAsync().ConfigureAwait(false);
            var ids = userIds.Distinct(StringComparer.Ordinal).ToArray();
            var checks = new Task<bool>[ids.Length];
            for (var i = 0; i < ids.Length; i++)
            {
                checks[i] = db.KeyExistsAsync(Keys.User(ids[i]));
            }

            var exists = await Task.WhenAll(checks).WaitAsync(cancellationToken).ConfigureAwait(false);
            var online = new List<string>();
            for (var i = 0; i < ids.Length; i++)
            {
                if (exists[i])
                {
                    online.Add(ids[i]);
                }
            }

            return online;
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            Log.PresenceReadDegraded(_logger, ex);
            var local = _local.Values.ToHashSet(StringComparer.Ordinal);
            return [.. userIds.Where(local.Contains).Distinct(StringComparer.Ordinal)];
        }
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyCollection<string>> GetConnectionsAsync(string userId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userId);
        try
        {
            var db = await _redis.GetAnsweringDatabaseAsync().ConfigureAwait(false);
            var fields = await db.HashKeysAsync(Keys.User(userId)).WaitAsync(cancellationToken).ConfigureAwait(false);
            return [.. fields.Select(f => f.ToString())];
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            Log.PresenceReadDegraded(_logger, ex);
            return [.. _local.Where(p => p.Value == userId).Select(p => p.Key)];
        }
    }

    /// <summary>Starts opening the Redis connection without waiting for it.</summary>
    public void StartConnecting() => _redis.StartConnecting();

    /// <summary>Marks that this node must compare its connections with Redis at the next heartbeat.</summary>
    public void MarkResyncNeeded() => Volatile.Write(ref _resyncNeeded, 1);

    /// <summary>Takes the local resynchronisation mark.</summary>
    public bool TakeResyncNeeded() => Interlocked.Exchange(ref _resyncNeeded, 0) == 1;

    /// <summary>Whether a connection is open on this node.</summary>
    public bool IsLocal(string connectionId) => _local.ContainsKey(connectionId);

    /// <summary>Connections that closed while Redis could not record it: connection id to user id.</summary>
    public KeyValuePair<string, string>[] UnrecordedCloses() => [.. _unrecordedCloses];

    /// <summary>Forgets an unrecorded close once it has been dealt with.</summary>
    public void ForgetUnrecordedClose(string connectionId, string userId) =>
        _unrecordedCloses.TryRemove(new KeyValuePair<string, string>(connectionId, userId));

    /// <summary>Whether Redis holds any connection of the user, on any node.</summary>
    public async Task<bool> IsOnlineInRedisAsync(string userId)
    {
        var db = await _redis.GetDatabaseAsync().ConfigureAwait(false);
        return await db.KeyExistsAsync(Keys.User(userId)).ConfigureAwait(false);
    }

    /// <summary>This node's open connections: connection id to user id.</summary>
    public KeyValuePair<string, string>[] LocalConnections() => [.. _local];

    /// <summary>
    /// Within the returned scope, <see cref="AddConnectionAsync"/> writes to Redis only, not to this node's list: used
    /// to put a connection back in Redis through <c>PresenceService</c> (which publishes "online" when it is the user's
    /// first) without resurrecting a connection that closed meanwhile.
    /// </summary>
    public static IDisposable BeginRestore()
    {
        Restoring.Value = true;
        return new RestoreScope();
    }

    /// <summary>Renews this node's liveness; returns whether Redis asks for a resynchronisation.</summary>
    public async Task<bool> HeartbeatAsync()
    {
        var db = await _redis.GetDatabaseAsync().ConfigureAwait(false);
        var result = await db.ScriptEvaluateAsync(
            RedisPresenceScripts.Heartbeat,
            [Keys.Alive, Keys.Nodes, Keys.Reaped],
            [NodeId, _nodeTimeoutMs]).ConfigureAwait(false);
        _redis.NotifyReachable();
        return (long)result == 1;
    }

    /// <summary>The connections Redis holds for this node: connection id to user id.</summary>
    public async Task<Dictionary<string, string>> GetRegisteredConnectionsAsync()
    {
        var db = await _redis.GetDatabaseAsync().ConfigureAwait(false);
        var entries = await db.HashGetAllAsync(Keys.Connections).ConfigureAwait(false);
        return entries.ToDictionary(e => e.Name.ToString(), e => e.Value.ToString(), StringComparer.Ordinal);
    }

    /// <summary>Adds a connection in Redis only; throws when Redis fails.</summary>
    public async Task<bool> AddToRedisAsync(string userId, string connectionId)
    {
        var db = await _redis.GetDatabaseAsync().ConfigureAwait(false);
        var result = await db.ScriptEvaluateAsync(
            RedisPresenceScripts.Add,
            [Keys.User(userId), Keys.Connections, Keys.Nodes, Keys.Alive],
            [connectionId, userId, NodeId, _nodeTimeoutMs]).ConfigureAwait(false);
        return (long)result == 1;
    }

    /// <summary>Removes a connection in Redis only; throws when Redis fails. Returns whether it was the user's last.</summary>
    public async Task<bool> RemoveFromRedisAsync(string userId, string connectionId)
    {
        var db = await _redis.GetDatabaseAsync().ConfigureAwait(false);
        var result = await db.ScriptEvaluateAsync(
            RedisPresenceScripts.Remove,
            [Keys.User(userId), Keys.Connections],
            [connectionId]).ConfigureAwait(false);
        return (long)result == 1;
    }

    /// <summary>The nodes registered in Redis whose liveness key is gone, this one excepted.</summary>
    public async Task<List<string>> FindDeadNodesAsync()
    {
        var db = await _redis.GetDatabaseAsync().ConfigureAwait(false);
        var members = await db.SetMembersAsync(Keys.Nodes).ConfigureAwait(false);
        var nodes = members.Select(m => m.ToString()).Where(n => n != NodeId).ToArray();
        var alive = await Task.WhenAll(nodes.Select(n => db.KeyExistsAsync(Keys.AliveOf(n)))).ConfigureAwait(false);
        return [.. nodes.Where((_, i) => !alive[i])];
    }

    /// <summary>
    /// Claims a dead node and removes its connections, atomically: only one caller in the cluster gets a non-empty
    /// answer for a node. Returns the users who are offline now.
    /// </summary>
    public async Task<string[]> ReapAsync(string deadNodeId, TimeSpan markerLifetime)
    {
        var db = await _redis.GetDatabaseAsync().ConfigureAwait(false);
        var result = await db.ScriptEvaluateAsync(
            RedisPresenceScripts.Reap,
            [Keys.Nodes],
            [Keys.Prefix, deadNodeId, ((long)markerLifetime.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)]).ConfigureAwait(false);
        return [.. ((RedisResult[])result!).Select(r => r.ToString())];
    }

    /// <summary>Whether an exception means Redis could not be reached or failed, as opposed to a bug.</summary>
    public static bool IsRedisFailure(Exception exception) =>
        exception is RedisException or TimeoutException or ObjectDisposedException;

    private sealed class RestoreScope : IDisposable
    {
        public void Dispose() => Restoring.Value = false;
    }
}
