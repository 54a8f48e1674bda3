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
    private const int MaxReportRounds = 3;
    private const int ContactLookupAttempts = 4;
    private static readonly TimeSpan ContactRetryDelay = TimeSpan.FromMilliseconds(100);

    private readonly IPresenceTracker _tracker;
    private readonly IChatStore _store;
    private readonly TypingService _typing;
    private readonly IChatRateLimiter _rateLimiter;
    private readonly TimeProvider _time;
    private readonly int _maxConnectionsPerUser;
    private readonly EventDispatch _events;
    private readonly ILogger _logger;
    private readonly ChatKitMetrics _metrics;
    private readonly KeyedLock _reports = new();

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

    /// <summary>
    /// Records an open connection; publishes <see cref="UserStatusChangedEvent"/> when it is the user's first. Throws only
    /// when the connection could not be recorded, and then leaves nothing recorded (a host that rejects the connection
    /// on that error never gets a close for it, so a half-recorded connection would keep the user online for good).
    /// Reporting the change to contacts never throws: the connection is open whether or not they hear of it.
    /// </summary>
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

        bool first;
        try
        {
            first = await _tracker.AddConnectionAsync(user.Id, connectionId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // The tracker may have recorded it before failing (a lost reply): take it out again, then report the failure.
            Log.PresenceConnectFailed(_logger, user.Id, connectionId, exception);
            await RemoveQuietlyAsync(user.Id, connectionId).ConfigureAwait(false);
            throw;
        }

        _metrics.ConnectionOpened();
        if (first)
        {
            await ReportAsync(user.Id, PresenceStatus.Online).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Records a closed connection: the typing it started stops, and when it was the user's last connection,
    /// <see cref="UserStatusChangedEvent"/> reports the user offline. A failure to stop the typing or to look up the
    /// contacts never keeps the connection recorded, and the offline report is retried before it is given up.
    /// </summary>
    /// <param name="user">The user.</param>
    /// <param name="connectionId">The connection id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    public async Task DisconnectedAsync(ChatUser user, string connectionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        _metrics.ConnectionClosed();
        try
        {
            await _typing.ConnectionClosedAsync(user, connectionId).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Log.TypingCleanupFailed(_logger, user.Id, connectionId, exception);
        }

        if (await _tracker.RemoveConnectionAsync(user.Id, connectionId, cancellationToken).ConfigureAwait(false))
        {
            await ReportAsync(user.Id, PresenceStatus.Offline).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reports a user offline whose connections a tracker found gone without a close (a node that died). For trackers
    /// that detect expiry; publishes <see cref="UserStatusChangedEvent"/> once.
    /// </summary>
    /// <param name="userId">The user who no longer has any connection.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    public Task ConnectionsExpiredAsync(string userId, CancellationToken cancellationToken = default) =>
        ReportAsync(userId, PresenceStatus.Offline);

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

    /// <summary>
    /// Reports a transition of one user to their contacts, in order: the reports of one user never overlap on this node,
    /// and after each report the tracker is asked again, so when an offline and an online race (a fast reload, or the
    /// two ends of it on two nodes) the last report says what the tracker says now. Never throws.
    /// </summary>
    private async Task ReportAsync(string userId, PresenceStatus status)
    {
        using (await _reports.AcquireAsync(userId).ConfigureAwait(false))
        {
            for (var round = 0; round < MaxReportRounds; round++)
            {
                if (!await PublishStatusAsync(userId, status).ConfigureAwait(false))
                {
                    return;
                }

                PresenceStatus now;
                try
                {
                    now = (await _tracker.GetConnectionsAsync(userId, CancellationToken.None).ConfigureAwait(false)).Count > 0
                        ? PresenceStatus.Online
                        : PresenceStatus.Offline;
                }
                catch (Exception exception)
                {
                    Log.PresencePublishAbandoned(_logger, userId, status, exception);
                    return;
                }

                if (now == status)
                {
                    return;
                }

                status = now;
            }
        }
    }

    /// <summary>Publishes one status to the user's contacts, retrying the contacts lookup; false when it gave up.</summary>
    private async Task<bool> PublishStatusAsync(string userId, PresenceStatus status)
    {
        Log.PresenceChanged(_logger, userId, status);
        IReadOnlyCollection<string> contacts;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                contacts = await _store.GetContactsAsync(userId, CancellationToken.None).ConfigureAwait(false);
                break;
            }
            catch (Exception exception) when (attempt < ContactLookupAttempts)
            {
                Log.PresenceContactsFailed(_logger, userId, status, attempt, exception);
                await Task.Delay(ContactRetryDelay * attempt, _time).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                Log.PresencePublishAbandoned(_logger, userId, status, exception);
                return false;
            }
        }

        if (contacts.Count > 0)
        {
            await _events.PublishAsync(new UserStatusChangedEvent(userId, status, Ids.Now(_time), contacts)).ConfigureAwait(false);
        }

        return true;
    }

    private async Task RemoveQuietlyAsync(string userId, string connectionId)
    {
        try
        {
            await _tracker.RemoveConnectionAsync(userId, connectionId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Log.PresenceConnectFailed(_logger, userId, connectionId, exception);
        }
    }
}
