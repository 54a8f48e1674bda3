using StackExchange.Redis;

namespace ChatKit.Scaleout.Redis.Internal;

/// <summary>
/// The Redis keys of cluster-wide presence, under the configured prefix P:
/// <list type="bullet">
/// <item><c>P presence:nodes</c>: a set of the node ids that may hold connections;</item>
/// <item><c>P presence:alive:{node}</c>: the node's liveness key, renewed by its heartbeat, expiring after the node timeout;</item>
/// <item><c>P presence:conns:{node}</c>: a hash, connection id to user id, of the node's open connections;</item>
/// <item><c>P presence:reaped:{node}</c>: left by the node that removed a dead node's connections, so that node learns of it if it was only slow;</item>
/// <item><c>P presence:user:{user}</c>: a hash, connection id to node id, of the user's open connections on every node.</item>
/// </list>
/// </summary>
internal sealed class RedisPresenceKeys(string prefix, string nodeId)
{
    public string Prefix { get; } = prefix;

    public string NodeId { get; } = nodeId;

    public RedisKey Nodes { get; } = prefix + "presence:nodes";

    public RedisKey Alive { get; } = prefix + "presence:alive:" + nodeId;

    public RedisKey Connections { get; } = prefix + "presence:conns:" + nodeId;

    public RedisKey Reaped { get; } = prefix + "presence:reaped:" + nodeId;

    public RedisKey AliveOf(string node) => Prefix + "presence:alive:" + node;

    public RedisKey User(string userId) => Prefix + "presence:user:" + userId;
}
