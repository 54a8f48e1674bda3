using MongoDB.Bson;
using MongoDB.Driver;

namespace ChatKit.Storage.Mongo.Internal;

// v2: edits, reactions and mentions. Reactions live in their message's document, so each change is one single-document
// conditional update, atomic on any number of nodes.
internal static partial class MongoDefinitions
{
    public static FilterDefinition<MessageDocument> RealMessagesByIds(IEnumerable<string> messageIds) =>
        Builders<MessageDocument>.Filter.In(m => m.Id, messageIds) & NotGap;

    public static UpdateDefinition<MessageDocument> Edit(string content, DateTime editedAt) =>
        Builders<MessageDocument>.Update.Set(m => m.Content, content).Set(m => m.EditedAt, editedAt);

    /// <summary>The reaction (user, emoji) inside a message's reactions array.</summary>
    private static BsonDocument ReactionMatch(string userId, string emoji) =>
        new("$elemMatch", new BsonDocument { { "u", userId }, { "e", emoji } });

    /// <summary>
    /// A live message that lacks the reaction and has room for it: the emoji is on it already, or it holds fewer than
    /// <paramref name="maxDistinctEmoji"/> distinct emoji.
    /// </summary>
    public static FilterDefinition<MessageDocument> CanAddReaction(string messageId, string userId, string emoji, int maxDistinctEmoji)
    {
        var distinct = new BsonDocument("$size", new BsonDocument("$setUnion", new BsonArray
        {
            new BsonDocument("$ifNull", new BsonArray { "$reactions.e", new BsonArray() }),
            new BsonArray(),
        }));
        var room = new BsonDocument("$or", new BsonArray
        {
            new BsonDocument("reactions.e", emoji),
            new BsonDocument("$expr", new BsonDocument("$lt", new BsonArray { distinct, maxDistinctEmoji })),
        });
        var lacks = new BsonDocument("reactions", new BsonDocument("$not", ReactionMatch(userId, emoji)));
        return LiveMessageById(messageId) & new BsonDocumentFilterDefinition<MessageDocument>(lacks) & new BsonDocumentFilterDefinition<MessageDocument>(room);
    }

    public static UpdateDefinition<MessageDocument> PushReaction(string userId, string emoji, DateTime reactedAt) =>
        Builders<MessageDocument>.Update.Push(m => m.Reactions, new ReactionDocument { UserId = userId, Emoji = emoji, ReactedAt = reactedAt });

    /// <summary>A live message that has the reaction.</summary>
    public static FilterDefinition<MessageDocument> HasReaction(string messageId, string userId, string emoji) =>
        LiveMessageById(messageId) & new BsonDocumentFilterDefinition<MessageDocument>(new BsonDocument("reactions", ReactionMatch(userId, emoji)));

    public static UpdateDefinition<MessageDocument> PullReaction(string userId, string emoji) =>
        new BsonDocumentUpdateDefinition<MessageDocument>(
            new BsonDocument("$pull", new BsonDocument("reactions", new BsonDocument { { "u", userId }, { "e", emoji } })));

    public static readonly ProjectionDefinition<MessageDocument> ReactionsOnly =
        Builders<MessageDocument>.Projection.Include(m => m.Reactions).Include(m => m.DeletedAt);

    /// <summary>
    /// Counts, per conversation, the unread messages of other senders that mention the user (not tombstones, not system
    /// messages): the unread counts' ranges with one more condition.
    /// </summary>
    public static PipelineDefinition<MessageDocument, UnreadCountDocument> UnreadMentionCounts(
        string userId, IEnumerable<(string ConversationId, long ReadSeq, long LastSeq)> ranges) =>
        UnreadCountsWhere(
            userId,
            ranges,
            [
                Builders<MessageDocument>.Filter.AnyEq(m => m.Mentions, userId),
                Builders<MessageDocument>.Filter.Ne(m => m.Type, DocumentMapper.ToStored(MessageType.System)),
            ]);
}
