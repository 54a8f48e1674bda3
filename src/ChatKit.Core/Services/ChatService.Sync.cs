using System.Buffers.Text;
using System.Globalization;
using System.Text;
using ChatKit.Events;
using ChatKit.Internal;
using ChatKit.Storage;

namespace ChatKit.Services;

// Sync, and the recording of every durable event: each change runs through the store's RecordEventsAsync, which records
// its events atomically with it and gives them their ids; the live events are published with those ids, so a client that
// syncs later recognises what it already received.
public sealed partial class ChatService
{
    /// <summary>The number of events a sync returns when none is given.</summary>
    public const int DefaultSyncLimit = 500;

    // A cursor's position from a store that records no events: a sync from it is always limited.
    private const string NoEventLog = "-";

    /// <summary>The largest sync limit; larger requests are treated as this.</summary>
    public const int MaxSyncLimit = 1_000;

    /// <summary>
    /// Returns every durable event the caller received since <paramref name="since"/>, in order, as they were delivered
    /// live (same events, same ids), across all their conversations, and none of a conversation from before they joined it
    /// or after they left it. Without a cursor: no events, a fresh cursor. <see cref="SyncResult.Limited"/> when there were
    /// more than <paramref name="limit"/> or the cursor is older than <see cref="ChatKitOptions.SyncRetention"/>.
    /// </summary>
    /// <remarks>
    /// <c>newMessage</c> and <c>messageUpdated</c> carry the message with its reply summary and reactions as they are now
    /// (later events in the same sync bring the rest); <c>conversationCreated</c> and <c>conversationUpdated</c> carry the
    /// conversation as the caller sees it now, or, when they are no longer a participant, as it was.
    /// </remarks>
    /// <param name="caller">The user.</param>
    /// <param name="since">A cursor a previous sync returned, or <see langword="null"/>.</param>
    /// <param name="limit">The most events: default <see cref="DefaultSyncLimit"/>, at most <see cref="MaxSyncLimit"/>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="ChatException"><c>validation_failed</c> for a limit below 1 or a cursor this server did not issue.</exception>
    public async Task<SyncResult> SyncAsync(ChatUser caller, string? since, int? limit = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (limit is < 1)
        {
            throw ChatException.Validation("limit", "limit is 1 or more");
        }

        var size = Math.Min(limit ?? DefaultSyncLimit, MaxSyncLimit);
        (DateTimeOffset IssuedAt, string Position)? from = null;
        if (!string.IsNullOrEmpty(since))
        {
            from = (since.Length <= MaxCursorLength ? DecodeSyncCursor(since) : null)
                ?? throw ChatException.Validation("since", "since is not a cursor this server issued");
        }

        await EnforceAsync(caller, ChatOperation.Query, cancellationToken).ConfigureAwait(false);
        var now = Ids.Now(_time);

        // The end of the feed before anything is read: a client told to re-read its state misses nothing after it.
        // A store that records no events (a v1 third-party store) still answers: every sync is then limited, so a
        // client pages each conversation's history instead, which loses nothing.
        string? end;
        try
        {
            end = await _store.GetEventFeedEndAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NotSupportedException)
        {
            end = null;
        }

        var fresh = EncodeSyncCursor(now, end ?? NoEventLog);
        if (from is not { } start)
        {
            return new SyncResult([], fresh, false);
        }

        if (end is null || start.Position == NoEventLog || now - start.IssuedAt > _options.SyncRetention)
        {
            return new SyncResult([], fresh, true);
        }

        var events = new List<StoredChatEvent>();
        var cursor = start.Position;
        while (true)
        {
            ChatEventFeedPage page;
            try
            {
                page = await _store.ReadUserEventsAsync(caller.Id, cursor, size + 1 - events.Count, cancellationToken).ConfigureAwait(false);
            }
            catch (ArgumentException)
            {
                throw ChatException.Validation("since", "since is not a cursor this server issued");
            }

            events.AddRange(page.Events);
            cursor = page.Cursor;

            // A change whose events a store lost is in the range: the client re-reads instead of missing it.
            if (events.Count > size || page.Incomplete)
            {
                return new SyncResult([], fresh, true);
            }

            if (!page.HasMore)
            {
                break;
            }
        }

        return new SyncResult(await AsDeliveredAsync(caller, events, cancellationToken).ConfigureAwait(false), EncodeSyncCursor(now, cursor), false);
    }

    /// <summary>The recorded events with their ids, messages decorated and conversations as the caller sees them now.</summary>
    private async Task<IReadOnlyList<ChatEvent>> AsDeliveredAsync(ChatUser caller, List<StoredChatEvent> events, CancellationToken cancellationToken)
    {
        var messages = events
            .Select(e => e.Event switch { MessageCreatedEvent c => c.Message, MessageUpdatedEvent u => u.Message, _ => null })
            .OfType<ChatMessage>()
            .ToList();
        var decorated = new Queue<ChatMessage>(await DecorateMessagesAsync(messages, cancellationToken).ConfigureAwait(false));
        var views = new Dictionary<string, ConversationView?>(StringComparer.Ordinal);
        var result = new List<ChatEvent>(events.Count);
        foreach (var stored in events)
        {
            ChatEvent delivered = stored.Event switch
            {
                MessageCreatedEvent c => c with { Message = decorated.Dequeue() },
                MessageUpdatedEvent u => u with { Message = decorated.Dequeue() },
                ConversationCreatedEvent c => c with { Conversation = await CurrentViewAsync(caller, c.Conversation, views, cancellationToken).ConfigureAwait(false) },
                ConversationUpdatedEvent u => u with { Conversation = await CurrentViewAsync(caller, u.Conversation, views, cancellationToken).ConfigureAwait(false) },
                _ => stored.Event,
            };
            result.Add(delivered with { EventId = stored.Id });
        }

        return result;
    }

    private async Task<ConversationView> CurrentViewAsync(ChatUser caller, ConversationView recorded, Dictionary<string, ConversationView?> views, CancellationToken cancellationToken)
    {
        var id = recorded.Conversation.Id;
        if (!views.TryGetValue(id, out var view))
        {
            view = await _store.FindConversationViewAsync(id, caller.Id, cancellationToken).ConfigureAwait(false);
            view = view is not null && view.Conversation.HasParticipant(caller.Id) ? await CompleteViewAsync(view, cancellationToken).ConfigureAwait(false) : null;
            views[id] = view;
        }

        return view ?? recorded;
    }

    /// <summary>
    /// Runs a store change through <see cref="IChatStore.RecordEventsAsync{TResult}"/> and returns its result and its events
    /// with their ids; from a store that records none, the events built from the result (published without ids).
    /// </summary>
    /// <remarks>
    /// A store written before the change's feature existed throws <see cref="NotSupportedException"/> from its default
    /// member: a missing feature of this server, which no retry fixes, so the caller gets <c>not_found</c> with a sentence
    /// (as for mutes and push registrations), not an internal error.
    /// </remarks>
    private async Task<(TResult Value, IReadOnlyList<ChatEvent> Events)> RecordAsync<TResult>(
        string conversationId, Func<CancellationToken, Task<TResult>> change, Func<TResult, IReadOnlyList<ChatEvent>> eventsFor, CancellationToken cancellationToken)
    {
        async Task<TResult> ChangeOrNotAvailable(CancellationToken ct)
        {
            try
            {
                return await change(ct).ConfigureAwait(false);
            }
            catch (NotSupportedException)
            {
                throw new ChatException(ChatErrorCode.NotFound, "this operation is not available on this server: its chat store does not support it");
            }
        }

        var recorded = await _store.RecordEventsAsync(conversationId, Ids.Now(_time), ChangeOrNotAvailable, eventsFor, cancellationToken).ConfigureAwait(false);
        return recorded.Events.Count > 0
            ? (recorded.Value, [.. recorded.Events.Select(e => e.Event with { EventId = e.Id })])
            : (recorded.Value, eventsFor(recorded.Value));
    }

    private async ValueTask PublishAllAsync(IReadOnlyList<ChatEvent> events)
    {
        foreach (var chatEvent in events)
        {
            await _events.PublishAsync(chatEvent).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A removal's events: the participant removed and, when ownership passed on in the same step, the conversation updated
    /// (every remaining participant hears a passed ownership as they hear a transfer).
    /// </summary>
    private static IReadOnlyList<ChatEvent> RemovalEvents(string conversationId, string userId, Conversation before, Conversation after)
    {
        var removed = new ParticipantRemovedEvent(conversationId, userId, ParticipantIds(after));
        var ownerBefore = before.Participants.FirstOrDefault(p => p.Role == ParticipantRole.Owner)?.UserId;
        return after.Participants.FirstOrDefault(p => p.Role == ParticipantRole.Owner)?.UserId is { } ownerAfter && ownerAfter != ownerBefore
            ? [removed, new ConversationUpdatedEvent(new ConversationView(after, null, 0), ParticipantIds(after))]
            : [removed];
    }

    /// <summary>Publishes a removal's events; a passed ownership goes out with the conversation as its new owner sees it.</summary>
    private async Task PublishRemovalAsync(IReadOnlyList<ChatEvent> events, CancellationToken cancellationToken)
    {
        foreach (var chatEvent in events)
        {
            if (chatEvent is ConversationUpdatedEvent updated
                && updated.Conversation.Conversation.Participants.FirstOrDefault(p => p.Role == ParticipantRole.Owner) is { } owner
                && await _store.FindConversationViewAsync(updated.Conversation.Conversation.Id, owner.UserId, cancellationToken).ConfigureAwait(false) is { } view)
            {
                view = await CompleteViewAsync(view, cancellationToken).ConfigureAwait(false);
                await _events.PublishAsync(updated with { Conversation = view, ParticipantIds = ParticipantIds(view.Conversation) }).ConfigureAwait(false);
                continue;
            }

            await _events.PublishAsync(chatEvent).ConfigureAwait(false);
        }
    }

    // The sync cursor: "1.<issued at, Unix ms>.<the store's cursor>", base64url. The issue time decides retention.
    private static string EncodeSyncCursor(DateTimeOffset issuedAt, string position) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"1.{issuedAt.ToUnixTimeMilliseconds()}.{position}")));

    private static (DateTimeOffset IssuedAt, string Position)? DecodeSyncCursor(string cursor)
    {
        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(cursor);
        }
        catch (FormatException)
        {
            return null;
        }

        var text = Encoding.UTF8.GetString(bytes);
        var parts = text.Split('.', 3);
        return parts.Length == 3 && parts[0] == "1" && parts[2].Length > 0
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            && ms <= DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()
            ? (DateTimeOffset.FromUnixTimeMilliseconds(ms), parts[2])
            : null;
    }
}
