using System.Diagnostics.Metrics;
using ChatKit.Events;
using ChatKit.Internal;
using ChatKit.Presence;
using ChatKit.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatKit.Services;

/// <summary>
/// Online and offline transitions: a user is online while at least one connection of theirs is open, and the users
/// who share a conversation with them hear of the first connection opening and the last one closing.
/// </summary>
public sealed class PresenceService
{
    private readonly IPresenceTracker _tracker;
    private readonly IChatStore _store;
    private readonly TypingService _typing;
    private readonly IChatRateLimiter _rateLimiter;
    private readonly TimeProvider _time;
    private readonly int _maxConnectionsPerUser;
    private readonly EventDispatch _events;
    private readonly ILogger _logger;
    private readonly ChatKitMetrics _metrics;

    /// <summary>Creates the service; resolve it from dependency injection rather than calling this.</summary>
    /// <param name="tracker">Where connections are recorded.</param>
    /// <param name="store">The store, for the users who share a conversation.</param>
    /// <param name="typing">Typing state, cleared when a connection closes.</param>
    /// <param name="publisher">Where events go.</param>
    /// <param name="rateLimiter">The per-user limits.</param>
    /// <param name="time">The clock.</param>
    /// <param name="options">The connection limit.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="meterFactory">Creates the <c>ChatKit</c> meter; the host's, when it has one.</param>
    public PresenceService(
        IPresenceTracker tracker,
        IChatStore store,
        TypingService typing,
        IChatEventPublisher publisher,
        IChatRateLimiter rateLimiter,
        TimeProvider time,
        IOptions<ChatKitOptions> options,
        ILogger<PresenceService> logger,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _tracker = tracker;
        _rateLimiter = rateLimiter;
        _maxConnectionsPerUser = options.Value.MaxConnectionsPerUser;
        _store = store;
        _typing = typing;
        _time = time;
        _logger = logger;
        _events = new EventDispatch(publisher, logger);
        _metrics = ChatKitMetrics.For(meterFactory);
    }

    /// <summary>Records an open connection; publishes <see cref="UserStatusChangedEvent"/> when it is the user's first.</summary>
    /// <param name="user">The user.</param>
    /// <param name="connectionId">The connection id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="ChatException">
    /// <c>rate_limited</c> when the user has <see cref="ChatKitOptions.MaxConnectionsPerUser"/> connections open already;
    /// nothing is recorded, and the transport closes the connection.
    /// </exception>
    public async Task ConnectedAsync(ChatUser user, string connectionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);

        // A soft cap: connections opening at the same instant may pass it by a few, never by an unbounded number.
        var open = await _tracker.GetConnectionsAsync(user.Id, cancellationToken).ConfigureAwait(false);
        if (open.Count >= _maxConnectionsPerUser)
        {
            throw new ChatException(ChatErrorCode.RateLimited, $"too many open connections; a user may have at most {_maxConnectionsPerUser}");
        }

        var first = await _tracker.AddConnectionAsync(user.Id, connectionId, cancellationToken).ConfigureAwait(false);
        _metrics.ConnectionOpened();
        if (first)
        {
            await PublishStatusAsync(user.Id, PresenceStatus.Online, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Records a closed connection: the typing it started stops, and when it was the user's last connection,
    /// <see cref="UserStatusChangedEvent"/> reports the user offline.
    /// </summary>
    /// <param name="user">The user.</param>
    /// <param name="connectionId">The connection id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    public async Task DisconnectedAsync(ChatUser user, string connectionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        _metrics.ConnectionClosed();
        await _typing.ConnectionClosedAsync(user, connectionId).ConfigureAwait(false);
        if (await _tracker.RemoveConnectionAsync(user.Id, connectionId, cancellationToken).ConfigureAwait(false))
        {
            await PublishStatusAsync(user.Id, PresenceStatus.Offline, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reports a user offline whose connections a tracker found gone without a close (a node that died). For trackers
    /// that detect expiry; publishes <see cref="UserStatusChangedEvent"/> once.
    /// </summary>
    /// <param name="userId">The user who no longer has any connection.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    public Task ConnectionsExpiredAsync(string userId, CancellationToken cancellationToken = default) =>
        PublishStatusAsync(userId, PresenceStatus.Offline, cancellationToken);

    /// <summary>Returns the online users among those who share a conversation with <paramref name="user"/>.</summary>
    /// <param name="user">The user.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    public async Task<IReadOnlyCollection<string>> GetOnlineContactsAsync(ChatUser user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        await RateLimits.EnforceAsync(_rateLimiter, _metrics, user.Id, ChatOperation.GetOnlineUsers, cancellationToken).ConfigureAwait(false);
        var contacts = await _store.GetContactsAsync(user.Id, cancellationToken).ConfigureAwait(false);
        if (contacts.Count == 0)
        {
            return [];
        }

        return await _tracker.GetOnlineUsersAsync(contacts, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Returns the open connections of a user, on every node the tracker sees.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    public ValueTask<IReadOnlyCollection<string>> GetConnectionsAsync(string userId, CancellationToken cancellationToken = default) =>
        _tracker.GetConnectionsAsync(userId, cancellationToken);

    private async Task PublishStatusAsync(string userId, PresenceStatus status, CancellationToken cancellationToken)
    {
        Log.PresenceChanged(_logger, userId, status);
        var contacts = await _store.GetContactsAsync(userId, cancellationToken).ConfigureAwait(false);
        if (contacts.Count > 0)
        {
            await _events.PublishAsync(new UserStatusChangedEvent(userId, status, Ids.Now(_time), contacts)).ConfigureAwait(false);
        }
    }
}
