using System.Globalization;
using MongoDB.Bson;
using MongoDB.Driver;

namespace ChatKit.Storage.Mongo.Internal;

/// <summary>
/// Every filter, update, sort, pipeline and index ChatKit sends to MongoDB, built in one place so tests can render each
/// to BSON and check it without a server.
/// </summary>
internal static partial class MongoDefinitions
{
    public const string DirectKeyIndex = "directKey_unique";
    public const string ParticipantActivityIndex = "participants_activity";
    public const string ConversationSeqIndex = "conversation_seq_unique";
    public const string ConversationSenderTempIdIndex = "conversation_sender_tempId_unique";
    public const string UserConversationIndex = "user_conversation_unique";
    public const string ReservedAtTtlIndex = "reservedAt_ttl";

    /// <summary>How long a tempId reservation is kept after it was taken: far longer than any append runs.</summary>
    public static readonly TimeSpan ReservationRetention = TimeSpan.FromDays(1);

    private static FilterDefinitionBuilder<ConversationDocument> ConversationFilter => Builders<ConversationDocument>.Filter;

    private static FilterDefinitionBuilder<MessageDocument> MessageFilter => Builders<MessageDocument>.Filter;

    private static FilterDefinitionBuilder<ReadPositionDocument> ReadPositionFilter => Builders<ReadPositionDocument>.Filter;

    private static FilterDefinitionBuilder<TempIdReservationDocument> TempIdFilter => Builders<TempIdReservationDocument>.Filter;

    /// <summary>The path of the participants' user ids, served by the multikey index.</summary>
    public static readonly StringFieldDefinition<ConversationDocument, string> ParticipantUserId = new("participants.userId");

    // ----- conversations -----

    public static FilterDefinition<ConversationDocument> ConversationById(string conversationId) =>
        ConversationFilter.Eq(c => c.Id, conversationId);

    public static FilterDefinition<ConversationDocument> ConversationByDirectKey(string directKey) =>
        ConversationFilter.Eq(c => c.DirectKey, directKey);

    /// <summary>Inserts the candidate when no conversation has its direct key; the key itself comes from the filter.</summary>
    public static UpdateDefinition<ConversationDocument> InsertDirectCandidate(ConversationDocument candidate)
    {
        var fields = candidate.ToBsonDocument();
        fields.Remove("directKey");
        return new BsonDocumentUpdateDefinition<ConversationDocument>(new BsonDocument("$setOnInsert", fields));
    }

    /// <summary>The conversations of a user, strictly after a position in (last activity desc, id desc) order.</summary>
    public static FilterDefinition<ConversationDocument> ConversationsOf(string userId, ConversationPosition? after)
    {
        var mine = ConversationFilter.Eq(ParticipantUserId, userId);
        if (after is null)
        {
            return mine;
        }

        var at = DocumentMapper.ToStored(after.LastActivityAt);
        return ConversationFilter.And(
            mine,
            ConversationFilter.Or(
                ConversationFilter.Lt(c => c.LastActivityAt, at),
                ConversationFilter.And(
                    ConversationFilter.Eq(c => c.LastActivityAt, at),
                    ConversationFilter.Lt(c => c.Id, after.ConversationId))));
    }

    public static readonly SortDefinition<ConversationDocument> ConversationOrder =
        Builders<ConversationDocument>.Sort.Descending(c => c.LastActivityAt).Descending(c => c.Id);

    /// <summary>Hands out the next seq: one atomic increment of the conversation's counter.</summary>
    public static readonly UpdateDefinition<ConversationDocument> AllocateSeq =
        Builders<ConversationDocument>.Update.Inc(c => c.AllocatedSeq, 1L);

    public static readonly ProjectionDefinition<ConversationDocument> AllocatedSeqOnly =
        Builders<ConversationDocument>.Projection.Include(c => c.AllocatedSeq);

    public static readonly ProjectionDefinition<ConversationDocument> VisibleSeqOnly =
        Builders<ConversationDocument>.Projection.Include(c => c.LastSeq);

    /// <summary>Matches the conversation only while its visible seq is exactly <paramref name="visible"/>, so it moves by one, in order.</summary>
    public static FilterDefinition<ConversationDocument> ConversationVisibleAt(string conversationId, long visible) =>
        ConversationFilter.And(ConversationFilter.Eq(c => c.Id, conversationId), ConversationFilter.Eq(c => c.LastSeq, visible));

    /// <summary>
    /// Moves the visible seq to <paramref name="seq"/>; over a message, also the newest message's seq and the last activity
    /// (with <c>$max</c>, so they never move back). Over a gap marker only the visible seq moves.
    /// </summary>
    public static UpdateDefinition<ConversationDocument> AdvanceVisible(long seq, bool overMessage, DateTime createdAt)
    {
        var update = Builders<ConversationDocument>.Update.Set(c => c.LastSeq, seq);
        return overMessage ? update.Max(c => c.LastMessageSeq, seq).Max(c => c.LastActivityAt, createdAt) : update;
    }

    /// <summary>
    /// Appends the participants whose user id is not in the conversation yet, in one atomic update (a pipeline, so the
    /// check and the append see the same document). The new entries are a <c>$literal</c>: a user id that starts with
    /// <c>$</c> stays text.
    /// </summary>
    public static UpdateDefinition<ConversationDocument> AddParticipants(IEnumerable<ParticipantDocument> participants) =>
        Pipeline(new BsonDocument("$set", new BsonDocument(
            "participants", new BsonDocument("$concatArrays", new BsonArray { "$participants", NewParticipants(participants) }))));

    /// <summary>
    /// The conversation, only while adding <paramref name="participants"/> leaves it with at most
    /// <paramref name="maxParticipants"/> participants: with <see cref="AddParticipants"/> in one findAndModify, the count
    /// and the append see the same document, so concurrent adds never pass the limit.
    /// </summary>
    public static FilterDefinition<ConversationDocument> ConversationWithRoomFor(string conversationId, IEnumerable<ParticipantDocument> participants, int maxParticipants)
    {
        var total = new BsonDocument("$add", new BsonArray
        {
            new BsonDocument("$size", "$participants"),
            new BsonDocument("$size", NewParticipants(participants)),
        });
        return ConversationFilter.And(
            ConversationById(conversationId),
            new BsonDocument("$expr", new BsonDocument("$lte", new BsonArray { total, maxParticipants })));
    }

    private static BsonDocument NewParticipants(IEnumerable<ParticipantDocument> participants) =>
        new("$filter", new BsonDocument
        {
            { "input", new BsonDocument("$literal", new BsonArray(participants.Select(p => p.ToBsonDocument()))) },
            { "cond", new BsonDocument("$not", new BsonArray { new BsonDocument("$in", new BsonArray { "$$this.userId", "$participants.userId" }) }) },
        });

    /// <summary>
    /// Removes a participant and, in the same atomic update, makes <paramref name="newOwnerId"/> the owner if it is
    /// among the remaining participants.
    /// </summary>
    public static UpdateDefinition<ConversationDocument> RemoveParticipant(string userId, string? newOwnerId)
    {
        BsonValue remaining = new BsonDocument("$filter", new BsonDocument
        {
            { "input", "$participants" },
            { "cond", new BsonDocument("$ne", new BsonArray { "$$this.userId", new BsonDocument("$literal", userId) }) },
        });
        if (newOwnerId is not null)
        {
            remaining = new BsonDocument("$map", new BsonDocument
            {
                { "input", remaining },
                {
                    "in", new BsonDocument("$cond", new BsonArray
                    {
                        new BsonDocument("$eq", new BsonArray { "$$this.userId", new BsonDocument("$literal", newOwnerId) }),
                        new BsonDocument("$mergeObjects", new BsonArray { "$$this", new BsonDocument("role", DocumentMapper.ToStored(ParticipantRole.Owner)) }),
                        "$$this",
                    })
                },
            });
        }

        return Pipeline(new BsonDocument("$set", new BsonDocument("participants", remaining)));
    }

    public static FilterDefinition<ConversationDocument> ContactsOf(string userId) => ConversationFilter.Eq(ParticipantUserId, userId);

    // ----- messages -----

    public static FilterDefinition<MessageDocument> MessageById(string messageId) => MessageFilter.Eq(m => m.Id, messageId);

    /// <summary>A message by id, never a gap marker.</summary>
    public static FilterDefinition<MessageDocument> RealMessageById(string messageId) =>
        MessageFilter.And(MessageFilter.Eq(m => m.Id, messageId), NotGap);

    /// <summary>Whatever the conversation holds at one seq: a message or a gap marker.</summary>
    public static FilterDefinition<MessageDocument> MessageAt(string conversationId, long seq) =>
        MessageFilter.And(MessageFilter.Eq(m => m.ConversationId, conversationId), MessageFilter.Eq(m => m.Seq, seq));

    public static readonly ProjectionDefinition<MessageDocument> SlotOnly =
        Builders<MessageDocument>.Projection.Include(m => m.Type).Include(m => m.CreatedAt);

    /// <summary>The gap marker of a given-up seq: its id is fixed by the seq, so two appends filling it insert one.</summary>
    public static MessageDocument GapMarker(string conversationId, long seq, DateTime at) => new()
    {
        Id = string.Create(CultureInfo.InvariantCulture, $"gap_{conversationId}_{seq}"),
        ConversationId = conversationId,
        Seq = seq,
        Type = GapType,
        CreatedAt = at,
    };

    /// <summary>The stored type of a gap marker.</summary>
    public const string GapType = "gap";

    internal static FilterDefinition<MessageDocument> NotGap => MessageFilter.Ne(m => m.Type, GapType);

    public static FilterDefinition<MessageDocument> MessageByTempId(string conversationId, string senderId, string tempId) =>
        MessageFilter.And(
            MessageFilter.Eq(m => m.ConversationId, conversationId),
            MessageFilter.Eq(m => m.SenderId, senderId),
            MessageFilter.Eq(m => m.TempId, tempId));

    /// <summary>
    /// The visible messages of a conversation (up to its visible seq, no gap marker) after <paramref name="afterSeq"/>, or
    /// before <paramref name="beforeSeq"/>, or all.
    /// </summary>
    public static FilterDefinition<MessageDocument> MessagesOf(string conversationId, long visibleSeq, long? beforeSeq, long? afterSeq)
    {
        var filter = MessageFilter.Eq(m => m.ConversationId, conversationId) & MessageFilter.Lte(m => m.Seq, visibleSeq) & NotGap;
        if (afterSeq is { } after)
        {
            return filter & MessageFilter.Gt(m => m.Seq, after);
        }

        return beforeSeq is { } before ? filter & MessageFilter.Lt(m => m.Seq, before) : filter;
    }

    public static readonly SortDefinition<MessageDocument> SeqAscending = Builders<MessageDocument>.Sort.Ascending(m => m.Seq);

    public static readonly SortDefinition<MessageDocument> SeqDescending = Builders<MessageDocument>.Sort.Descending(m => m.Seq);

    /// <summary>The newest message of each conversation: one index point per conversation, at its last seq.</summary>
    public static FilterDefinition<MessageDocument> MessagesAt(IEnumerable<(string ConversationId, long Seq)> keys) =>
        MessageFilter.Or(keys.Select(k => MessageFilter.Eq(m => m.ConversationId, k.ConversationId) & MessageFilter.Eq(m => m.Seq, k.Seq)));

    /// <summary>Matches the message only while it is not a tombstone, so deleting twice keeps the first deletion time.</summary>
    public static FilterDefinition<MessageDocument> LiveMessageById(string messageId) =>
        MessageFilter.And(MessageFilter.Eq(m => m.Id, messageId), MessageFilter.Eq(m => m.DeletedAt, null), NotGap);

    public static UpdateDefinition<MessageDocument> Tombstone(DateTime deletedAt) =>
        Builders<MessageDocument>.Update.Set(m => m.Content, string.Empty).Set(m => m.DeletedAt, deletedAt);

    /// <summary>
    /// Counts, per conversation, the text messages of other senders that are not tombstones, after the user's read position
    /// and up to the conversation's last seq: one aggregation for a whole page of conversations.
    /// </summary>
    public static PipelineDefinition<MessageDocument, UnreadCountDocument> UnreadCounts(
        string userId, IEnumerable<(string ConversationId, long ReadSeq, long LastSeq)> ranges) =>
        UnreadCountsWhere(userId, ranges, []);

    /// <summary>The unread counts, counting only the unread messages that also match <paramref name="conditions"/>.</summary>
    private static PipelineDefinition<MessageDocument, UnreadCountDocument> UnreadCountsWhere(
        string userId, IEnumerable<(string ConversationId, long ReadSeq, long LastSeq)> ranges, IEnumerable<FilterDefinition<MessageDocument>> conditions)
    {
        var filter = MessageFilter.And(
        [
            MessageFilter.Or(ranges.Select(r =>
                MessageFilter.Eq(m => m.ConversationId, r.ConversationId)
                & MessageFilter.Gt(m => m.Seq, r.ReadSeq)
                & MessageFilter.Lte(m => m.Seq, r.LastSeq))),
            MessageFilter.Ne(m => m.SenderId, userId),
            MessageFilter.Eq(m => m.DeletedAt, null),

            // Text only: neither gap markers nor system messages, which never count as unread.
            MessageFilter.Eq(m => m.Type, "text"),
            .. conditions,
        ]);
        var group = new BsonDocument
        {
            { "_id", "$conversationId" },
            { "count", new BsonDocument("$sum", 1) },
        };
        return new EmptyPipelineDefinition<MessageDocument>()
            .Match(filter)
            .Group<MessageDocument, MessageDocument, UnreadCountDocument>(group);
    }

    // ----- read positions -----

    public static FilterDefinition<ReadPositionDocument> ReadPositionOf(string conversationId, string userId) =>
        ReadPositionFilter.And(ReadPositionFilter.Eq(r => r.ConversationId, conversationId), ReadPositionFilter.Eq(r => r.UserId, userId));

    public static FilterDefinition<ReadPositionDocument> ReadPositionsOf(string userId, IEnumerable<string> conversationIds) =>
        ReadPositionFilter.And(ReadPositionFilter.Eq(r => r.UserId, userId), ReadPositionFilter.In(r => r.ConversationId, conversationIds));

    /// <summary>Moves the read position to <paramref name="seq"/> only if that is further (a conditional update).</summary>
    public static UpdateDefinition<ReadPositionDocument> AdvanceReadPosition(long seq) =>
        Builders<ReadPositionDocument>.Update.Max(r => r.Seq, seq);

    // ----- tempId reservations -----

    public static FilterDefinition<TempIdReservationDocument> ReservationOf(string conversationId, string senderId, string tempId) =>
        TempIdFilter.And(
            TempIdFilter.Eq(r => r.ConversationId, conversationId),
            TempIdFilter.Eq(r => r.SenderId, senderId),
            TempIdFilter.Eq(r => r.TempId, tempId));

    /// <summary>Matches the reservation only while it is exactly as <paramref name="observed"/> (same holder, same time).</summary>
    public static FilterDefinition<TempIdReservationDocument> ReservationHeldBy(TempIdReservationDocument observed) =>
        ReservationOf(observed.ConversationId, observed.SenderId, observed.TempId)
        & TempIdFilter.Eq(r => r.Token, observed.Token)
        & TempIdFilter.Eq(r => r.ReservedAt, observed.ReservedAt);

    public static FilterDefinition<TempIdReservationDocument> ReservationHeldBy(string conversationId, string senderId, string tempId, string token) =>
        ReservationOf(conversationId, senderId, tempId) & TempIdFilter.Eq(r => r.Token, token);

    public static UpdateDefinition<TempIdReservationDocument> TakeOverReservation(string token, DateTime reservedAt) =>
        Builders<TempIdReservationDocument>.Update.Set(r => r.Token, token).Set(r => r.ReservedAt, reservedAt);

    // ----- indexes -----

    public static IReadOnlyList<CreateIndexModel<ConversationDocument>> ConversationIndexes { get; } =
    [
        // One direct conversation per pair: the key exists only on direct conversations.
        new(
            Builders<ConversationDocument>.IndexKeys.Ascending(c => c.DirectKey),
            new CreateIndexOptions<ConversationDocument>
            {
                Name = DirectKeyIndex,
                Unique = true,
                PartialFilterExpression = ConversationFilter.Exists(c => c.DirectKey),
            }),

        // A user's conversation list, in page order.
        new(
            Builders<ConversationDocument>.IndexKeys.Ascending(ParticipantUserId).Descending(c => c.LastActivityAt).Descending(c => c.Id),
            new CreateIndexOptions<ConversationDocument> { Name = ParticipantActivityIndex }),
    ];

    public static IReadOnlyList<CreateIndexModel<MessageDocument>> MessageIndexes { get; } =
    [
        // History pages, the newest message, unread counts; and no seq twice in a conversation.
        new(
            Builders<MessageDocument>.IndexKeys.Ascending(m => m.ConversationId).Ascending(m => m.Seq),
            new CreateIndexOptions<MessageDocument> { Name = ConversationSeqIndex, Unique = true }),

        // A sender's tempId is used once per conversation; messages without one are not indexed.
        new(
            Builders<MessageDocument>.IndexKeys.Ascending(m => m.ConversationId).Ascending(m => m.SenderId).Ascending(m => m.TempId),
            new CreateIndexOptions<MessageDocument>
            {
                Name = ConversationSenderTempIdIndex,
                Unique = true,
                PartialFilterExpression = MessageFilter.Exists(m => m.TempId),
            }),
    ];

    public static IReadOnlyList<CreateIndexModel<ReadPositionDocument>> ReadPositionIndexes { get; } =
    [
        // One position per user and conversation; serves one user's positions for a page of conversations too.
        new(
            Builders<ReadPositionDocument>.IndexKeys.Ascending(r => r.UserId).Ascending(r => r.ConversationId),
            new CreateIndexOptions<ReadPositionDocument> { Name = UserConversationIndex, Unique = true }),

        // Every participant's positions in a page of conversations (the receipts of the Conversation resource).
        new(
            Builders<ReadPositionDocument>.IndexKeys.Ascending(r => r.ConversationId),
            new CreateIndexOptions<ReadPositionDocument> { Name = "conversation" }),
    ];

    public static IReadOnlyList<CreateIndexModel<TempIdReservationDocument>> TempIdIndexes { get; } =
    [
        // The reservation itself: one holder per (conversation, sender, tempId).
        new(
            Builders<TempIdReservationDocument>.IndexKeys.Ascending(r => r.ConversationId).Ascending(r => r.SenderId).Ascending(r => r.TempId),
            new CreateIndexOptions<TempIdReservationDocument> { Name = ConversationSenderTempIdIndex, Unique = true }),

        // Old reservations go away by themselves; the message's own unique index keeps the tempId used for good.
        new(
            Builders<TempIdReservationDocument>.IndexKeys.Ascending(r => r.ReservedAt),
            new CreateIndexOptions<TempIdReservationDocument> { Name = ReservedAtTtlIndex, ExpireAfter = ReservationRetention }),
    ];

    private static PipelineUpdateDefinition<ConversationDocument> Pipeline(params BsonDocument[] stages) =>
        new(PipelineDefinition<ConversationDocument, ConversationDocument>.Create(stages));
}
