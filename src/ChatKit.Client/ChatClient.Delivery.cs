using System.Globalization;
using System.Text.Json;
using ChatKit.Client.Internal;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChatKit.Client;

public sealed partial class ChatClient
{
    private static readonly string[] EventNames =
    [
        "newMessage", "messageUpdated", "messageDeleted", "reactionAdded", "reactionRemoved", "messageRead",
        "conversationRead", "messageDelivered", "participantsAdded", "participantRemoved", "conversationCreated",
        "conversationUpdated", "userTyping", "userStoppedTyping", "userStatusChanged",
    ];

    // State of the dispatch loop (touched by it alone, and by StartAsync before it runs).
    private readonly Dictionary<string, long> _delivered = new(StringComparer.Ordinal);
    private readonly EventIdWindow _seenEvents;
    private string? _cursor;
    private bool _serverHasSync = true;

    /// <summary>
    /// A message, exactly once, in seq order within its conversation (the user's own messages included): live, or
    /// caught up after a reconnect, or fetched from history to fill a gap. Its content is as it was when it was read;
    /// later edits arrive as <see cref="MessageUpdated"/>.
    /// </summary>
    public event EventHandler<ChatMessage>? MessageReceived;

    /// <summary>A message was edited.</summary>
    public event EventHandler<MessageUpdatedEvent>? MessageUpdated;

    /// <summary>A message was deleted.</summary>
    public event EventHandler<MessageDeletedEvent>? MessageDeleted;

    /// <summary>A reaction was added.</summary>
    public event EventHandler<ReactionEvent>? ReactionAdded;

    /// <summary>A reaction was removed.</summary>
    public event EventHandler<ReactionEvent>? ReactionRemoved;

    /// <summary>A participant read up to a message.</summary>
    public event EventHandler<MessageReadEvent>? MessageRead;

    /// <summary>A participant read a whole conversation.</summary>
    public event EventHandler<ConversationReadEvent>? ConversationRead;

    /// <summary>A participant's delivery position moved.</summary>
    public event EventHandler<MessageDeliveredEvent>? MessageDelivered;

    /// <summary>Users were added to a group.</summary>
    public event EventHandler<ParticipantsAddedEvent>? ParticipantsAdded;

    /// <summary>A user was removed from or left a group.</summary>
    public event EventHandler<ParticipantRemovedEvent>? ParticipantRemoved;

    /// <summary>
    /// A conversation this client did not know: created, or one the user was added to (raised once per conversation,
    /// before its first <see cref="MessageReceived"/>).
    /// </summary>
    public event EventHandler<Conversation>? ConversationCreated;

    /// <summary>A conversation changed (name, metadata, roles), or was re-read after a long gap: replace your copy.</summary>
    public event EventHandler<Conversation>? ConversationUpdated;

    /// <summary>A participant started typing in a room this client joined.</summary>
    public event EventHandler<UserTypingEvent>? UserTyping;

    /// <summary>A participant stopped typing.</summary>
    public event EventHandler<UserStoppedTypingEvent>? UserStoppedTyping;

    /// <summary>A user who shares a conversation with this user came online or went offline.</summary>
    public event EventHandler<UserStatusChangedEvent>? UserStatusChanged;

    /// <summary>The connection's state changed.</summary>
    public event EventHandler<ChatConnectionState>? ConnectionStateChanged;

    /// <summary>The client caught up after a (re)connect: everything missed has been raised.</summary>
    public event EventHandler<EventArgs>? CaughtUp;

    private async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var sync = await _rest.SyncAsync(null, null, cancellationToken).ConfigureAwait(false);
        _serverHasSync = sync is not null;
        _cursor = sync?.Cursor;
        await foreach (var conversation in AllConversationsAsync(cancellationToken).ConfigureAwait(false))
        {
            _delivered[conversation.Id] = conversation.LastSeq;
        }
    }

    private async Task DispatchLoopAsync()
    {
        var reader = _inbox.Reader;
        try
        {
            while (await reader.WaitToReadAsync(_lifetime.Token).ConfigureAwait(false))
            {
                while (reader.TryRead(out var work))
                {
                    await HandleAsync(work, _lifetime.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
        {
            // Stopped.
        }
    }

    private async Task HandleAsync(Work work, CancellationToken cancellationToken)
    {
        switch (work)
        {
            case LiveEvent live:
                try
                {
                    await ApplyAsync(live.Type, live.Data, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    Log.ApplyFailed(_logger, live.Type, ex);
                    ScheduleCatchUp(0);
                }

                break;
            case CatchUpWork catchUp:
                if (_hub.State != HubConnectionState.Connected)
                {
                    // The next (re)connect catches up.
                    break;
                }

                try
                {
                    await CatchUpAsync(cancellationToken).ConfigureAwait(false);
                    Raise(CaughtUp, EventArgs.Empty);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    var delay = BackoffRetryPolicy.RestartDelay(catchUp.Attempt, _options.MaxRestartDelay);
                    Log.CatchUpFailed(_logger, delay, ex);
                    ScheduleCatchUp(catchUp.Attempt + 1, delay);
                }

                break;
            case StateWork state:
                Raise(ConnectionStateChanged, state.State);
                break;
            case AckWork ack:
                Raise(MessageAcknowledged, ack.Ack);
                break;
            case RejectedWork rejected:
                Raise(MessageRejected, rejected.Rejection);
                break;
        }
    }

    private void ScheduleCatchUp(int attempt, TimeSpan? delay = null)
    {
        _ = Later();

        async Task Later()
        {
            try
            {
                await Task.Delay(delay ?? BackoffRetryPolicy.RestartDelay(attempt, _options.MaxRestartDelay), _options.TimeProvider, _lifetime.Token)
                    .ConfigureAwait(false);
                _inbox.Writer.TryWrite(new CatchUpWork(attempt));
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
        }
    }

    /// <summary>
    /// After a (re)connect: a sync from the last cursor when the server has sync (history paging when it answers
    /// <c>limited</c>), per-conversation history paging otherwise. Rooms joined before are joined again.
    /// </summary>
    private async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        foreach (var room in _rooms.Keys)
        {
            try
            {
                await InvokeAsync<Conversation>("joinRoom", new { conversationId = room }, cancellationToken).ConfigureAwait(false);
            }
            catch (ChatClientException ex) when (ex.Code == "not_found")
            {
                // The user left the conversation meanwhile: nothing to join.
                _rooms.TryRemove(room, out _);
            }
        }

        if (_serverHasSync)
        {
            SyncResult? result;
            try
            {
                result = await _rest.SyncAsync(_cursor, _options.SyncLimit, cancellationToken).ConfigureAwait(false);
            }
            catch (ChatClientException ex) when (ex.Code == "validation_failed" && _cursor is not null)
            {
                // A cursor this server does not know (another deployment, a reset database): start afresh, as after
                // limited, with a cursor taken before the re-read.
                var fresh = await _rest.SyncAsync(null, null, cancellationToken).ConfigureAwait(false);
                result = fresh is null ? null : fresh with { Limited = true };
            }

            if (result is not null)
            {
                foreach (var item in result.Events)
                {
                    await ApplyAsync(item.Type, item.Data, cancellationToken).ConfigureAwait(false);
                }

                var filled = 0;
                if (result.Limited)
                {
                    Log.SyncLimited(_logger);
                    filled = await CatchUpFromHistoryAsync(limited: true, cancellationToken).ConfigureAwait(false);
                }

                _cursor = result.Cursor;
                Log.CaughtUp(_logger, "sync", result.Events.Count, filled);
                return;
            }

            _serverHasSync = false;
        }

        var messages = await CatchUpFromHistoryAsync(limited: false, cancellationToken).ConfigureAwait(false);
        Log.CaughtUp(_logger, "history", 0, messages);
    }

    /// <summary>Re-reads the conversation list and pages each conversation's history after the last seq raised.</summary>
    private async Task<int> CatchUpFromHistoryAsync(bool limited, CancellationToken cancellationToken)
    {
        var messages = 0;
        var conversations = new List<Conversation>();
        await foreach (var conversation in AllConversationsAsync(cancellationToken).ConfigureAwait(false))
        {
            conversations.Add(conversation);
        }

        foreach (var conversation in conversations)
        {
            if (!_delivered.ContainsKey(conversation.Id))
            {
                _delivered[conversation.Id] = 0;
                Raise(ConversationCreated, conversation);
            }
            else if (limited)
            {
                Raise(ConversationUpdated, conversation);
            }

            messages += await FillAsync(conversation.Id, conversation.LastSeq, cancellationToken).ConfigureAwait(false);
        }

        return messages;
    }

    private async IAsyncEnumerable<Conversation> AllConversationsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? cursor = null;
        do
        {
            var page = await GetConversationsAsync(cursor, 100, cancellationToken).ConfigureAwait(false);
            foreach (var conversation in page.Items)
            {
                yield return conversation;
            }

            cursor = page.NextCursor;
        }
        while (cursor is not null);
    }

    /// <summary>Applies one hub event (live or from a sync): repeats skipped by eventId, messages by seq.</summary>
    private async Task ApplyAsync(string type, JsonElement data, CancellationToken cancellationToken)
    {
        if (data.ValueKind == JsonValueKind.Object
            && data.TryGetProperty("eventId", out var id) && id.ValueKind == JsonValueKind.String
            && !_seenEvents.TryAdd(id.GetString()!))
        {
            return;
        }

        switch (type)
        {
            case "newMessage":
                await ReceiveAsync(ChatJson.Read<ChatMessage>(data.GetProperty("message")), cancellationToken).ConfigureAwait(false);
                break;
            case "messageUpdated":
                var updated = ChatJson.Read<MessageUpdatedEvent>(data);
                await EnsureKnownAsync(updated.ConversationId, cancellationToken).ConfigureAwait(false);
                await FillAsync(updated.ConversationId, updated.Message.Seq, cancellationToken).ConfigureAwait(false);
                Raise(MessageUpdated, updated);
                break;
            case "messageDeleted":
                Raise(MessageDeleted, ChatJson.Read<MessageDeletedEvent>(data));
                break;
            case "reactionAdded":
                Raise(ReactionAdded, ChatJson.Read<ReactionEvent>(data));
                break;
            case "reactionRemoved":
                Raise(ReactionRemoved, ChatJson.Read<ReactionEvent>(data));
                break;
            case "messageRead":
                Raise(MessageRead, ChatJson.Read<MessageReadEvent>(data));
                break;
            case "conversationRead":
                Raise(ConversationRead, ChatJson.Read<ConversationReadEvent>(data));
                break;
            case "messageDelivered":
                Raise(MessageDelivered, ChatJson.Read<MessageDeliveredEvent>(data));
                break;
            case "participantsAdded":
                Raise(ParticipantsAdded, ChatJson.Read<ParticipantsAddedEvent>(data));
                break;
            case "participantRemoved":
                Raise(ParticipantRemoved, ChatJson.Read<ParticipantRemovedEvent>(data));
                break;
            case "conversationCreated":
            case "conversationUpdated":
                var conversation = ChatJson.Read<Conversation>(data);
                if (!_delivered.ContainsKey(conversation.Id))
                {
                    _delivered[conversation.Id] = 0;
                    Raise(ConversationCreated, conversation);
                }
                else if (type == "conversationUpdated")
                {
                    Raise(ConversationUpdated, conversation);
                }

                break;
            case "userTyping":
                Raise(UserTyping, ChatJson.Read<UserTypingEvent>(data));
                break;
            case "userStoppedTyping":
                Raise(UserStoppedTyping, ChatJson.Read<UserStoppedTypingEvent>(data));
                break;
            case "userStatusChanged":
                Raise(UserStatusChanged, ChatJson.Read<UserStatusChangedEvent>(data));
                break;
        }
    }

    /// <summary>Raises <paramref name="message"/> if it is the next of its conversation, after filling a gap before it from history.</summary>
    private async Task ReceiveAsync(ChatMessage message, CancellationToken cancellationToken)
    {
        await EnsureKnownAsync(message.ConversationId, cancellationToken).ConfigureAwait(false);
        if (message.Seq > _delivered[message.ConversationId] + 1)
        {
            await FillAsync(message.ConversationId, message.Seq - 1, cancellationToken).ConfigureAwait(false);
        }

        if (message.Seq > _delivered[message.ConversationId])
        {
            Deliver(message);
        }
    }

    /// <summary>A conversation first heard of through one of its messages (the user was added to it): announced, then caught up from seq 1.</summary>
    private async Task EnsureKnownAsync(string conversationId, CancellationToken cancellationToken)
    {
        if (_delivered.ContainsKey(conversationId))
        {
            return;
        }

        var conversation = await GetConversationAsync(conversationId, cancellationToken).ConfigureAwait(false);
        _delivered[conversationId] = 0;
        Raise(ConversationCreated, conversation);
    }

    /// <summary>Pages history with <c>after=</c> until the conversation is raised through <paramref name="throughSeq"/> (or history ends).</summary>
    private async Task<int> FillAsync(string conversationId, long throughSeq, CancellationToken cancellationToken)
    {
        var count = 0;
        while (_delivered[conversationId] < throughSeq)
        {
            var page = await GetMessagesAsync(conversationId, after: _delivered[conversationId], limit: _options.HistoryPageSize, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            foreach (var message in page.Items.Where(m => m.Seq > _delivered[conversationId]).OrderBy(m => m.Seq))
            {
                Deliver(message);
                count++;
            }

            if (!page.HasMore || page.Items.Count == 0)
            {
                break;
            }
        }

        return count;
    }

    private void Deliver(ChatMessage message)
    {
        _delivered[message.ConversationId] = message.Seq;
        Raise(MessageReceived, message);
    }

    private static string Query(long? before, long? after, int? limit)
    {
        var parts = new List<string>(3);
        if (before is { } b)
        {
            parts.Add("before=" + b.ToString(CultureInfo.InvariantCulture));
        }

        if (after is { } a)
        {
            parts.Add("after=" + a.ToString(CultureInfo.InvariantCulture));
        }

        if (limit is { } l)
        {
            parts.Add("limit=" + l.ToString(CultureInfo.InvariantCulture));
        }

        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }
}
