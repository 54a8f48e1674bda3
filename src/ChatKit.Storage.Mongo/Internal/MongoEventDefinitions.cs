using System.Globalization;
using MongoDB.Driver;

namespace ChatKit.Storage.Mongo.Internal;

/// <summary>The event log's filters, updates and indexes, built in one place so tests can render them without a server.</summary>
internal static class MongoEventDefinitions
{
    /// <summary>The id of the feed's one counter document.</summary>
    public const string FeedId = "feed";

    public const string PositionIndex = "pos_unique";
    public const string EventIdIndex = "eventId_unique";
    public const string ConversationPositionIndex = "conversation_pos";
    public const string RemovedIndex = "removed_pos";
    public const string OccurredAtIndex = "occurredAt";
    public const string UnloggedIndex = "unlogged_conversation_seq";

    private static FilterDefinitionBuilder<EventRecordingDocument> Filter => Builders<EventRecordingDocument>.Filter;

    private static FilterDefinitionBuilder<MessageDocument> MessageFilter => Builders<MessageDocument>.Filter;

    // ----- the feed's counter -----

    public static FilterDefinition<EventFeedStateDocument> Feed => Builders<EventFeedStateDocument>.Filter.Eq(f => f.Id, FeedId);

    /// <summary>Hands out the next position: one atomic increment (upserted the first time).</summary>
    public static readonly UpdateDefinition<EventFeedStateDocument> AllocatePosition =
        Builders<EventFeedStateDocument>.Update.Inc(f => f.Allocated, 1L).SetOnInsert(f => f.Visible, 0L);

    /// <summary>Matches the counter only while its visible position is exactly <paramref name="visible"/>, so it moves by one, in order.</summary>
    public static FilterDefinition<EventFeedStateDocument> FeedVisibleAt(long visible) =>
        Builders<EventFeedStateDocument>.Filter.And(Feed, Builders<EventFeedStateDocument>.Filter.Eq(f => f.Visible, visible));

    public static UpdateDefinition<EventFeedStateDocument> AdvanceFeed(long position) =>
        Builders<EventFeedStateDocument>.Update.Set(f => f.Visible, position);

    // ----- recordings -----

    public static FilterDefinition<EventRecordingDocument> RecordingAt(long position) => Filter.Eq(r => r.Position, position);

    public static FilterDefinition<EventRecordingDocument> RecordingById(string id) => Filter.Eq(r => r.Id, id);

    /// <summary>The recordings holding any of these event ids (a message's <c>newMessage</c> event has the message's id).</summary>
    public static FilterDefinition<EventRecordingDocument> RecordingsWithEvents(IEnumerable<string> eventIds) =>
        Filter.In(new StringFieldDefinition<EventRecordingDocument, string>("events.id"), eventIds);

    /// <summary>The recordings from a position up to the visible one, optionally of some conversations only.</summary>
    public static FilterDefinition<EventRecordingDocument> RecordingsBetween(long from, long visible, IReadOnlyCollection<string>? conversationIds)
    {
        var range = Filter.Gte(r => r.Position, from) & Filter.Lte(r => r.Position, visible);
        return conversationIds is null ? range : range & Filter.In(r => r.ConversationId, conversationIds);
    }

    /// <summary>The recordings from a position that removed <paramref name="userId"/> from a conversation.</summary>
    public static FilterDefinition<EventRecordingDocument> RemovalsOf(string userId, long from) =>
        Filter.AnyEq(r => r.Removed, userId) & Filter.Gte(r => r.Position, from);

    public static readonly SortDefinition<EventRecordingDocument> PositionOrder = Builders<EventRecordingDocument>.Sort.Ascending(r => r.Position);

    /// <summary>
    /// The recordings a purge may delete: older than the cutoff, and below a position every sink has passed. Gap markers
    /// below that position go with them.
    /// </summary>
    public static FilterDefinition<EventRecordingDocument> Purgeable(DateTime before, long belowPosition) =>
        Filter.Lt(r => r.OccurredAt, before) & Filter.Lt(r => r.Position, belowPosition);

    public static readonly ProjectionDefinition<EventRecordingDocument> IdOnly = Builders<EventRecordingDocument>.Projection.Include(r => r.Id);

    public static readonly ProjectionDefinition<EventRecordingDocument> PositionAndEventIds =
        Builders<EventRecordingDocument>.Projection.Include(r => r.Position).Include("events.id");

    /// <summary>The marker of a given-up position: its id is fixed by the position, so two writers filling it insert one.</summary>
    public static EventRecordingDocument GapMarker(long position, DateTime at) => new()
    {
        Id = string.Create(CultureInfo.InvariantCulture, $"gap_{position}"),
        Position = position,
        OccurredAt = at,
    };

    // ----- unlogged messages -----

    /// <summary>The visible messages of a conversation whose <c>newMessage</c> event is not in the log yet.</summary>
    public static FilterDefinition<MessageDocument> UnloggedMessages(string conversationId, long visibleSeq) =>
        MessageFilter.Eq(m => m.ConversationId, conversationId) & MessageFilter.Eq(m => m.Unlogged, true) & MessageFilter.Lte(m => m.Seq, visibleSeq);

    public static FilterDefinition<MessageDocument> MessagesByIds(IEnumerable<string> ids) => MessageFilter.In(m => m.Id, ids);

    public static readonly UpdateDefinition<MessageDocument> MarkLogged = Builders<MessageDocument>.Update.Unset(m => m.Unlogged);

    // ----- recording locks -----

    /// <summary>The conversation's lock, only while nobody holds it (absent, or expired): an upsert that matches nothing collides on the id.</summary>
    public static FilterDefinition<EventLockDocument> LockTakeable(string conversationId, DateTime now) =>
        Builders<EventLockDocument>.Filter.Eq(l => l.ConversationId, conversationId) & Builders<EventLockDocument>.Filter.Lt(l => l.ExpiresAt, now);

    public static UpdateDefinition<EventLockDocument> TakeLock(string owner, DateTime expiresAt) =>
        Builders<EventLockDocument>.Update.Set(l => l.Owner, owner).Set(l => l.ExpiresAt, expiresAt);

    public static FilterDefinition<EventLockDocument> LockHeldBy(string conversationId, string owner) =>
        Builders<EventLockDocument>.Filter.Eq(l => l.ConversationId, conversationId) & Builders<EventLockDocument>.Filter.Eq(l => l.Owner, owner);

    // ----- indexes -----

    public static IReadOnlyList<CreateIndexModel<EventRecordingDocument>> RecordingIndexes { get; } =
    [
        // One recording (or gap marker) per position: a writer whose position was given up gets a duplicate key.
        new(Builders<EventRecordingDocument>.IndexKeys.Ascending(r => r.Position), new CreateIndexOptions { Name = PositionIndex, Unique = true }),

        // No event twice: a message's newMessage event is logged once, whoever replays it.
        new(
            Builders<EventRecordingDocument>.IndexKeys.Ascending("events.id"),
            new CreateIndexOptions<EventRecordingDocument>
            {
                Name = EventIdIndex,
                Unique = true,
                PartialFilterExpression = Filter.Exists("events.id"),
            }),

        // A user's reads: their conversations' recordings in position order; the conversations they left.
        new(Builders<EventRecordingDocument>.IndexKeys.Ascending(r => r.ConversationId).Ascending(r => r.Position), new CreateIndexOptions { Name = ConversationPositionIndex }),
        new(Builders<EventRecordingDocument>.IndexKeys.Ascending(r => r.Removed).Ascending(r => r.Position), new CreateIndexOptions<EventRecordingDocument>
        {
            Name = RemovedIndex,
            PartialFilterExpression = Filter.Exists(r => r.Removed),
        }),

        // The retention purge.
        new(Builders<EventRecordingDocument>.IndexKeys.Ascending(r => r.OccurredAt), new CreateIndexOptions { Name = OccurredAtIndex }),
    ];

    /// <summary>The unlogged messages of a conversation in seq order: a partial index, empty but for messages in flight.</summary>
    public static IReadOnlyList<CreateIndexModel<MessageDocument>> UnloggedMessageIndexes { get; } =
    [
        new(
            // Its key differs from the unique (conversationId, seq) index's: a key pattern may not repeat with other options.
            Builders<MessageDocument>.IndexKeys.Ascending(m => m.Unlogged).Ascending(m => m.ConversationId).Ascending(m => m.Seq),
            new CreateIndexOptions<MessageDocument> { Name = UnloggedIndex, PartialFilterExpression = MessageFilter.Eq(m => m.Unlogged, true) }),
    ];
}
