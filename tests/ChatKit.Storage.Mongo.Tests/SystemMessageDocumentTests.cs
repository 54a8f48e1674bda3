using ChatKit.Storage.Mongo.Internal;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;

namespace ChatKit.Storage.Mongo.Tests;

/// <summary>v2 fields through the driver's serializer and Core's model: metadata, system messages, delivery positions.</summary>
public sealed class SystemMessageDocumentTests
{
    private static BsonDocument Bson<T>(T value) => value.ToBsonDocument();

    [Fact]
    public void SystemMessage_AndMetadata_RoundTripThroughDocumentAndModel()
    {
        var at = new DateTimeOffset(2026, 11, 24, 10, 0, 0, 123, TimeSpan.Zero);
        var message = new ChatMessage
        {
            Id = "m_1", ConversationId = "c_1", Seq = 0, SenderId = "alice", SenderName = "Alice", Content = "Alice made bob the owner",
            Type = MessageType.System, CreatedAt = at, Metadata = "{\"a\":1}",
            System = new SystemMessageInfo(SystemEventKind.RoleChanged, "alice", ["bob"], null, ParticipantRole.Owner),
        };

        var document = DocumentMapper.ToDocument(message, 7);
        var bson = Bson(document);
        var back = DocumentMapper.ToModel(BsonSerializer.Deserialize<MessageDocument>(bson));

        Assert.Equal("""{ "event" : "role_changed", "actorId" : "alice", "userIds" : ["bob"], "role" : "owner" }""", bson["system"].ToJson());
        Assert.Equal("{\"a\":1}", bson["metadata"].AsString);
        Assert.Equal(message with { Seq = 7 }, back);
    }

    [Fact]
    public void TextMessage_AndV1Documents_HaveNoSystemOrMetadataElements()
    {
        var message = new ChatMessage
        {
            Id = "m_2", ConversationId = "c_1", Seq = 0, SenderId = "bob", SenderName = "Bob", Content = "hi", CreatedAt = DateTimeOffset.UnixEpoch,
        };

        var bson = Bson(DocumentMapper.ToDocument(message, 1));
        Assert.False(bson.Contains("system"));
        Assert.False(bson.Contains("metadata"));

        // A read position written by v1 has no deliveredSeq: it reads as 0, and one at 0 is not written.
        var v1 = BsonSerializer.Deserialize<ReadPositionDocument>(new BsonDocument { { "conversationId", "c_1" }, { "userId", "bob" }, { "seq", 3L } });
        Assert.Equal(0, v1.DeliveredSeq);
        Assert.False(Bson(v1).Contains("deliveredSeq"));
        Assert.Equal(5L, Bson(new ReadPositionDocument { ConversationId = "c_1", UserId = "bob", Seq = 3, DeliveredSeq = 5 })["deliveredSeq"].AsInt64);
    }
}
