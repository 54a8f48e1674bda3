namespace ChatKit.Presence;

/// <summary>
/// Keeps track of which users have open connections. Ephemeral: never stored with the messages. The default keeps it
/// in this process; ChatKit.Scaleout.Redis keeps it cluster-wide.
/// </summary>
public interface IPresenceTracker
{
    /// <summary>Records an open connection.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="connectionId">The connection, unique across nodes.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when this is the user's first open connection (the user came online).</returns>
    ValueTask<bool> AddConnectionAsync(string userId, string connectionId, CancellationToken cancellationToken);

    /// <summary>Records a closed connection.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="connectionId">The connection.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when it was the user's last open connection (the user went offline).</returns>
    ValueTask<bool> RemoveConnectionAsync(string userId, string connectionId, CancellationToken cancellationToken);

    /// <summary>Returns those of <paramref name="userIds"/> who have at least one open connection.</summary>
    /// <param name="userIds">The users to check.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    ValueTask<IReadOnlyCollection<string>> GetOnlineUsersAsync(IReadOnlyCollection<string> userIds, CancellationToken cancellationToken);

    /// <summary>Returns the open connections of a user.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    ValueTask<IReadOnlyCollection<string>> GetConnectionsAsync(string userId, CancellationToken cancellationToken);
}
