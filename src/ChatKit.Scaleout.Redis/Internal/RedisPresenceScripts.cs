namespace ChatKit.Scaleout.Redis.Internal;

/// <summary>
/// The Lua scripts that keep presence consistent: each runs atomically in Redis, so a transition (first connection,
/// last connection, a dead node's users) is seen by exactly one caller in the cluster. StackExchange.Redis sends them
/// with EVALSHA once Redis has them cached.
/// </summary>
internal static class RedisPresenceScripts
{
    /// <summary>
    /// Adds a connection. KEYS: user hash, node connections hash, nodes set, node liveness key.
    /// ARGV: connection id, user id, node id, node timeout in ms. Returns 1 when it is the user's first connection.
    /// The node joins the set (and gets a liveness key if it has none yet), so a crash right after is reaped.
    /// </summary>
    public const string Add = """
        local before = redis.call('HLEN', KEYS[1])
        local added = redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
        redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
        redis.call('SADD', KEYS[3], ARGV[3])
        redis.call('SET', KEYS[4], ARGV[3], 'PX', ARGV[4], 'NX')
        if before == 0 and added == 1 then return 1 end
        return 0
        """;

    /// <summary>
    /// Removes a connection. KEYS: user hash, node connections hash. ARGV: connection id.
    /// Returns 1 when it was the user's last connection (0 when it was not there: another node reaped it already).
    /// </summary>
    public const string Remove = """
        redis.call('HDEL', KEYS[2], ARGV[1])
        if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 and redis.call('HLEN', KEYS[1]) == 0 then return 1 end
        return 0
        """;

    /// <summary>
    /// Renews the node's liveness. KEYS: liveness key, nodes set, reaped marker. ARGV: node id, node timeout in ms.
    /// Returns 1 when the node must resynchronise its connections: its liveness key had expired (or Redis lost its
    /// data), or another node reaped it.
    /// </summary>
    public const string Heartbeat = """
        local old = redis.call('GET', KEYS[1])
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        redis.call('SADD', KEYS[2], ARGV[1])
        local reaped = redis.call('DEL', KEYS[3])
        if old == false or reaped == 1 then return 1 end
        return 0
        """;

    /// <summary>
    /// Claims a dead node and removes its connections. KEYS: nodes set. ARGV: key prefix, dead node id, marker TTL in ms.
    /// Does nothing and returns an empty list unless the node's liveness key is gone and this call removed it from the
    /// set, so one caller only gets its users. Returns the users who have no connection left anywhere (now offline).
    /// </summary>
    public const string Reap = """
        local prefix = ARGV[1]
        local node = ARGV[2]
        if redis.call('EXISTS', prefix .. 'presence:alive:' .. node) == 1 then return {} end
        if redis.call('SREM', KEYS[1], node) == 0 then return {} end
        local connsKey = prefix .. 'presence:conns:' .. node
        local conns = redis.call('HGETALL', connsKey)
        local offline = {}
        for i = 1, #conns, 2 do
          local userKey = prefix .. 'presence:user:' .. conns[i + 1]
          if redis.call('HDEL', userKey, conns[i]) == 1 and redis.call('HLEN', userKey) == 0 then
            offline[#offline + 1] = conns[i + 1]
          end
        end
        redis.call('DEL', connsKey)
        redis.call('SET', prefix .. 'presence:reaped:' .. node, '1', 'PX', ARGV[3])
        return offline
        """;
}
