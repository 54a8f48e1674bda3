using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatKit.Scaleout.Redis.Internal;

/// <summary>
/// SignalR's Redis backplane, kept useful while Redis is away or hung. <see cref="RedisHubLifetimeManager{THub}"/> sends
/// even to this node's own connections through Redis pub/sub, so without Redis nobody would hear anything. This manager
/// delivers through the backplane when it can and, for each target (user, group, connection) whose publish never left
/// this node, to this node's connections (a <see cref="DefaultHubLifetimeManager{THub}"/> keeps them and their groups):
/// exact per target, so a send to several targets that fails part-way is never heard twice. A publish written to Redis
/// whose outcome is unknown is not delivered again; clients recover it by seq. It waits for Redis at most
/// <see cref="ChatKitRedisOptions.OperationTimeout"/>, writes to this node's own connections directly, and while Redis
/// is stalled treats new connections and groups as during an outage. Connections that open, and groups joined, while
/// Redis is away are given to the backplane when it returns, so they hear the other nodes again. Registered by
/// <c>UseRedis</c> for ChatKit's hub only, with SignalR Redis options of its own.
/// </summary>
/// <remarks>
/// Sends to groups (all of ChatKit's events go to user or room groups) do not use SignalR's one channel per group: a send
/// to any number of groups is serialized once and published once on the hub's fan-out channel, which every node
/// subscribes to; each node writes it to its own connections in those groups. The sending node writes to its own
/// connections at once, whether or not Redis takes the publish, and ignores its own copy, so a local connection hears a
/// send exactly once. Removals of another node's connection from a group are announced on the same channel, so every
/// send published after the announcement is applied after the removal on every node.
/// </remarks>
/// <typeparam name="THub">The hub.</typeparam>
internal sealed class ResilientHubLifetimeManager<THub> : HubLifetimeManager<THub>, IDisposable
    where THub : Hub
{
    /// <summary>
    /// How long a group change for another node's connection waits for that node's acknowledgement. SignalR waits 30
    /// seconds and then fails when no node holds the connection any more (it closed, or its node died).
    /// </summary>
    private static readonly TimeSpan RemoteGroupTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The one channel of sends to groups and of group removals, in the order Redis received them (under the
    /// connection's channel prefix, like SignalR's own channels). A node announces there that it took another node's
    /// connection out of a group: SignalR tells only its own state on the node that holds the connection; this tells
    /// this class's state there (its group members, the groups waiting to be replayed), so a removed connection is
    /// removed everywhere.
    /// </summary>
    private static readonly RedisChannel FanOutChannel = RedisChannel.Literal(typeof(THub).FullName + ":chatkit:fan-out");

    private readonly RedisHubLifetimeManager<THub> _redis;
    private readonly DefaultHubLifetimeManager<THub> _local;
    private readonly RedisConnection _connection;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, ConnectionState> _connections = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string ConnectionId, string GroupName), byte> _remoteRemovals = new();
    private readonly GroupMembers _members = new();
    private readonly IHubProtocol[] _protocols;
    private readonly Guid _origin = Guid.NewGuid();
    private ChannelMessageQueue? _fanOut;
    private int _replayNeeded;
    private int _replaying;
    private int _fallbackLogged;

    public ResilientHubLifetimeManager(
        IServiceProvider services,
        RedisConnection connection,
        TimeProvider time,
        IHubProtocolResolver protocols,
        IOptions<HubOptions<THub>> hubOptions,
        IOptions<HubOptions> globalHubOptions,
        ILogger<DefaultHubLifetimeManager<THub>> localLogger,
        ILogger<ResilientHubLifetimeManager<THub>> logger)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(protocols);
        ArgumentNullException.ThrowIfNull(hubOptions);
        ArgumentNullException.ThrowIfNull(globalHubOptions);
        // The hub's own protocol resolver when it has one (ChatKit's hub: its MessagePack writes the contract's names).
        var hubResolver = services.GetKeyedService<IHubProtocolResolver>(typeof(THub));
        // The protocols this hub's connections may speak, as SignalR's own serializer picks them.
        var resolver = hubResolver ?? protocols;
        var supported = hubOptions.Value.SupportedProtocols ?? globalHubOptions.Value.SupportedProtocols;
        _protocols = supported is { Count: > 0 }
            ? [.. resolver.AllProtocols.Where(p => supported.Contains(p.Name, StringComparer.OrdinalIgnoreCase))]
            : [.. resolver.AllProtocols];
        // Created (and disposed) here rather than by the container, so its disposal cannot fail the host's shutdown. Its
        // options are its own, never the host's RedisOptions: the host may run its own backplane for its own hubs.
        var redisOptions = Options.Create(new RedisOptions
        {
            Configuration = connection.Configuration,
            ConnectionFactory = _ => connection.GetSignalRMultiplexerAsync(),
        });
        _redis = hubResolver is not null
            ? ActivatorUtilities.CreateInstance<RedisHubLifetimeManager<THub>>(services, redisOptions, hubResolver)
            : ActivatorUtilities.CreateInstance<RedisHubLifetimeManager<THub>>(services, redisOptions);
        _connection = connection;
        _time = time;
        _local = new DefaultHubLifetimeManager<THub>(localLogger);
        _logger = logger;
        _connection.Restored += (_, _) => TriggerReplay();
        _connection.Reachable += (_, _) => TriggerReplay();
        _ = SubscribeToFanOutAsync();
    }

    public override async Task OnConnectedAsync(HubConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var state = new ConnectionState(connection);
        _connections[connection.ConnectionId] = state;
        await _local.OnConnectedAsync(connection).ConfigureAwait(false);
        await state.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            await JoinBackplaneAsync(state).ConfigureAwait(false);
        }
        finally
        {
            state.Gate.Release();
        }
    }

    public override async Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await _local.OnDisconnectedAsync(connection).ConfigureAwait(false);
        if (!_connections.TryRemove(connection.ConnectionId, out var state))
        {
            return;
        }

        state.LeaveAllLocalGroups(_members);

        await state.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            state.Closed = true;
            if (state.InBackplane)
            {
                await TryAsync(() => _connection.WaitUnlessStalledAsync(_redis.OnDisconnectedAsync(connection)), "a disconnection").ConfigureAwait(false);
            }
        }
        finally
        {
            state.Gate.Release();
        }
    }

    public override Task SendAllAsync(string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        SendAsync(m => m.SendAllAsync(methodName, args, cancellationToken), methodName);

    public override Task SendAllExceptAsync(string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default) =>
        SendAsync(m => m.SendAllExceptAsync(methodName, args, excludedConnectionIds, cancellationToken), methodName);

    public override Task SendConnectionAsync(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        _connections.ContainsKey(connectionId)
            // This node's own connection (an acknowledgement, say): written directly, as SignalR's Redis manager does too,
            // so it never waits on Redis.
            ? _local.SendConnectionAsync(connectionId, methodName, args, cancellationToken)
            : SendAsync(m => m.SendConnectionAsync(connectionId, methodName, args, cancellationToken), methodName);

    // A send to several targets is one send per target, each with its own fallback: when Redis fails part-way, only the
    // targets Redis did not take are delivered locally, so no local connection hears an event twice.
    public override Task SendConnectionsAsync(IReadOnlyList<string> connectionIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        SendEachAsync(connectionIds, id => SendConnectionAsync(id, methodName, args, cancellationToken));

    public override Task SendGroupAsync(string groupName, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groupName);
        return FanOutAsync([groupName], [], methodName, args);
    }

    // One publish for all the groups, however many: see the class remarks.
    public override Task SendGroupsAsync(IReadOnlyList<string> groupNames, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groupNames);
        return groupNames.Count == 0 ? Task.CompletedTask : FanOutAsync(groupNames, [], methodName, args);
    }

    public override Task SendGroupExceptAsync(string groupName, string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groupName);
        ArgumentNullException.ThrowIfNull(excludedConnectionIds);
        return FanOutAsync([groupName], excludedConnectionIds, methodName, args);
    }

    public override Task SendUserAsync(string userId, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        SendAsync(m => m.SendUserAsync(userId, methodName, args, cancellationToken), methodName);

    public override Task SendUsersAsync(IReadOnlyList<string> userIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        SendEachAsync(userIds, user => SendAsync(m => m.SendUserAsync(user, methodName, args, cancellationToken), methodName));

    public override async Task AddToGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connectionId);
        ArgumentNullException.ThrowIfNull(groupName);
        await _local.AddToGroupAsync(connectionId, groupName, cancellationToken).ConfigureAwait(false);
        if (!_connections.TryGetValue(connectionId, out var state))
        {
            // A connection of another node: only the backplane can reach it. SignalR adds it to its own state there, and
            // the announcement to the group's members there, which sends to the group are delivered from.
            try
            {
                await _redis.AddToGroupAsync(connectionId, groupName, cancellationToken).WaitAsync(RemoteGroupTimeout, _time, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await AnnounceAsync(FanOutMessage.Membership(_origin, connectionId, groupName, added: true), "announcing a group addition").ConfigureAwait(false);
            }

            return;
        }

        state.AddLocalGroup(_members, groupName);
        await state.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (state.Closed)
            {
                return;
            }

            if (!state.InBackplane || !await IsBackplaneUpAsync().ConfigureAwait(false) || _connection.IsStalled)
            {
                state.PendingGroups.Add(groupName);
                MarkReplayNeeded();
                return;
            }

            await JoinGroupInBackplaneAsync(state, groupName).ConfigureAwait(false);
        }
        finally
        {
            state.Gate.Release();
        }
    }

    public override async Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connectionId);
        ArgumentNullException.ThrowIfNull(groupName);
        await _local.RemoveFromGroupAsync(connectionId, groupName, cancellationToken).ConfigureAwait(false);
        if (!_connections.TryGetValue(connectionId, out var state))
        {
            await RemoveRemoteAsync(connectionId, groupName, cancellationToken).ConfigureAwait(false);
            return;
        }

        state.RemoveLocalGroup(_members, groupName);
        await state.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!state.PendingGroups.Remove(groupName) && state.InBackplane)
            {
                // Leaving is local bookkeeping first; an unsubscribe Redis missed is not needed after a reconnect.
                await TryAsync(() => _connection.WaitUnlessStalledAsync(_redis.RemoveFromGroupAsync(connectionId, groupName, cancellationToken)), "leaving a group").ConfigureAwait(false);
            }
        }
        finally
        {
            state.Gate.Release();
        }
    }

    public override Task<T> InvokeConnectionAsync<T>(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken) =>
        _redis.InvokeConnectionAsync<T>(connectionId, methodName, args, cancellationToken);

    public override Task SetConnectionResultAsync(string connectionId, CompletionMessage result) =>
        _redis.SetConnectionResultAsync(connectionId, result);

    public override bool TryGetReturnType(string invocationId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Type? type) =>
        _redis.TryGetReturnType(invocationId, out type);

    /// <summary>Whether a connection of this node is in a group as local delivery sees it (for tests and diagnostics).</summary>
    public bool IsInLocalGroup(string connectionId, string groupName) =>
        _connections.TryGetValue(connectionId, out var state) && state.InLocalGroup(groupName);

    /// <summary>
    /// Whether a failure means the command never left this process, so delivering locally cannot duplicate it. A command
    /// that was written to Redis and then lost its answer (a timeout, or the link dropping while it was in flight) may
    /// have been published: it is not delivered again, and clients recover it by seq if it was not.
    /// </summary>
    private static bool NotSent(Exception exception) => exception switch
    {
        RedisConnectionException connection => connection.CommandStatus is CommandStatus.WaitingToBeSent or CommandStatus.WaitingInBacklog,
        RedisTimeoutException timeout => timeout.Commandstatus is CommandStatus.WaitingToBeSent or CommandStatus.WaitingInBacklog,
        ObjectDisposedException => true,
        _ => false,
    };

    private static Task SendEachAsync(IReadOnlyList<string> targets, Func<string, Task> send)
    {
        ArgumentNullException.ThrowIfNull(targets);
        return targets.Count switch
        {
            0 => Task.CompletedTask,
            1 => send(targets[0]),
            _ => Task.WhenAll(targets.Distinct(StringComparer.Ordinal).Select(send)),
        };
    }

    /// <summary>
    /// Sends to one target through the backplane, or to this node's connections when Redis did not take it. Waits for
    /// Redis at most <see cref="ChatKitRedisOptions.OperationTimeout"/>: a publish Redis has not answered by then is
    /// left to complete in the background (it reaches every node, this one included, when Redis answers).
    /// </summary>
    private async Task SendAsync(Func<HubLifetimeManager<THub>, Task> send, string methodName)
    {
        if (await IsBackplaneUpAsync().ConfigureAwait(false))
        {
            try
            {
                if (!await _connection.WaitBoundedAsync(send(_redis)).ConfigureAwait(false))
                {
                    LogFallback(methodName, new TimeoutException("Redis did not answer in time; the event goes out when it does."));
                    return;
                }

                Volatile.Write(ref _fallbackLogged, 0);
                if (Volatile.Read(ref _replayNeeded) == 1)
                {
                    TriggerReplay();
                }

                return;
            }
            catch (Exception ex) when (NotSent(ex))
            {
                LogFallback(methodName, ex);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // Written to Redis, fate unknown: not delivered again (see NotSent).
                LogFallback(methodName, ex);
                return;
            }
        }
        else
        {
            LogFallback(methodName, new RedisConnectionException(ConnectionFailureType.UnableToConnect, "Redis is not connected."));
        }

        await send(_local).ConfigureAwait(false);
    }

    private void LogFallback(string methodName, Exception exception)
    {
        // Once per outage: every send of the outage falls back the same way.
        if (Interlocked.Exchange(ref _fallbackLogged, 1) == 0)
        {
            Log.BackplaneFallback(_logger, methodName, exception);
        }
    }

    /// <summary>
    /// Takes another node's connection out of a group. When Redis cannot take the request, it is kept and sent when
    /// Redis returns, so a connection removed from a conversation never goes on hearing its room.
    /// </summary>
    private async Task RemoveRemoteAsync(string connectionId, string groupName, CancellationToken cancellationToken)
    {
        if (!await IsBackplaneUpAsync().ConfigureAwait(false))
        {
            _remoteRemovals[(connectionId, groupName)] = 0;
            MarkReplayNeeded();
            return;
        }

        try
        {
            await _redis.RemoveFromGroupAsync(connectionId, groupName, cancellationToken).WaitAsync(RemoteGroupTimeout, _time, cancellationToken).ConfigureAwait(false);
            _remoteRemovals.TryRemove((connectionId, groupName), out _);
            await AnnounceRemovalAsync(connectionId, groupName).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            // No node acknowledged: no node's backplane holds the connection (it closed, its node died, or it opened
            // while that node's Redis was away). The announcement reaches the last case.
            _remoteRemovals.TryRemove((connectionId, groupName), out _);
            await AnnounceRemovalAsync(connectionId, groupName).ConfigureAwait(false);
            Log.BackplaneFallback(_logger, "removing another node's connection from a group", ex);
        }
        catch (Exception ex) when (NotSent(ex))
        {
            _remoteRemovals[(connectionId, groupName)] = 0;
            MarkReplayNeeded();
            Log.BackplaneFallback(_logger, "removing another node's connection from a group", ex);
        }
    }

    /// <summary>
    /// Whether Redis is connected. Right after start-up, waits for the first connection attempt rather than taking a
    /// connection that opens meanwhile for one that must work alone; afterwards it answers at once.
    /// </summary>
    private async ValueTask<bool> IsBackplaneUpAsync()
    {
        if (_connection.IsConnected)
        {
            return true;
        }

        try
        {
            await _connection.GetReadyMultiplexerAsync().ConfigureAwait(false);
            return _connection.IsConnected;
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>
    /// Sends to groups with one publish: serialized once (per hub protocol), written at once to this node's connections
    /// in those groups, and published once for the other nodes, which write it to theirs. A publish Redis does not take
    /// (down, stalled, or failing) is logged and not retried: clients on other nodes recover by seq.
    /// </summary>
    private Task FanOutAsync(IReadOnlyList<string> groups, IReadOnlyList<string> excluded, string methodName, object?[] args)
    {
        var invocation = new InvocationMessage(methodName, args);
        var serialized = new SerializedMessage[_protocols.Length];
        for (var i = 0; i < _protocols.Length; i++)
        {
            serialized[i] = new SerializedMessage(_protocols[i].Name, _protocols[i].GetMessageBytes(invocation));
        }

        DeliverLocally(groups, excluded, serialized);
        return PublishFanOutAsync(FanOutMessage.Send(_origin, groups, excluded, serialized), methodName);
    }

    /// <summary>
    /// Writes a send to this node's connections in the groups, each connection once. Not awaited: a connection writes in
    /// the order its sends were made (its write lock queues them), and one that stopped reading holds up only itself.
    /// </summary>
    private void DeliverLocally(IReadOnlyList<string> groups, IReadOnlyList<string> excluded, IReadOnlyList<SerializedMessage> serialized)
    {
        SerializedHubMessage? message = null;
        HashSet<string>? seen = groups.Count > 1 || excluded.Count > 0 ? new(excluded, StringComparer.Ordinal) : null;
        foreach (var group in groups)
        {
            if (_members.Of(group) is not { } connections)
            {
                continue;
            }

            foreach (var connection in connections)
            {
                if (seen is not null && !seen.Add(connection.ConnectionId))
                {
                    continue;
                }

                message ??= new SerializedHubMessage(serialized);
                var write = connection.WriteAsync(message);
                if (!write.IsCompletedSuccessfully)
                {
                    _ = ObserveWriteAsync(write);
                }
            }
        }
    }

    private async Task ObserveWriteAsync(ValueTask write)
    {
        try
        {
            await write.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // SignalR closes a connection whose write fails; its client reconnects and catches up by seq.
            Log.LocalWriteFailed(_logger, ex);
        }
    }

    private async Task PublishFanOutAsync(byte[] payload, string operation)
    {
        if (!await IsBackplaneUpAsync().ConfigureAwait(false))
        {
            LogFallback(operation, new RedisConnectionException(ConnectionFailureType.UnableToConnect, "Redis is not connected."));
            return;
        }

        try
        {
            var multiplexer = await _connection.GetReadyMultiplexerAsync().ConfigureAwait(false);
            if (!await _connection.WaitBoundedAsync(multiplexer.GetSubscriber().PublishAsync(FanOutChannel, payload)).ConfigureAwait(false))
            {
                LogFallback(operation, new TimeoutException("Redis did not answer in time; the event goes out when it does."));
                return;
            }

            Volatile.Write(ref _fallbackLogged, 0);
            if (Volatile.Read(ref _replayNeeded) == 1)
            {
                TriggerReplay();
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            // This node's connections have it already; the other nodes' clients recover it by seq.
            LogFallback(operation, ex);
        }
    }

    /// <summary>
    /// Subscribes to the fan-out channel once both Redis links are up, as an ordered queue: sends and removals are applied
    /// one after the other, in the order Redis took them. StackExchange.Redis subscribes it again after a reconnection.
    /// </summary>
    private async Task SubscribeToFanOutAsync()
    {
        while (true)
        {
            ISubscriber? subscriber = null;
            try
            {
                subscriber = (await _connection.GetSignalRMultiplexerAsync().ConfigureAwait(false)).GetSubscriber();
                var queue = await subscriber.SubscribeAsync(FanOutChannel).ConfigureAwait(false);
                queue.OnMessage(OnFanOutMessage);
                Volatile.Write(ref _fanOut, queue);
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (RedisException ex)
            {
                Log.BackplaneFallback(_logger, "subscribing to the fan-out channel", ex);
                // The failed attempt left its queue registered, where nobody reads it: take it away before trying again.
                if (subscriber is not null)
                {
                    try
                    {
                        await subscriber.UnsubscribeAsync(FanOutChannel).ConfigureAwait(false);
                    }
                    catch (RedisException)
                    {
                        // Unregistered locally all the same.
                    }
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200), _time).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Applies a message of the fan-out channel (in order; called by the subscription's queue).</summary>
    private void OnFanOutMessage(ChannelMessage channelMessage)
    {
        if ((byte[]?)channelMessage.Message is not { } payload || FanOutMessage.Read(payload) is not { } message || message.Origin == _origin)
        {
            return;
        }

        if (message.MemberConnectionId is { } connectionId)
        {
            if (message.Added)
            {
                OnAdditionAnnounced(connectionId, message.Groups[0]);
            }
            else
            {
                OnRemovalAnnounced(connectionId, message.Groups[0]);
            }
        }
        else
        {
            DeliverLocally(message.Groups, message.Excluded, message.Messages);
        }
    }

    private Task AnnounceRemovalAsync(string connectionId, string groupName) =>
        AnnounceAsync(FanOutMessage.Membership(_origin, connectionId, groupName, added: false), "announcing a group removal");

    private async Task AnnounceAsync(byte[] announcement, string operation)
    {
        try
        {
            var multiplexer = await _connection.GetReadyMultiplexerAsync().ConfigureAwait(false);
            await multiplexer.GetSubscriber().PublishAsync(FanOutChannel, announcement).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException)
        {
            Log.BackplaneFallback(_logger, operation, ex);
        }
    }

    /// <summary>Puts this node's connection into a group another node added it to (SignalR added it to its own state).</summary>
    private void OnAdditionAnnounced(string connectionId, string groupName)
    {
        if (_connections.TryGetValue(connectionId, out var state))
        {
            state.AddLocalGroup(_members, groupName);
        }
    }

    /// <summary>
    /// Takes this node's connection out of a group another node removed it from: from the group's members at once (so
    /// every send that comes after the announcement misses it), then from SignalR's and the replay's state.
    /// </summary>
    private void OnRemovalAnnounced(string connectionId, string groupName)
    {
        if (!_connections.TryGetValue(connectionId, out var state))
        {
            return;
        }

        state.RemoveLocalGroup(_members, groupName);
        _ = ForgetRemovedGroupAsync(state, groupName);
    }

    private async Task ForgetRemovedGroupAsync(ConnectionState state, string groupName)
    {
        var connectionId = state.Context.ConnectionId;
        try
        {
            await _local.RemoveFromGroupAsync(connectionId, groupName).ConfigureAwait(false);
            await state.Gate.WaitAsync().ConfigureAwait(false);
            try
            {
                if (!state.PendingGroups.Remove(groupName) && state.InBackplane && !state.Closed)
                {
                    // Usually done already by SignalR's own request; harmless when it was.
                    await TryAsync(() => _redis.RemoveFromGroupAsync(connectionId, groupName), "leaving a group").ConfigureAwait(false);
                }
            }
            finally
            {
                state.Gate.Release();
            }
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException)
        {
            Log.BackplaneFallback(_logger, "applying a group removal", ex);
        }
    }

    /// <summary>Gives a connection to the backplane; called under its gate.</summary>
    private async Task JoinBackplaneAsync(ConnectionState state)
    {
        // While Redis is stalled, joining would hold the connection up until StackExchange.Redis gives up: it works
        // locally meanwhile, and joins once Redis answers again (the heartbeat triggers the replay).
        if (!await IsBackplaneUpAsync().ConfigureAwait(false) || _connection.IsStalled)
        {
            MarkReplayNeeded();
            return;
        }

        try
        {
            await _redis.OnConnectedAsync(state.Context).ConfigureAwait(false);
            state.InBackplane = true;
        }
        catch (Exception ex) when (NotSent(ex) || ex is RedisException or TimeoutException)
        {
            Log.BackplaneFallback(_logger, "a new connection", ex);
            // Undo what SignalR half did, so a subscription without a reader is not left behind, and retry later.
            await TryAsync(() => _redis.OnDisconnectedAsync(state.Context), "undoing a connection").ConfigureAwait(false);
            MarkReplayNeeded();
        }
    }

    /// <summary>Joins a group in the backplane; called under the connection's gate.</summary>
    private async Task JoinGroupInBackplaneAsync(ConnectionState state, string groupName)
    {
        try
        {
            await _redis.AddToGroupAsync(state.Context.ConnectionId, groupName).ConfigureAwait(false);
        }
        catch (Exception ex) when (NotSent(ex) || ex is RedisException or TimeoutException)
        {
            Log.BackplaneFallback(_logger, "joining a group", ex);
            await TryAsync(() => _redis.RemoveFromGroupAsync(state.Context.ConnectionId, groupName), "undoing a group join").ConfigureAwait(false);
            state.PendingGroups.Add(groupName);
            MarkReplayNeeded();
        }
    }

    public void Dispose()
    {
        try
        {
            // A multiplexer the host owns outlives this manager: leave the fan-out channel.
            Volatile.Read(ref _fanOut)?.Unsubscribe();
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException)
        {
            // The connection is being closed anyway.
        }

        try
        {
            _redis.Dispose();
        }
        catch (ObjectDisposedException)
        {
            // The shared connection was closed first: its subscriptions are gone with it.
        }
        catch (RedisException)
        {
            // Unsubscribing failed: the connection is being closed anyway.
        }
    }

    private void MarkReplayNeeded() => Volatile.Write(ref _replayNeeded, 1);

    private void TriggerReplay()
    {
        if (Volatile.Read(ref _replayNeeded) == 1 && Interlocked.CompareExchange(ref _replaying, 1, 0) == 0)
        {
            _ = ReplayAsync();
        }
    }

    /// <summary>Gives the backplane the connections and groups it missed while Redis was away.</summary>
    private async Task ReplayAsync()
    {
        try
        {
            // One pass per trigger: what fails again is marked again and retried at the next send or reconnection.
            if (_connection.IsConnected && Interlocked.Exchange(ref _replayNeeded, 0) == 1)
            {
                foreach (var (connectionId, groupName) in _remoteRemovals.Keys)
                {
                    await RemoveRemoteAsync(connectionId, groupName, CancellationToken.None).ConfigureAwait(false);
                }

                foreach (var state in _connections.Values)
                {
                    await state.Gate.WaitAsync().ConfigureAwait(false);
                    try
                    {
                        if (state.Closed)
                        {
                            continue;
                        }

                        if (!state.InBackplane)
                        {
                            await JoinBackplaneAsync(state).ConfigureAwait(false);
                        }

                        if (state.InBackplane && state.PendingGroups.Count > 0)
                        {
                            foreach (var group in state.PendingGroups.ToArray())
                            {
                                state.PendingGroups.Remove(group);
                                await JoinGroupInBackplaneAsync(state, group).ConfigureAwait(false);
                            }
                        }
                    }
                    finally
                    {
                        state.Gate.Release();
                    }
                }
            }
        }
        catch (Exception ex)
        {
            Log.BackplaneFallback(_logger, "catching up after Redis returned", ex);
            MarkReplayNeeded();
        }
        finally
        {
            Volatile.Write(ref _replaying, 0);
        }
    }

    private async Task TryAsync(Func<Task> action, string operation)
    {
        try
        {
            await action().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException or InvalidOperationException)
        {
            Log.BackplaneFallback(_logger, operation, ex);
        }
    }

    private sealed class ConnectionState(HubConnectionContext context)
    {
        public HubConnectionContext Context { get; } = context;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public bool InBackplane { get; set; }

        public bool Closed { get; set; }

        public HashSet<string> PendingGroups { get; } = new(StringComparer.Ordinal);

        private HashSet<string> LocalGroups { get; } = new(StringComparer.Ordinal);

        private bool _left;

        public void AddLocalGroup(GroupMembers members, string groupName)
        {
            lock (LocalGroups)
            {
                // A connection that closed meanwhile is not put back into the members.
                if (!_left && LocalGroups.Add(groupName))
                {
                    members.Add(groupName, Context);
                }
            }
        }

        public void RemoveLocalGroup(GroupMembers members, string groupName)
        {
            lock (LocalGroups)
            {
                if (LocalGroups.Remove(groupName))
                {
                    members.Remove(groupName, Context.ConnectionId);
                }
            }
        }

        public void LeaveAllLocalGroups(GroupMembers members)
        {
            lock (LocalGroups)
            {
                _left = true;
                foreach (var groupName in LocalGroups)
                {
                    members.Remove(groupName, Context.ConnectionId);
                }
            }
        }

        public bool InLocalGroup(string groupName)
        {
            lock (LocalGroups)
            {
                return LocalGroups.Contains(groupName);
            }
        }
    }
}

/// <summary>
/// This node's connections in each group, for delivering a send to groups: read without a lock (many sends), changed
/// under one (joins and leaves are rare next to sends), and a group with no connection left is dropped.
/// </summary>
internal sealed class GroupMembers
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, HubConnectionContext>> _groups = new(StringComparer.Ordinal);

    /// <summary>The connections in a group, or <see langword="null"/> when this node has none.</summary>
    public ICollection<HubConnectionContext>? Of(string groupName) =>
        _groups.TryGetValue(groupName, out var connections) ? connections.Values : null;

    public void Add(string groupName, HubConnectionContext connection)
    {
        lock (_groups)
        {
            _groups.GetOrAdd(groupName, static _ => new(StringComparer.Ordinal))[connection.ConnectionId] = connection;
        }
    }

    public void Remove(string groupName, string connectionId)
    {
        lock (_groups)
        {
            if (_groups.TryGetValue(groupName, out var connections) && connections.TryRemove(connectionId, out _) && connections.IsEmpty)
            {
                _groups.TryRemove(groupName, out _);
            }
        }
    }
}
