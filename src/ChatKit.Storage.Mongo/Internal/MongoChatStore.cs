using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MongoDB.Driver;

namespace ChatKit.Storage.Mongo.Internal;

/// <summary>
/// <see cref="IChatStore"/> on MongoDB. Every guarantee comes from the database, so it holds across processes:
/// seqs from an atomic <c>$inc</c> on the conversation, idempotency and direct pairs from unique indexes, read positions
/// from <c>$max</c>, participant changes from single-document pipeline updates.
/// </summary>
internal sealed partial class MongoChatStore : IChatStore
{
    private const int MaxWriteAttempts = 5;
    private const int MaxInsertAttempts = 3;
    private static readonly TimeSpan FirstPollDelay = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan MaxPollDelay = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan UnavailableRetryAfter = TimeSpan.FromSeconds(1);

    private readonly MongoChatContext _context;
    private readonly MongoChatStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<MongoChatStore> _logger;
    private readonly VisibleSeq _visible;
    private readonly MongoEventFeedBackend _feedBackend;
    private readonly VisibleSeq _feedVisible;

    public MongoChatStore(MongoChatContext context, IOptions<MongoChatStoreOptions> options, TimeProvider time, ILogger<MongoChatStore> logger)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _context = context;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _visible = new VisibleSeq(new MongoVisibleSeqBackend(context, time), time, _options.SeqGapTimeout);
        _feedBackend = new MongoEventFeedBackend(context, time);
        _feedVisible = new VisibleSeq(_feedBackend, time, _options.SeqGapTimeout);
    }

    /// <inheritdoc/>
    public async Task CreateConversationAsync(Conversation conversation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        try
        {
            await _context.Conversations.InsertOneAsync(DocumentMapper.ToDocument(conversation), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (MongoWriteException exception) when (MongoErrors.IsDuplicateKey(exception))
        {
            throw new InvalidOperationException($"Conversation {conversation.Id} already exists.", exception);
        }
    }

    /// <inheritdoc/>
    public async Task<StoreResult<Conversation>> GetOrCreateDirectConversationAsync(Conversation candidate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(candidate.DirectKey);
        var document = DocumentMapper.ToDocument(candidate);
        var options = new FindOneAndUpdateOptions<ConversationDocument> { IsUpsert = true, ReturnDocument = ReturnDocument.After };
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // Upsert on the unique direct key: the candidate is inserted ($setOnInsert) only when the pair has no
                // conversation, and either way the pair's one conversation comes back.
                var stored = await _context.Conversations.FindOneAndUpdateAsync(
                    MongoDefinitions.ConversationByDirectKey(candidate.DirectKey),
                    MongoDefinitions.InsertDirectCandidate(document),
                    options,
                    cancellationToken).ConfigureAwait(false);
                return new StoreResult<Conversation>(DocumentMapper.ToModel(stored), string.Equals(stored.Id, candidate.Id, StringComparison.Ordinal));
            }
            catch (MongoException exception) when (attempt < MaxWriteAttempts && MongoErrors.IsDuplicateKey(exception))
            {
                // A concurrent call inserted the pair's conversation between this upsert's match and its insert (the
                // server retries that itself from 4.2 on; older ones and some topologies report it). It exists now.
            }
        }
    }

    /// <inheritdoc/>
    public async Task<Conversation?> FindConversationAsync(string conversationId, CancellationToken cancellationToken)
    {
        var document = await _context.Conversations.Find(MongoDefinitions.ConversationById(conversationId))
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return document is null ? null : DocumentMapper.ToModel(document);
    }

    /// <inheritdoc/>
    public async Task<ConversationView?> FindConversationViewAsync(string conversationId, string userId, CancellationToken cancellationToken)
    {
        var document = await _context.Conversations.Find(MongoDefinitions.ConversationById(conversationId))
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (document is null)
        {
            return null;
        }

        return (await BuildViewsAsync([document], userId, cancellationToken).ConfigureAwait(false))[0];
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<ConversationView>> ListConversationsAsync(string userId, ConversationPosition? after, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var documents = await _context.Conversations.Find(MongoDefinitions.ConversationsOf(userId, after))
            .Sort(MongoDefinitions.ConversationOrder)
            .Limit(limit)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return await BuildViewsAsync(documents, userId, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// <para>
    /// The seq comes from one atomic <c>findOneAndUpdate</c> with <c>$inc</c> on the conversation's counter, so
    /// concurrent appends from any process get distinct, consecutive seqs. A unique index on (conversationId, seq)
    /// backs that up.
    /// </para>
    /// <para>
    /// Idempotency, and why a duplicate never burns a seq: a message with a tempId first reserves (conversationId,
    /// senderId, tempId) by inserting into the <c>temp_ids</c> collection, whose unique index lets exactly one call
    /// through. Only that call increments the counter. Every other call with the same key gets a duplicate-key error
    /// and waits for the holder's message, then returns it. Checking the messages collection first and relying only on
    /// the messages' unique tempId index would not do: two concurrent calls would both increment before one of the
    /// inserts failed, leaving a seq without a message. A reservation whose holder died (older than
    /// <see cref="MongoChatStoreOptions.TempIdReservationTimeout"/> with no message) is taken over by a retry. The
    /// messages' own unique tempId index stays as the last line: if it ever fires, the first message is returned.
    /// </para>
    /// <para>
    /// Once a seq is allocated it belongs to this call alone, so the writes after the increment ignore cancellation and
    /// retry transient failures with the same seq: giving up there would leave a gap. Only a process that dies between
    /// the increment and the insert leaves one. The conversation's <see cref="Conversation.LastSeq"/> and
    /// <see cref="Conversation.LastActivityAt"/> move (forward only) after the insert, so they always name a stored message.
    /// </para>
    /// </remarks>
    public async Task<StoreResult<ChatMessage>> AppendMessageAsync(ChatMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_recording.Value is not null)
        {
            throw new InvalidOperationException("An append records its own newMessage event: it cannot be part of RecordEventsAsync.");
        }

        try
        {
            if (message.TempId is not { } tempId)
            {
                return await AppendAsync(message, cancellationToken).ConfigureAwait(false);
            }

            var first = await ReserveTempIdAsync(message, tempId, cancellationToken).ConfigureAwait(false);
            if (first is not null)
            {
                // A retry: the first call may have failed after storing its message and before making it visible.
                await CompleteAsync(first.ConversationId, first.Id, first.SenderId, first.Seq).ConfigureAwait(false);
                return new StoreResult<ChatMessage>(first, false);
            }

            try
            {
                return await AppendAsync(message, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // This call's message was not stored (or a retry finds it by its tempId): let a retry reserve at once
                // instead of waiting for the reservation to time out.
                await ReleaseReservationAsync(message, tempId).ConfigureAwait(false);
                throw;
            }
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested && MongoErrors.IsTransient(exception))
        {
            throw Unavailable(exception);
        }
    }

    /// <inheritdoc/>
    public async Task<ChatMessage?> FindMessageAsync(string messageId, CancellationToken cancellationToken)
    {
        var document = await _context.Messages.Find(MongoDefinitions.RealMessageById(messageId)).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return document is null ? null : DocumentMapper.ToModel(document);
    }

    /// <inheritdoc/>
    public async Task<ChatMessage?> FindMessageByTempIdAsync(string conversationId, string senderId, string tempId, CancellationToken cancellationToken)
    {
        var document = await _context.Messages.Find(MongoDefinitions.MessageByTempId(conversationId, senderId, tempId))
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return document is null ? null : DocumentMapper.ToModel(document);
    }

    /// <inheritdoc/>
    public async Task<MessagePage> GetMessagesAsync(string conversationId, long? beforeSeq, long? afterSeq, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        try
        {
            // Only up to the visible seq: a message stored at N+1 while N is still on its way stays out of every page, so
            // a reader following after= never steps over N.
            var conversation = await _context.Conversations.Find(MongoDefinitions.ConversationById(conversationId))
                .Project<ConversationDocument>(MongoDefinitions.VisibleSeqOnly)
                .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
            if (conversation is null)
            {
                return new MessagePage([], false);
            }

            // One more than asked for says whether more lie beyond the page.
            var documents = await _context.Messages.Find(MongoDefinitions.MessagesOf(conversationId, conversation.LastSeq, beforeSeq, afterSeq))
                .Sort(afterSeq is null ? MongoDefinitions.SeqDescending : MongoDefinitions.SeqAscending)
                .Limit(limit + 1)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            var hasMore = documents.Count > limit;
            if (hasMore)
            {
                documents.RemoveAt(documents.Count - 1);
            }

            if (afterSeq is null)
            {
                documents.Reverse();
            }

            return new MessagePage([.. documents.Select(DocumentMapper.ToModel)], hasMore);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested && MongoErrors.IsTransient(exception))
        {
            throw Unavailable(exception);
        }
    }

    /// <inheritdoc/>
    public async Task<ChatMessage?> DeleteMessageAsync(string messageId, DateTimeOffset deletedAt, CancellationToken cancellationToken)
    {
        var options = new FindOneAndUpdateOptions<MessageDocument> { ReturnDocument = ReturnDocument.After };
        var tombstone = await _context.Messages.FindOneAndUpdateAsync(
            MongoDefinitions.LiveMessageById(messageId),
            MongoDefinitions.Tombstone(DocumentMapper.ToStored(deletedAt)),
            options,
            cancellationToken).ConfigureAwait(false);

        // No live message matched: it is already a tombstone (returned unchanged) or does not exist.
        tombstone ??= await _context.Messages.Find(MongoDefinitions.RealMessageById(messageId)).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return tombstone is null ? null : DocumentMapper.ToModel(tombstone);
    }

    /// <inheritdoc/>
    public Task<long> AdvanceReadPositionAsync(string conversationId, string userId, long seq, CancellationToken cancellationToken) =>
        AdvanceAsync(conversationId, userId, seq, cancellationToken);

    /// <inheritdoc/>
    public async Task<long> GetReadPositionAsync(string conversationId, string userId, CancellationToken cancellationToken)
    {
        var position = await _context.ReadPositions.Find(MongoDefinitions.ReadPositionOf(conversationId, userId))
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return position?.Seq ?? 0;
    }

    /// <inheritdoc/>
    public async Task<Conversation?> AddParticipantsAsync(string conversationId, IReadOnlyList<Participant> participants, CancellationToken cancellationToken) =>
        (await AddParticipantsAsync(conversationId, participants, int.MaxValue, cancellationToken).ConfigureAwait(false)).Conversation;

    /// <inheritdoc/>
    public async Task<AddParticipantsResult> AddParticipantsAsync(string conversationId, IReadOnlyList<Participant> participants, int maxParticipants, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(participants);

        // The first entry of a user wins, as when adding them one by one.
        var distinct = participants.DistinctBy(p => p.UserId, StringComparer.Ordinal).Select(DocumentMapper.ToDocument).ToList();
        ConversationDocument? document = null;
        if (distinct.Count > 0)
        {
            // One findAndModify: the limit is checked against the document the append changes.
            document = await _context.Conversations.FindOneAndUpdateAsync(
                MongoDefinitions.ConversationWithRoomFor(conversationId, distinct, maxParticipants),
                MongoDefinitions.AddParticipants(distinct),
                new FindOneAndUpdateOptions<ConversationDocument> { ReturnDocument = ReturnDocument.After },
                cancellationToken).ConfigureAwait(false);
            if (document is not null)
            {
                return new AddParticipantsResult(DocumentMapper.ToModel(document), false);
            }
        }

        // Nothing to add, or no match: the conversation does not exist or has no room.
        document = await _context.Conversations.Find(MongoDefinitions.ConversationById(conversationId)).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return document is null
            ? new AddParticipantsResult(null, false)
            : new AddParticipantsResult(DocumentMapper.ToModel(document), distinct.Count > 0);
    }

    /// <inheritdoc/>
    public async Task<Conversation?> RemoveParticipantAsync(string conversationId, string userId, string? newOwnerId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userId);
        var document = await _context.Conversations.FindOneAndUpdateAsync(
            MongoDefinitions.ConversationById(conversationId),
            MongoDefinitions.RemoveParticipant(userId, newOwnerId),
            new FindOneAndUpdateOptions<ConversationDocument> { ReturnDocument = ReturnDocument.After },
            cancellationToken).ConfigureAwait(false);
        return document is null ? null : DocumentMapper.ToModel(document);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyCollection<string>> GetContactsAsync(string userId, CancellationToken cancellationToken)
    {
        // One distinct over the user's conversations, served by the participants index.
        using var cursor = await _context.Conversations.DistinctAsync(
            MongoDefinitions.ParticipantUserId,
            MongoDefinitions.ContactsOf(userId),
            cancellationToken: cancellationToken).ConfigureAwait(false);
        var contacts = new HashSet<string>(StringComparer.Ordinal);
        while (await cursor.MoveNextAsync(cancellationToken).ConfigureAwait(false))
        {
            contacts.UnionWith(cursor.Current);
        }

        contacts.Remove(userId);
        return contacts;
    }

    /// <summary>
    /// Builds the views of a page of conversations in at most three more queries, whatever the page size: the user's
    /// read positions and the newest messages (in parallel), then the unread counts in one aggregation.
    /// </summary>
    private async Task<List<ConversationView>> BuildViewsAsync(IReadOnlyList<ConversationDocument> conversations, string userId, CancellationToken cancellationToken)
    {
        if (conversations.Count == 0)
        {
            return [];
        }

        var positionsTask = _context.ReadPositions.Find(MongoDefinitions.ReadPositionsOf(userId, conversations.Select(c => c.Id)))
            .ToListAsync(cancellationToken);
        var newest = conversations.Select(c => (c.Id, Seq: NewestMessageSeq(c))).Where(c => c.Seq > 0).ToList();
        var lastMessagesTask = newest.Count == 0
            ? Task.FromResult(new List<MessageDocument>())
            : _context.Messages.Find(MongoDefinitions.MessagesAt(newest)).ToListAsync(cancellationToken);
        await Task.WhenAll(positionsTask, lastMessagesTask).ConfigureAwait(false);

        var positions = (await positionsTask.ConfigureAwait(false)).ToDictionary(p => p.ConversationId, p => p.Seq, StringComparer.Ordinal);
        var lastMessages = (await lastMessagesTask.ConfigureAwait(false)).ToDictionary(m => m.ConversationId, StringComparer.Ordinal);
        var ranges = conversations
            .Select(c => (ConversationId: c.Id, ReadSeq: positions.GetValueOrDefault(c.Id), c.LastSeq))
            .Where(r => r.LastSeq > r.ReadSeq)
            .ToList();
        var unread = new Dictionary<string, int>(StringComparer.Ordinal);
        if (ranges.Count > 0)
        {
            var counts = await _context.Messages.Aggregate(MongoDefinitions.UnreadCounts(userId, ranges), cancellationToken: cancellationToken)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (var count in counts)
            {
                unread[count.ConversationId] = count.Count;
            }
        }

        var mentioned = await MentionCountsAsync(userId, ranges, cancellationToken).ConfigureAwait(false);
        return [.. conversations.Select(c => new ConversationView(
            DocumentMapper.ToModel(c),
            lastMessages.TryGetValue(c.Id, out var last) ? DocumentMapper.ToModel(last) : null,
            unread.GetValueOrDefault(c.Id)) { UnreadMentionCount = mentioned.GetValueOrDefault(c.Id) })];
    }

    /// <summary>
    /// Reserves a message's tempId for this call. Returns <see langword="null"/> once reserved, or the first message
    /// stored with that tempId, which the caller returns instead of storing anything.
    /// </summary>
    private async Task<ChatMessage?> ReserveTempIdAsync(ChatMessage message, string tempId, CancellationToken cancellationToken)
    {
        while (true)
        {
            var reservation = new TempIdReservationDocument
            {
                ConversationId = message.ConversationId,
                SenderId = message.SenderId,
                TempId = tempId,
                Token = message.Id,
                ReservedAt = _time.GetUtcNow().UtcDateTime,
            };
            try
            {
                await _context.TempIds.InsertOneAsync(reservation, cancellationToken: cancellationToken).ConfigureAwait(false);

                // Reserved. The tempId may still have a message, stored before its reservation expired or was released.
                return await FindByTempIdAsync(message, tempId, cancellationToken).ConfigureAwait(false);
            }
            catch (MongoWriteException exception) when (MongoErrors.IsDuplicateKey(exception))
            {
                // Another call holds the tempId.
            }

            var (first, reserved) = await WaitForHolderAsync(message, tempId, cancellationToken).ConfigureAwait(false);
            if (first is not null || reserved)
            {
                return first;
            }

            // The holder released the reservation without storing its message: try to reserve again.
        }
    }

    /// <summary>
    /// Waits for the call holding a tempId's reservation to store its message, polling with a growing delay. Takes the
    /// reservation over when it is older than the timeout with no message (its holder died).
    /// </summary>
    private async Task<(ChatMessage? First, bool Reserved)> WaitForHolderAsync(ChatMessage message, string tempId, CancellationToken cancellationToken)
    {
        var delay = FirstPollDelay;
        var timeout = _options.TempIdReservationTimeout;
        while (true)
        {
            var first = await FindByTempIdAsync(message, tempId, cancellationToken).ConfigureAwait(false);
            if (first is not null)
            {
                return (first, false);
            }

            var holder = await _context.TempIds.Find(MongoDefinitions.ReservationOf(message.ConversationId, message.SenderId, tempId))
                .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
            if (holder is null)
            {
                return (null, false);
            }

            var now = _time.GetUtcNow().UtcDateTime;
            if (now - holder.ReservedAt >= timeout)
            {
                // Conditional on the reservation being unchanged, so only one waiting call takes it over.
                var result = await _context.TempIds.UpdateOneAsync(
                    MongoDefinitions.ReservationHeldBy(holder),
                    MongoDefinitions.TakeOverReservation(message.Id, now),
                    cancellationToken: cancellationToken).ConfigureAwait(false);
                if (result.ModifiedCount == 1)
                {
                    Log.ReservationTakenOver(_logger, tempId, message.SenderId, message.ConversationId, timeout);

                    // The old holder may have stored its message just before.
                    first = await FindByTempIdAsync(message, tempId, cancellationToken).ConfigureAwait(false);
                    return (first, first is null);
                }

                continue;
            }

            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxPollDelay.Ticks));
        }
    }

    private Task<ChatMessage?> FindByTempIdAsync(ChatMessage message, string tempId, CancellationToken cancellationToken) =>
        FindMessageByTempIdAsync(message.ConversationId, message.SenderId, tempId, cancellationToken);

    private async Task ReleaseReservationAsync(ChatMessage message, string tempId)
    {
        try
        {
            await _context.TempIds.DeleteOneAsync(
                MongoDefinitions.ReservationHeldBy(message.ConversationId, message.SenderId, tempId, message.Id),
                CancellationToken.None).ConfigureAwait(false);
        }
        catch (MongoException exception)
        {
            Log.ReleaseFailed(_logger, tempId, message.ConversationId, _options.TempIdReservationTimeout, exception);
        }
        catch (TimeoutException exception)
        {
            Log.ReleaseFailed(_logger, tempId, message.ConversationId, _options.TempIdReservationTimeout, exception);
        }
    }

    /// <summary>
    /// Allocates the next seq and stores the message at it (taking a new seq if a waiting append gave this one up), then
    /// makes it visible and moves the sender's read position: only then is it acknowledged.
    /// </summary>
    private async Task<StoreResult<ChatMessage>> AppendAsync(ChatMessage message, CancellationToken cancellationToken)
    {
        // The increment itself is not cancelled once sent: a cancelled call could not tell whether the server applied
        // it, and an applied increment without its message is a gap (which the next append fills after a while).
        cancellationToken.ThrowIfCancellationRequested();
        for (var attempt = 1; ; attempt++)
        {
            var counter = await _context.Conversations.FindOneAndUpdateAsync(
                MongoDefinitions.ConversationById(message.ConversationId),
                MongoDefinitions.AllocateSeq,
                new FindOneAndUpdateOptions<ConversationDocument> { ReturnDocument = ReturnDocument.After, Projection = MongoDefinitions.AllocatedSeqOnly },
                CancellationToken.None).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Conversation {message.ConversationId} does not exist.");

            // From here the seq is this call's alone: the remaining writes ignore cancellation too.
            var document = DocumentMapper.ToDocument(message, counter.AllocatedSeq);
            document.Unlogged = true;
            var stored = await InsertAllocatedAsync(document).ConfigureAwait(false);
            if (stored is null)
            {
                // This append was so slow that a waiting one gave its seq up as a gap: take another.
                Log.SeqGivenUp(_logger, document.Seq, document.ConversationId, document.Id);
                if (attempt >= MaxWriteAttempts)
                {
                    throw new InvalidOperationException($"Message {document.Id} could not be stored: {attempt} seqs were given up while it was being stored.");
                }

                continue;
            }

            await CompleteAsync(stored.ConversationId, stored.Id, stored.SenderId, stored.Seq).ConfigureAwait(false);
            return ReferenceEquals(stored, document)
                ? new StoreResult<ChatMessage>(DocumentMapper.ToModel(document), true)
                : new StoreResult<ChatMessage>(DocumentMapper.ToModel(stored), false);
        }
    }

    /// <summary>
    /// Makes a stored message visible (waiting for the seqs before it, see <see cref="VisibleSeq"/>) and moves its
    /// sender's read position to it, then logs its <c>newMessage</c> event (see MongoChatStore.Events.cs). Any step failing
    /// fails the append: it is retried with the same tempId, which finds the message and completes it, instead of being
    /// acknowledged while readers, unread counts or the event feed cannot see it.
    /// </summary>
    private async Task CompleteAsync(string conversationId, string messageId, string senderId, long seq)
    {
        await _visible.PublishThroughAsync(conversationId, seq).ConfigureAwait(false);
        await AdvanceAsync(conversationId, senderId, seq, CancellationToken.None).ConfigureAwait(false);
        await LogAppendedAsync(conversationId, messageId).ConfigureAwait(false);
    }

    /// <summary>The seq of a conversation's newest visible message, or 0.</summary>
    private static long NewestMessageSeq(ConversationDocument conversation) =>
        conversation.LastMessageSeq > 0 ? conversation.LastMessageSeq : conversation.LastSeq;

    private ChatException Unavailable(Exception exception)
    {
        Log.DatabaseUnavailable(_logger, exception);
        return new ChatException(ChatErrorCode.Unavailable, "the database is unreachable for the moment; retry (a send with the same tempId)", retryAfter: UnavailableRetryAfter);
    }

    /// <summary>
    /// Inserts a message at a seq this call allocated, retrying transient failures with the same seq. Returns the
    /// document itself once stored, the first message of its tempId if one exists after all, or <see langword="null"/>
    /// when a gap marker holds the seq (a waiting append gave it up).
    /// </summary>
    private async Task<MessageDocument?> InsertAllocatedAsync(MessageDocument document)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _context.Messages.InsertOneAsync(document, cancellationToken: CancellationToken.None).ConfigureAwait(false);
                return document;
            }
            catch (MongoWriteException exception) when (MongoErrors.IsDuplicateKey(exception))
            {
                // An earlier attempt was stored though its reply was lost: the message is there at this seq.
                var existing = await _context.Messages.Find(MongoDefinitions.MessageById(document.Id)).FirstOrDefaultAsync(CancellationToken.None).ConfigureAwait(false);
                if (existing is not null && existing.Seq == document.Seq && string.Equals(existing.ConversationId, document.ConversationId, StringComparison.Ordinal))
                {
                    return document;
                }

                var holder = await _context.Messages.Find(MongoDefinitions.MessageAt(document.ConversationId, document.Seq))
                    .Project<MessageDocument>(MongoDefinitions.SlotOnly)
                    .FirstOrDefaultAsync(CancellationToken.None).ConfigureAwait(false);
                if (holder?.Type == MongoDefinitions.GapType)
                {
                    return null;
                }

                Log.SeqLost(_logger, document.Seq, document.ConversationId, document.Id, exception);
                if (document.TempId is { } tempId)
                {
                    // Only when a reservation was taken over from a holder that was slow, not dead: the first message wins.
                    var first = await _context.Messages.Find(MongoDefinitions.MessageByTempId(document.ConversationId, document.SenderId, tempId))
                        .FirstOrDefaultAsync(CancellationToken.None).ConfigureAwait(false);
                    if (first is not null)
                    {
                        return first;
                    }
                }

                throw new InvalidOperationException($"Message {document.Id} could not be stored at seq {document.Seq}: a unique key it needs is taken.", exception);
            }
            catch (Exception exception) when (attempt < MaxInsertAttempts && MongoErrors.IsTransient(exception))
            {
                Log.InsertRetried(_logger, document.Id, document.Seq, attempt, exception);
                await Task.Delay(RetryDelay * attempt, _time, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is MongoException or TimeoutException)
            {
                Log.SeqLost(_logger, document.Seq, document.ConversationId, document.Id, exception);
                throw;
            }
        }
    }

    private async Task<long> AdvanceAsync(string conversationId, string userId, long seq, CancellationToken cancellationToken)
    {
        var options = new FindOneAndUpdateOptions<ReadPositionDocument> { IsUpsert = true, ReturnDocument = ReturnDocument.After };
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // $max: the position moves only forward, whatever order concurrent calls arrive in.
                var position = await _context.ReadPositions.FindOneAndUpdateAsync(
                    MongoDefinitions.ReadPositionOf(conversationId, userId),
                    MongoDefinitions.AdvanceReadPosition(seq),
                    options,
                    cancellationToken).ConfigureAwait(false);
                return position.Seq;
            }
            catch (MongoException exception) when (attempt < MaxWriteAttempts && MongoErrors.IsDuplicateKey(exception))
            {
                // Two first advances raced to insert the position; it exists now, so the update applies to it.
            }
        }
    }
}
