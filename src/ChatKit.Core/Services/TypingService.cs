using ChatKit.Events;
using ChatKit.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatKit.Services;

/// <summary>
/// Typing indicators with a server-side timeout: a user who called <c>typing</c> is typing until they call
/// <c>stopTyping</c>, send nothing more for <see cref="ChatKitOptions.TypingTimeout"/>, or close the connection they
/// typed on. <see cref="UserTypingEvent"/> is published when a user starts typing (repeated calls only extend the
/// timeout), and <see cref="UserStoppedTypingEvent"/> when they stop for any of those reasons. The timer runs on
/// <see cref="TimeProvider"/>, so tests control it. The state lives on the node that received the calls.
/// </summary>
public sealed class TypingService : IDisposable
{
    private readonly ChatService _chat;
    private readonly EventDispatch _events;
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;
    private readonly Lock _gate = new();
    private readonly Dictionary<(string ConversationId, string UserId), Typist> _typists = [];

    /// <summary>Creates the service; resolve it from dependency injection rather than calling this.</summary>
    /// <param name="chat">The membership rules.</param>
    /// <param name="publisher">Where events go.</param>
    /// <param name="time">The clock that drives the timeout.</param>
    /// <param name="options">The timeout.</param>
    /// <param name="logger">The logger.</param>
    public TypingService(ChatService chat, IChatEventPublisher publisher, TimeProvider time, IOptions<ChatKitOptions> options, ILogger<TypingService> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _chat = chat;
        _time = time;
        _timeout = options.Value.TypingTimeout;
        _events = new EventDispatch(publisher, logger);
    }

    /// <summary>The caller is typing in a conversation.</summary>
    /// <param name="caller">A participant.</param>
    /// <param name="conversationId">The conversation id.</param>
    /// <param name="connectionId">The connection typing, so that closing it stops the indicator; or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="ChatException"><c>not_found</c> for a conversation the caller cannot see.</exception>
    public async Task StartAsync(ChatUser caller, string conversationId, string? connectionId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        _chat.ValidateConversationId(conversationId);
        await _chat.EnforceAsync(caller, ChatOperation.Typing, cancellationToken).ConfigureAwait(false);
        await _chat.RequireParticipantAsync(caller, conversationId, cancellationToken).ConfigureAwait(false);
        var key = (conversationId, caller.Id);
        bool started;
        lock (_gate)
        {
            if (_typists.TryGetValue(key, out var typist))
            {
                typist.ConnectionId = connectionId;
                typist.Timer.Change(_timeout, Timeout.InfiniteTimeSpan);
                started = false;
            }
            else
            {
                typist = new Typist(connectionId);
                _typists[key] = typist;
                typist.Timer = _time.CreateTimer(static state => ((Expiry)state!).Fire(), new Expiry(this, key, typist), _timeout, Timeout.InfiniteTimeSpan);
                started = true;
            }
        }

        if (started)
        {
            await _events.PublishAsync(new UserTypingEvent(conversationId, caller.Id, _chat.DisplayNameOf(caller))).ConfigureAwait(false);
        }
    }

    /// <summary>The caller stopped typing. Always publishes <see cref="UserStoppedTypingEvent"/>.</summary>
    /// <param name="caller">A participant.</param>
    /// <param name="conversationId">The conversation id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="ChatException"><c>not_found</c> for a conversation the caller cannot see.</exception>
    public async Task StopAsync(ChatUser caller, string conversationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        _chat.ValidateConversationId(conversationId);
        await _chat.EnforceAsync(caller, ChatOperation.Typing, cancellationToken).ConfigureAwait(false);
        await _chat.RequireParticipantAsync(caller, conversationId, cancellationToken).ConfigureAwait(false);
        Remove((conversationId, caller.Id), expected: null);
        await _events.PublishAsync(new UserStoppedTypingEvent(conversationId, caller.Id)).ConfigureAwait(false);
    }

    /// <summary>Whether a user is typing in a conversation, as this node sees it.</summary>
    /// <param name="conversationId">The conversation id.</param>
    /// <param name="userId">The user.</param>
    public bool IsTyping(string conversationId, string userId)
    {
        lock (_gate)
        {
            return _typists.ContainsKey((conversationId, userId));
        }
    }

    /// <summary>Stops the typing a closed connection started.</summary>
    /// <param name="user">The connection's user.</param>
    /// <param name="connectionId">The closed connection.</param>
    public async Task ConnectionClosedAsync(ChatUser user, string connectionId)
    {
        ArgumentNullException.ThrowIfNull(user);
        List<string> stopped = [];
        lock (_gate)
        {
            foreach (var (key, typist) in _typists)
            {
                if (key.UserId == user.Id && typist.ConnectionId == connectionId)
                {
                    stopped.Add(key.ConversationId);
                }
            }

            foreach (var conversationId in stopped)
            {
                _typists.Remove((conversationId, user.Id), out var typist);
                typist!.Timer.Dispose();
            }
        }

        foreach (var conversationId in stopped)
        {
            await _events.PublishAsync(new UserStoppedTypingEvent(conversationId, user.Id)).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var typist in _typists.Values)
            {
                typist.Timer.Dispose();
            }

            _typists.Clear();
        }
    }

    private bool Remove((string ConversationId, string UserId) key, Typist? expected)
    {
        lock (_gate)
        {
            if (!_typists.TryGetValue(key, out var typist) || (expected is not null && !ReferenceEquals(typist, expected)))
            {
                return false;
            }

            _typists.Remove(key);
            typist.Timer.Dispose();
            return true;
        }
    }

    private sealed class Typist(string? connectionId)
    {
        public string? ConnectionId { get; set; } = connectionId;

        public ITimer Timer { get; set; } = null!;
    }

    private sealed class Expiry(TypingService owner, (string ConversationId, string UserId) key, Typist typist)
    {
        public void Fire()
        {
            if (owner.Remove(key, typist))
            {
                _ = owner._events.PublishAsync(new UserStoppedTypingEvent(key.ConversationId, key.UserId)).AsTask();
            }
        }
    }
}
