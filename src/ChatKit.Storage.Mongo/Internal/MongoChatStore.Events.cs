using ChatKit.Events;
using MongoDB.Driver;
using static ChatKit.Storage.Mongo.Internal.MongoEventDefinitions;

namespace ChatKit.Storage.Mongo.Internal;

// The event log on MongoDB, without multi-document transactions (a standalone server is enough): ordered two-step
// writes with idempotent replay, in the spirit of the message seq (VisibleSeq).
//
// Shape. One document per recording in `events`: all the events of one change (or a run of new messages of one
// conversation), at one feed position, so they exist all or none. Positions come from one counter document
// (`event_feed`: `allocated` by $inc, `visible` moved by one, conditionally) and are unique (index).
//
// Invariants, and what gives each:
// 1. A reader never sees position N+1 before N, and never skips N. Readers read only positions <= `visible`, and
//    `visible` moves from W to W+1 only when W+1 holds a recording or a gap marker (VisibleSeq over
//    MongoEventFeedBackend). A writer that dies between taking a position and inserting leaves it empty; a waiting writer
//    fills it with a gap marker after SeqGapTimeout. A slow (not dead) writer whose position was given up gets a
//    duplicate key on insert and takes a new position: a marker never hides a recording.
// 2. Per conversation, feed order is the order the changes were applied. Every recording of a conversation (a change
//    with its events, or a run of new messages) holds the conversation's lock (`event_locks`, an upsert that collides on
//    the id while held) from before the change until its recording is inserted, and takes its position after the change:
//    two recordings of one conversation never overlap, so position order is application order. A lock whose holder died
//    is taken over after SeqGapTimeout (a holder alive but slower than that could overlap with the next one: the timeout
//    is far longer than a recording runs).
// 3. A message and its newMessage event: "same document, then replay". The message is inserted with `unlogged: true`;
//    once it is visible (its seq published), its append takes the conversation's lock and logs every visible unlogged
//    message of the conversation in seq order as one recording (audience: the participants then), then clears the flag.
//    Replay is idempotent: already-logged event ids are skipped (and unique), so a crash between any two steps leaves a
//    message that the next append or change of the conversation logs, before its own events. Only then is the append
//    acknowledged, so a later change of the message (an edit) is recorded after its newMessage event.
// 4. A change and its events: the change runs under the lock, then its recording is inserted (one document). A change
//    that throws records nothing. A process dying in the few milliseconds between a change's write and its recording's
//    insert leaves that change without its event: MongoDB offers no atomic write across collections without
//    transactions, and the events are built from the change's result. The next recording of the conversation takes the
//    expired lock over, sees the holder's recording missing, logs it (EventRecordingLost) and inserts a "lost" marker
//    under the holder's recording id: a read passing it reports the page Incomplete, so a sync over it answers limited
//    (the client re-reads: the change is never silently missed), and a holder that was only slow finds its id taken.
// The cursor is "position.index" (EventFeedCursor); paging is EventFeedPager, a pure class with unit tests.
internal sealed partial class MongoChatStore
{
    private const string FeedKey = FeedId;
    private const int MaxUnloggedPerRecording = 500;
    private const string NewMessageType = "newMessage";

    /// <summary>The recording this flow is inside: an append there would wait for the lock its own recording holds.</summary>
    private readonly AsyncLocal<string?> _recording = new();

    /// <inheritdoc/>
    public async Task<RecordedChange<TResult>> RecordEventsAsync<TResult>(
        string conversationId,
        DateTimeOffset occurredAt,
        Func<CancellationToken, Task<TResult>> change,
        Func<TResult, IReadOnlyList<ChatEvent>> eventsFor,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(eventsFor);
        var recordingId = "r_" + Guid.CreateVersion7(occurredAt).ToString("N");
        await AcquireEventLockAsync(conversationId, recordingId, cancellationToken).ConfigureAwait(false);
        TResult result;
        List<StoredChatEvent> recorded;
        var position = 0L;
        try
        {
            // Messages made visible before this change come before its events.
            await LogMessagesLockedAsync(conversationId).ConfigureAwait(false);
            _recording.Value = recordingId;
            try
            {
                result = await change(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _recording.Value = null;
            }

            recorded = [.. eventsFor(result).Select(e => new StoredChatEvent("e_" + Guid.CreateVersion7(occurredAt).ToString("N"), e, occurredAt))];
            if (recorded.Count > 0)
            {
                // From here the change is applied: its recording ignores cancellation.
                position = await InsertRecordingAsync(ToRecording(recordingId, conversationId, occurredAt, recorded)).ConfigureAwait(false);
            }
        }
        finally
        {
            await ReleaseEventLockAsync(conversationId, recordingId).ConfigureAwait(false);
        }

        if (position > 0)
        {
            await _feedVisible.PublishThroughAsync(FeedKey, position).ConfigureAwait(false);
        }

        return new RecordedChange<TResult>(result, recorded);
    }

    /// <inheritdoc/>
    public ValueTask<ChatEventFeedPage> ReadEventFeedAsync(string? after, int limit, CancellationToken cancellationToken = default) =>
        new(ReadFeedAsync(null, after, limit, cancellationToken));

    /// <inheritdoc/>
    public ValueTask<ChatEventFeedPage> ReadUserEventsAsync(string userId, string? after, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        return new(ReadFeedAsync(userId, after, limit, cancellationToken));
    }

    /// <inheritdoc/>
    public async ValueTask<string> GetEventFeedEndAsync(CancellationToken cancellationToken = default) =>
        EventFeedCursor.After(await ReadFeedVisibleAsync(cancellationToken).ConfigureAwait(false)).ToString();

    /// <inheritdoc/>
    /// <remarks>
    /// Whole recordings only: one older than <paramref name="before"/> (its newest event) and below the position of every
    /// cursor in <paramref name="keepAfter"/> (a recording a cursor stands inside stays). One find of up to
    /// <paramref name="limit"/> ids, then one delete of those still purgeable: idempotent, safe on several nodes at once.
    /// </remarks>
    public async Task<int> PurgeEventsAsync(DateTimeOffset before, IReadOnlyCollection<string> keepAfter, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keepAfter);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var below = keepAfter.Count == 0 ? long.MaxValue : keepAfter.Min(c => EventFeedCursor.Parse(c).Position);
        var purgeable = Purgeable(before.UtcDateTime, below);
        var ids = await _context.Events.Find(purgeable).Sort(PositionOrder).Limit(limit).Project(r => r.Id)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        if (ids.Count == 0)
        {
            return 0;
        }

        var deleted = await _context.Events.DeleteManyAsync(purgeable & Builders<EventRecordingDocument>.Filter.In(r => r.Id, ids), cancellationToken)
            .ConfigureAwait(false);
        return (int)deleted.DeletedCount;
    }

    /// <summary>
    /// After an append's message is visible: makes sure its <c>newMessage</c> event is logged (logging every visible
    /// unlogged message of the conversation before it) and visible in the feed. Ignores cancellation: the message is stored.
    /// </summary>
    private async Task LogAppendedAsync(string conversationId, string messageId)
    {
        var position = await LoggedPositionAsync(messageId).ConfigureAwait(false);
        for (var attempt = 1; position is null; attempt++)
        {
            if (attempt > MaxWriteAttempts)
            {
                throw new InvalidOperationException($"The newMessage event of message {messageId} could not be logged.");
            }

            var token = "m_" + Guid.NewGuid().ToString("N");
            await AcquireEventLockAsync(conversationId, token, CancellationToken.None).ConfigureAwait(false);
            try
            {
                await LogMessagesLockedAsync(conversationId).ConfigureAwait(false);
            }
            finally
            {
                await ReleaseEventLockAsync(conversationId, token).ConfigureAwait(false);
            }

            position = await LoggedPositionAsync(messageId).ConfigureAwait(false);
        }

        await _feedVisible.PublishThroughAsync(FeedKey, position.Value).ConfigureAwait(false);
    }

    private async Task<long?> LoggedPositionAsync(string messageId)
    {
        var recording = await _context.Events.Find(RecordingsWithEvents([messageId])).Project<EventRecordingDocument>(PositionAndEventIds)
            .FirstOrDefaultAsync(CancellationToken.None).ConfigureAwait(false);
        return recording?.Position;
    }

    /// <summary>
    /// Under the conversation's lock: logs the visible messages whose <c>newMessage</c> event is not in the log yet, in seq
    /// order, as recordings; skips those logged already (a replay after a crash), then clears their flag.
    /// </summary>
    private async Task LogMessagesLockedAsync(string conversationId)
    {
        while (true)
        {
            var conversation = await _context.Conversations.Find(MongoDefinitions.ConversationById(conversationId))
                .FirstOrDefaultAsync(CancellationToken.None).ConfigureAwait(false);
            if (conversation is null)
            {
                return;
            }

            var unlogged = await _context.Messages.Find(UnloggedMessages(conversationId, conversation.LastSeq))
                .Sort(MongoDefinitions.SeqAscending).Limit(MaxUnloggedPerRecording)
                .ToListAsync(CancellationToken.None).ConfigureAwait(false);
            if (unlogged.Count == 0)
            {
                return;
            }

            var ids = unlogged.Select(m => m.Id).ToList();
            var logged = (await _context.Events.Find(RecordingsWithEvents(ids)).Project<EventRecordingDocument>(PositionAndEventIds)
                    .ToListAsync(CancellationToken.None).ConfigureAwait(false))
                .SelectMany(r => r.Events.Select(e => e.Id)).ToHashSet(StringComparer.Ordinal);
            var fresh = unlogged.Where(m => !logged.Contains(m.Id) && m.Type != MongoDefinitions.GapType).ToList();
            if (fresh.Count > 0)
            {
                var audience = ChatEventJson.SerializeUserIds([.. conversation.Participants.Select(p => p.UserId)]);
                await InsertRecordingAsync(new EventRecordingDocument
                {
                    Id = "m_" + fresh[0].Id,
                    ConversationId = conversationId,
                    OccurredAt = fresh.Max(m => m.CreatedAt),
                    Events = [.. fresh.Select(m => new EventEntryDocument { Id = m.Id, Type = NewMessageType, Payload = audience, OccurredAt = m.CreatedAt })],
                }).ConfigureAwait(false);
            }

            await _context.Messages.UpdateManyAsync(MessagesByIds(ids), MarkLogged, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            if (unlogged.Count < MaxUnloggedPerRecording)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Takes a feed position and inserts the recording there; takes another when a waiting writer gave the position up
    /// (a gap marker holds it). Retries transient failures at the same position. Returns the position, or 0 when its
    /// events turned out to be logged already (a replay of new messages overlapping another one).
    /// </summary>
    private async Task<long> InsertRecordingAsync(EventRecordingDocument recording)
    {
        for (var attempt = 1; ; attempt++)
        {
            var feed = await _context.EventFeed.FindOneAndUpdateAsync(
                Feed,
                AllocatePosition,
                new FindOneAndUpdateOptions<EventFeedStateDocument> { IsUpsert = true, ReturnDocument = ReturnDocument.After },
                CancellationToken.None).ConfigureAwait(false);
            recording.Position = feed.Allocated;
            for (var insert = 1; ; insert++)
            {
                try
                {
                    await _context.Events.InsertOneAsync(recording, cancellationToken: CancellationToken.None).ConfigureAwait(false);
                    return recording.Position;
                }
                catch (MongoWriteException exception) when (MongoErrors.IsDuplicateKey(exception))
                {
                    // An earlier attempt was stored though its reply was lost, or the position was given up as a gap, or
                    // (only when two loggers overlapped after a lock expired) the events are logged already.
                    var existing = await _context.Events.Find(RecordingById(recording.Id)).Project<EventRecordingDocument>(PositionAndEventIds)
                        .FirstOrDefaultAsync(CancellationToken.None).ConfigureAwait(false);
                    if (existing is not null)
                    {
                        return existing.Position;
                    }

                    var holder = await _context.Events.Find(RecordingAt(recording.Position)).Project<EventRecordingDocument>(IdOnly)
                        .FirstOrDefaultAsync(CancellationToken.None).ConfigureAwait(false);
                    if (holder is null)
                    {
                        // The position is free, so an event id collided: logged by the other. Give the position up at once,
                        // so that no reader or writer waits for it.
                        await _feedBackend.FillGapAsync(FeedKey, recording.Position).ConfigureAwait(false);
                        return 0;
                    }

                    if (attempt >= MaxWriteAttempts)
                    {
                        throw new InvalidOperationException($"The events of recording {recording.Id} could not be stored: {attempt} feed positions were given up while they were being stored.", exception);
                    }

                    Log.EventPositionGivenUp(_logger, recording.Position, recording.Id);
                    break;
                }
                catch (Exception exception) when (insert < MaxInsertAttempts && MongoErrors.IsTransient(exception))
                {
                    await Task.Delay(RetryDelay * insert, _time, CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>Takes the conversation's recording lock, waiting (polling) while another recording holds it.</summary>
    private async Task AcquireEventLockAsync(string conversationId, string owner, CancellationToken cancellationToken)
    {
        var delay = FirstPollDelay;
        var options = new FindOneAndUpdateOptions<EventLockDocument> { IsUpsert = true, ReturnDocument = ReturnDocument.Before };
        while (true)
        {
            var now = _time.GetUtcNow().UtcDateTime;
            try
            {
                var before = await _context.EventLocks.FindOneAndUpdateAsync(LockTakeable(conversationId, now), TakeLock(owner, now + _options.SeqGapTimeout), options, cancellationToken)
                    .ConfigureAwait(false);
                if (before is not null)
                {
                    await OnLockTakenOverAsync(before).ConfigureAwait(false);
                }

                return;
            }
            catch (MongoException exception) when (MongoErrors.IsDuplicateKey(exception))
            {
                // Held by another recording of the conversation.
            }

            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxPollDelay.Ticks));
        }
    }

    /// <summary>An expired lock was taken over: its holder died (or stalled). Says so when its change may lack its events.</summary>
    private async Task OnLockTakenOverAsync(EventLockDocument expired)
    {
        if (!expired.Owner.StartsWith("r_", StringComparison.Ordinal))
        {
            return; // an append logging its messages: whatever it left unlogged is replayed under this lock
        }

        var recorded = await _context.Events.Find(RecordingById(expired.Owner)).Project<EventRecordingDocument>(IdOnly)
            .AnyAsync(CancellationToken.None).ConfigureAwait(false);
        if (!recorded)
        {
            // Mark the place, under the recording's own id: a sync passing it answers limited (the client re-reads), and
            // the holder, should it still be alive, finds its id taken instead of recording out of order.
            Log.EventRecordingLost(_logger, expired.ConversationId, expired.Owner, _options.SeqGapTimeout);
            await InsertRecordingAsync(new EventRecordingDocument
            {
                Id = expired.Owner,
                ConversationId = expired.ConversationId,
                OccurredAt = _time.GetUtcNow().UtcDateTime,
                Lost = true,
            }).ConfigureAwait(false);
        }
    }

    private async Task ReleaseEventLockAsync(string conversationId, string owner)
    {
        try
        {
            await _context.EventLocks.DeleteOneAsync(LockHeldBy(conversationId, owner), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is MongoException or TimeoutException)
        {
            // It expires by itself; the next recording waits for it until then.
            Log.EventLockReleaseFailed(_logger, conversationId, _options.SeqGapTimeout, exception);
        }
    }

    private async Task<long> ReadFeedVisibleAsync(CancellationToken cancellationToken)
    {
        var feed = await _context.EventFeed.Find(Feed).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return feed?.Visible ?? 0;
    }

    /// <summary>A page of the feed from a cursor; only the events <paramref name="userId"/> received when one is given.</summary>
    private async Task<ChatEventFeedPage> ReadFeedAsync(string? userId, string? after, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var cursor = after is null ? EventFeedCursor.Start : EventFeedCursor.Parse(after);
        var visible = await ReadFeedVisibleAsync(cancellationToken).ConfigureAwait(false);
        IReadOnlyCollection<string>? conversations = null;
        if (userId is not null)
        {
            // The user's conversations now, and those they were removed from since the cursor; each event's audience
            // then keeps only what they received while they were a participant.
            var mine = await _context.Conversations.Find(MongoDefinitions.ContactsOf(userId))
                .Project(c => c.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
            using var left = await _context.Events.DistinctAsync(r => r.ConversationId, RemovalsOf(userId, cursor.Position), cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            var ids = new HashSet<string>(mine, StringComparer.Ordinal);
            while (await left.MoveNextAsync(cancellationToken).ConfigureAwait(false))
            {
                ids.UnionWith(left.Current.OfType<string>());
            }

            conversations = ids;
        }

        var taken = new List<(EventEntryDocument Entry, ChatEvent? Event)>();
        var hasMore = false;
        var incomplete = false;
        while (true)
        {
            var batch = await _context.Events.Find(RecordingsBetween(cursor.Position, visible, conversations))
                .Sort(PositionOrder).Limit(limit + 1).ToListAsync(cancellationToken).ConfigureAwait(false);
            var decoded = new Dictionary<(int, int), ChatEvent?>();
            var slice = EventFeedPager.Take(
                [.. batch.Select(r => new FeedRecording(r.Position, r.Events.Count, r.Lost))],
                cursor,
                limit - taken.Count,
                (r, i) =>
                {
                    var entry = batch[r].Events[i];
                    var chatEvent = entry.Type == NewMessageType ? null : ChatEventJson.Deserialize(entry.Type, entry.Payload);
                    decoded[(r, i)] = chatEvent;
                    return userId is null || (chatEvent is null
                        ? ChatEventJson.DeserializeUserIds(entry.Payload).Contains(userId, StringComparer.Ordinal)
                        : ChatEventAudience.Includes(chatEvent, userId));
                });
            taken.AddRange(slice.Taken.Select(t => (batch[t.Recording].Events[t.Index], decoded[t])));
            cursor = slice.Cursor;
            incomplete |= slice.PassedLost;
            var full = batch.Count > limit;
            if (slice.LimitReached)
            {
                hasMore = slice.MoreInBatch || full;
                break;
            }

            if (!full)
            {
                // Everything up to the visible position was looked at.
                cursor = EventFeedCursor.After(visible);
                break;
            }
        }

        var messageIds = taken.Where(t => t.Event is null).Select(t => t.Entry.Id).ToList();
        var messages = messageIds.Count == 0
            ? []
            : (await _context.Messages.Find(MongoDefinitions.RealMessagesByIds(messageIds)).ToListAsync(cancellationToken).ConfigureAwait(false))
                .ToDictionary(m => m.Id, StringComparer.Ordinal);
        var page = new List<StoredChatEvent>(taken.Count);
        foreach (var (entry, decodedEvent) in taken)
        {
            var chatEvent = decodedEvent;
            if (chatEvent is null)
            {
                if (!messages.TryGetValue(entry.Id, out var message))
                {
                    continue; // its conversation was deleted since
                }

                chatEvent = new MessageCreatedEvent(DocumentMapper.ToModel(message), ChatEventJson.DeserializeUserIds(entry.Payload));
            }

            page.Add(new StoredChatEvent(entry.Id, chatEvent, new DateTimeOffset(DateTime.SpecifyKind(entry.OccurredAt, DateTimeKind.Utc))));
        }

        return new ChatEventFeedPage(page, cursor.ToString(), hasMore) { Incomplete = incomplete };
    }

    private static EventRecordingDocument ToRecording(string id, string conversationId, DateTimeOffset occurredAt, List<StoredChatEvent> events)
    {
        var removed = events.Select(e => e.Event).OfType<ParticipantRemovedEvent>().Select(e => e.UserId).Distinct(StringComparer.Ordinal).ToList();
        return new EventRecordingDocument
        {
            Id = id,
            ConversationId = conversationId,
            OccurredAt = occurredAt.UtcDateTime,
            Removed = removed.Count == 0 ? null : removed,
            Events = [.. events.Select(e => new EventEntryDocument
            {
                Id = e.Id,
                Type = ChatEventJson.TypeOf(e.Event),
                Payload = ChatEventJson.Serialize(e.Event),
                OccurredAt = occurredAt.UtcDateTime,
            })],
        };
    }
}
