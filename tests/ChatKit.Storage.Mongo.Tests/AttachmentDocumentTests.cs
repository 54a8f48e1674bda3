using ChatKit.Storage.Mongo.Internal;
using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoDB.Bson.Serialization;

namespace ChatKit.Storage.Mongo.Tests;

/// <summary>Attachments in MongoDB without a server: the documents through the serializer, the mapper, and the claim's filter.</summary>
public sealed class AttachmentDocumentTests
{
    private static BsonDocument ToBson<T>(T value)
    {
        using var stream = new MemoryStream();
        using (var writer = new BsonBinaryWriter(stream))
        {
            BsonSerializer.Serialize(writer, value);
        }

        return BsonSerializer.Deserialize<BsonDocument>(stream.ToArray());
    }

    [Fact]
    public void Attachment_RoundTripsThroughTheMapperAndTheSerializer_WithAnExplicitNullSentKey()
    {
        var attachment = new ChatAttachment
        {
            Id = "a_1", ConversationId = "c_1", UploaderId = "alice", Name = "ü.png", ContentType = "image/png",
            Size = 10, Width = 3, Height = 2, UploadedAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero),
        };

        var bson = ToBson(DocumentMapper.ToDocument(attachment));
        var back = DocumentMapper.ToModel(BsonSerializer.Deserialize<AttachmentDocument>(bson));

        Assert.Equal(attachment, back);
        Assert.Equal("a_1", bson["_id"].AsString);
        Assert.Equal(BsonNull.Value, bson["sentKey"]);
        Assert.Equal(BsonType.DateTime, bson["uploadedAt"].BsonType);
    }

    [Fact]
    public void Message_WithAttachments_RoundTrips_AndWithoutThemOmitsTheElement()
    {
        var message = new ChatMessage
        {
            Id = "m_1", ConversationId = "c_1", Seq = 1, SenderId = "alice", SenderName = "Alice", Content = "",
            CreatedAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero),
            Attachments = [new MessageAttachment("a_1", "x.pdf", "application/pdf", 5, null, null), new MessageAttachment("a_2", "y.png", "image/png", 6, 7, 8)],
        };

        var bson = ToBson(DocumentMapper.ToDocument(message, 1));
        var back = DocumentMapper.ToModel(BsonSerializer.Deserialize<MessageDocument>(bson));

        Assert.Equal(message.Attachments, back.Attachments);
        Assert.False(ToBson(DocumentMapper.ToDocument(message with { Attachments = [] }, 1)).Contains("attachments"));
    }

    [Fact]
    public void ClaimFilter_RequiresConversationUploaderAndAnUnsentOrSameKeyUpload()
    {
        var filter = MongoDefinitions.ClaimableAttachment("a_1", "c_1", "alice", "k");
        var rendered = Rendering.Render(filter);

        Assert.Contains("c_1", rendered, StringComparison.Ordinal);
        Assert.Contains("alice", rendered, StringComparison.Ordinal);
        Assert.Contains("null", rendered, StringComparison.Ordinal);
        Assert.Contains("\"k\"", rendered, StringComparison.Ordinal);
        Assert.Contains("sentKey", rendered, StringComparison.Ordinal);
    }
}
