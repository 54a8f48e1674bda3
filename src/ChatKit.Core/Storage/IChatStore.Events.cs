using ChatKit.Events;

namespace ChatKit.Storage;

// v2 members: the event log. Every durable event (a message stored, edited, deleted; a reaction; a read or delivery
// position; a membership or group change) is recorded by the store atomically with the change that causes it, and read
// back in feed order, for sync and for background consumers. The defaults keep a v1 store compiling: it records nothing
// and cannot serve the feed (NotSupportedException with a sentence saying what to implement).
public partial interface IChatStore
{
    /// <summary>
    /// Runs <paramref name="change"/> (calls of this store's members that change one conversation) and records the events
    /// <paramref name="eventsFor"/> builds from its result, in one atomic operation: the events exist if and only if the
    /// change committed. Within the conversation, the events take positions after every event recorded before and before
    /// every event recorded after, on any node.
    /// </summary>
    /// <remarks>
    /// A store appending a message records its <see cref="MessageCreatedEvent"/> itself, in the append's own operation,
    /// under the message's id: appends are never wrapped in this method. The default runs the change and records nothing
    /// (a store written before v2), so its events reach connected clients but cannot be synced.
    /// </remarks>
    /// <typeparam name="TResult">The change's result.</typeparam>
    /// <param name="conversationId">The conversation the change is about.</param>
    /// <param name="occurredAt">When the events happened.</param>
    /// <param name="change">The change; it is given the cancellation token.</param>
    /// <param name="eventsFor">Builds the events the change caused from its result; none when it changed nothing.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The change's result and the events recorded, with their ids.</returns>
    async Task<RecordedChange<TResult>> RecordEventsAsync<TResult>(
        string conversationId,
        DateTimeOffset occurredAt,
        Func<CancellationToken, Task<TResult>> change,
        Func<TResult, IReadOnlyList<ChatEvent>> eventsFor,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        return new RecordedChange<TResult>(await change(cancellationToken).ConfigureAwait(false), []);
    }

    /// <summary>
    /// Reads the event feed of all conversations: every recorded event exactly once, in feed order, which keeps each
    /// conversation's order. An event that commits later never takes a position before one already read, so a reader
    /// that continues from each page's <see cref="ChatEventFeedPage.Cursor"/> never skips one.
    /// </summary>
    /// <param name="after">A cursor this store returned, or <see langword="null"/> to start from the oldest retained event.</param>
    /// <param name="limit">The most events to return, at least 1.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="ArgumentException"><paramref name="after"/> is not a cursor of this store.</exception>
    ValueTask<ChatEventFeedPage> ReadEventFeedAsync(string? after, int limit, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"{GetType().Name} does not record events: implement IChatStore.RecordEventsAsync and IChatStore.ReadEventFeedAsync to support sync and background consumers.");

    /// <summary>
    /// Reads the events one user received, in feed order: those whose audience (<see cref="ChatEventAudience.Includes"/>)
    /// included the user when they happened, so nothing of a conversation from before the user joined it or after they
    /// left it. The default filters <see cref="ReadEventFeedAsync"/>; a store may narrow the read to the user's
    /// conversations.
    /// </summary>
    /// <param name="userId">The user.</param>
    /// <param name="after">A cursor of this store's feed, or <see langword="null"/> to start from the oldest retained event.</param>
    /// <param name="limit">The most events to return, at least 1.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="ArgumentException"><paramref name="after"/> is not a cursor of this store.</exception>
    async ValueTask<ChatEventFeedPage> ReadUserEventsAsync(string userId, string? after, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var found = new List<StoredChatEvent>(Math.Min(limit, 256));
        var cursor = after;
        var incomplete = false;
        while (true)
        {
            // Each read asks for no more than the room left, so the cursor of the last read is the page's cursor.
            var page = await ReadEventFeedAsync(cursor, limit - found.Count, cancellationToken).ConfigureAwait(false);
            found.AddRange(page.Events.Where(e => ChatEventAudience.Includes(e.Event, userId)));
            cursor = page.Cursor;
            incomplete |= page.Incomplete;
            if (!page.HasMore || found.Count == limit)
            {
                return new ChatEventFeedPage(found, cursor, page.HasMore) { Incomplete = incomplete };
            }
        }
    }

    /// <summary>
    /// Returns the cursor of the feed's current end: reading after it returns only events recorded from now on.
    /// </summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    ValueTask<string> GetEventFeedEndAsync(CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"{GetType().Name} does not record events: implement IChatStore.GetEventFeedEndAsync to support sync.");

    /// <summary>
    /// Deletes up to <paramref name="limit"/> recorded events that happened before <paramref name="before"/> and that every
    /// reader named by <paramref name="keepAfter"/> has passed (each cursor is one of this store's; an event after any of
    /// them stays). Returns how many it deleted: fewer than <paramref name="limit"/> when nothing more is purgeable now.
    /// Idempotent and safe to run on several nodes at once; each call is one short operation (a batch), so a large log
    /// is never locked for long.
    /// </summary>
    /// <remarks>
    /// The retention sweep calls it with <c>now - ChatKitOptions.SyncRetention</c> (less a safety margin) and the outbox
    /// sinks' checkpoints. The default deletes nothing (a store written before the purge existed): its log keeps growing.
    /// </remarks>
    /// <param name="before">Only events that happened before this are deleted.</param>
    /// <param name="keepAfter">Cursors of this store whose later events must stay (the sinks' checkpoints).</param>
    /// <param name="limit">The most events to delete in this call, at least 1.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="ArgumentException">A cursor in <paramref name="keepAfter"/> is not one of this store.</exception>
    Task<int> PurgeEventsAsync(DateTimeOffset before, IReadOnlyCollection<string> keepAfter, int limit, CancellationToken cancellationToken = default) =>
        Task.FromResult(0);
}

/// <summary>A durable event as the store recorded it.</summary>
/// <param name="Id">The event's id, unique among all events; a message's <see cref="MessageCreatedEvent"/> has the message's id.</param>
/// <param name="Event">The event; its <see cref="ChatEvent"/> participant ids are those who were to receive it when it happened.</param>
/// <param name="OccurredAt">When it happened.</param>
public sealed record StoredChatEvent(string Id, ChatEvent Event, DateTimeOffset OccurredAt);

/// <summary>A page of the event feed.</summary>
/// <param name="Events">The events, in feed order.</param>
/// <param name="Cursor">Where the next read continues: after the last event of the page, or where the read stopped.</param>
/// <param name="HasMore"><see langword="true"/> when more events could be read from <paramref name="Cursor"/> now.</param>
public sealed record ChatEventFeedPage(IReadOnlyList<StoredChatEvent> Events, string Cursor, bool HasMore)
{
    /// <summary>
    /// <see langword="true"/> when the read passed a change whose events were lost: a store without atomic writes across
    /// documents (MongoDB without transactions) whose writer died between a change and its events marks the place. A
    /// reader that needs every event treats the range as incomplete (sync answers <c>limited</c>).
    /// </summary>
    public bool Incomplete { get; init; }
}

/// <summary>What <see cref="IChatStore.RecordEventsAsync{TResult}"/> returns: the change's result and the events it recorded.</summary>
/// <typeparam name="TResult">The change's result.</typeparam>
/// <param name="Value">The change's result.</param>
/// <param name="Events">The events recorded with it, in order; none from a store that does not record events.</param>
public sealed record RecordedChange<TResult>(TResult Value, IReadOnlyList<StoredChatEvent> Events);
