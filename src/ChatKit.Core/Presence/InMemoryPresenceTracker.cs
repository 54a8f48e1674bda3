namespace ChatKit.Presence;

/// <summary>Tracks connections in this process: the default for a single node.</summary>
public sealed class InMemoryPresenceTracker : IPresenceTracker
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, HashSet<string>> _connections = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public ValueTask<bool> AddConnectionAsync(string userId, string connectionId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_connections.TryGetValue(userId, out var set))
            {
                _connections[userId] = set = new HashSet<string>(StringComparer.Ordinal);
            }

            var first = set.Count == 0;
            set.Add(connectionId);
            return ValueTask.FromResult(first);
        }
    }

    /// <inheritdoc/>
    public ValueTask<bool> RemoveConnectionAsync(string userId, string connectionId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_connections.TryGetValue(userId, out var set) || !set.Remove(connectionId))
            {
                return ValueTask.FromResult(false);
            }

            if (set.Count == 0)
            {
                _connections.Remove(userId);
                return ValueTask.FromResult(true);
            }

            return ValueTask.FromResult(false);
        }
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyCollection<string>> GetOnlineUsersAsync(IReadOnlyCollection<string> userIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userIds);
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyCollection<string>>([.. userIds.Where(_connections.ContainsKey)]);
        }
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyCollection<string>> GetConnectionsAsync(string userId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyCollection<string>>(
                _connections.TryGetValue(userId, out var set) ? [.. set] : []);
        }
    }
}
