using MongoDB.Driver;

namespace ChatKit.Storage.Mongo.Internal;

// Attachments (v2): filters and updates of the attachments collection, each a single-document operation.
internal static partial class MongoDefinitions
{
    public const string UnsentAttachmentsIndex = "ix_sentKey_uploadedAt";

    public static IReadOnlyList<CreateIndexModel<AttachmentDocument>> AttachmentIndexes { get; } =
    [
        // The sweep's scan: unsent uploads (sentKey null), oldest first.
        new(
            Builders<AttachmentDocument>.IndexKeys.Ascending(a => a.SentKey).Ascending(a => a.UploadedAt),
            new CreateIndexOptions<AttachmentDocument> { Name = UnsentAttachmentsIndex }),
    ];

    /// <summary>The upload, if it belongs to the conversation and uploader and is unsent or sent with this key.</summary>
    public static FilterDefinition<AttachmentDocument> ClaimableAttachment(string id, string conversationId, string uploaderId, string sentKey)
    {
        var f = Builders<AttachmentDocument>.Filter;
        return f.Eq(a => a.Id, id) & f.Eq(a => a.ConversationId, conversationId) & f.Eq(a => a.UploaderId, uploaderId)
            & (f.Eq(a => a.SentKey, null) | f.Eq(a => a.SentKey, sentKey));
    }

    public static FilterDefinition<AttachmentDocument> AttachmentSentWith(string id, string sentKey) =>
        Builders<AttachmentDocument>.Filter.Eq(a => a.Id, id) & Builders<AttachmentDocument>.Filter.Eq(a => a.SentKey, sentKey);

    public static FilterDefinition<AttachmentDocument> UnsentAttachment(string id) =>
        Builders<AttachmentDocument>.Filter.Eq(a => a.Id, id) & Builders<AttachmentDocument>.Filter.Eq(a => a.SentKey, null);

    public static FilterDefinition<AttachmentDocument> UnsentAttachmentsBefore(DateTime uploadedBefore) =>
        Builders<AttachmentDocument>.Filter.Eq(a => a.SentKey, null) & Builders<AttachmentDocument>.Filter.Lt(a => a.UploadedAt, uploadedBefore);

    public static UpdateDefinition<AttachmentDocument> SetSentKey(string? sentKey) =>
        Builders<AttachmentDocument>.Update.Set(a => a.SentKey, sentKey);
}
