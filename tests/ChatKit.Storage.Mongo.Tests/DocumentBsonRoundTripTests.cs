using ChatKit.Storage.Mongo.Internal;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;

namespace ChatKit.Storage.Mongo.Tests;

/// <summary>
/// Every stored document type through the driver's serializer and back, as bytes: the element names, the BSON types
/// (strings for ids, 64-bit integers for seqs, UTC datetimes for times), omitted optional elements, and that every field
/// comes back unchanged.
/// </summary>
public sealed class DocumentBsonRoundTripTests
{
    private static readonly DateTime Created = new(2025, 3, 4, 5, 6, 7, 891, DateTimeKind.Utc);
    private static readonly DateTime Later = Created.AddMinutes(3).AddMilliseconds(1);

    private static (BsonDocument Bson, T Back) RoundTrip<T>(T value)
    {
        byte[] bytes;
        using (var stream = new MemoryStream())
        {
            using (var writer = new MongoDB.Bson.IO.BsonBinaryWriter(stream))
            {
                BsonSerializer.Serialize(writer, value);
            }

            bytes = stream.ToArray();
        }

        return (BsonSerializer.Deserialize<BsonDocument>(bytes), BsonSerializer.Deserialize<T>(bytes));
    }

    private static void AssertUtc(DateTime expected, DateTime actual)
    {
        Assert.Equal(expected, actual);
        Assert.Equal(DateTimeKind.Utc, actual.Kind);
    }

    [Fact]
    public void ConversationDocument_Group_RoundTripsEveryFieldWithDeclaredTypes()
    {
        var document = new ConversationDocument
        {
            Id = "c_0123456789abcdef0123456789abcdef",
            Type = "group",
            Name = "Team ✓",
            CreatedBy = "u_owner",
            CreatedAt = Created,
            Participants =
            [
                new() { UserId = "u_owner", Role = "owner", JoinedAt = Created },
                new() { UserId = "$odd.id", Role = "admin", JoinedAt = Later },
            ],
            LastSeq = 41,
            LastActivityAt = Later,
            DirectKey = null,
            AllocatedSeq = 42,
        };

        var (bson, back) = RoundTrip(document);

        Assert.Equal(
            ["_id", "type", "name", "createdBy", "createdAt", "participants", "lastSeq", "lastActivityAt", "allocatedSeq"],
            bson.Names);
        Assert.Equal(new BsonString(document.Id), bson["_id"]);
        Assert.Equal(new BsonString("group"), bson["type"]);
        Assert.Equal(new BsonString("Team ✓"), bson["name"]);
        Assert.Equal(new BsonString("u_owner"), bson["createdBy"]);
        Assert.Equal(new BsonDateTime(Created), bson["createdAt"]);
        Assert.Equal(new BsonInt64(41), bson["lastSeq"]);
        Assert.Equal(new BsonDateTime(Later), bson["lastActivityAt"]);
        Assert.Equal(new BsonInt64(42), bson["allocatedSeq"]);
        var participants = bson["participants"].AsBsonArray;
        Assert.Equal(
            new BsonArray
            {
                new BsonDocument { { "userId", "u_owner" }, { "role", "owner" }, { "joinedAt", new BsonDateTime(Created) } },
                new BsonDocument { { "userId", "$odd.id" }, { "role", "admin" }, { "joinedAt", new BsonDateTime(Later) } },
            },
            participants);

        Assert.Equal(document.Id, back.Id);
        Assert.Equal("group", back.Type);
        Assert.Equal("Team ✓", back.Name);
        Assert.Equal("u_owner", back.CreatedBy);
        AssertUtc(Created, back.CreatedAt);
        Assert.Equal(41, back.LastSeq);
        AssertUtc(Later, back.LastActivityAt);
        Assert.Null(back.DirectKey);
        Assert.Equal(42, back.AllocatedSeq);
        Assert.Equal(2, back.Participants.Count);
        Assert.Equal("$odd.id", back.Participants[1].UserId);
        Assert.Equal("admin", back.Participants[1].Role);
        AssertUtc(Later, back.Participants[1].JoinedAt);
        Assert.Equal("u_owner", back.Participants[0].UserId);
        Assert.Equal("owner", back.Participants[0].Role);
        AssertUtc(Created, back.Participants[0].JoinedAt);
    }

    [Fact]
    public void ConversationDocument_Direct_KeepsItsKeyAndOmitsTheName()
    {
        var document = new ConversationDocument
        {
            Id = "c_1",
            Type = "direct",
            CreatedBy = "a",
            CreatedAt = Created,
            LastActivityAt = Created,
            DirectKey = "1:a|b",
            Participants = [new() { UserId = "a", Role = "member", JoinedAt = Created }, new() { UserId = "b", Role = "member", JoinedAt = Created }],
        };

        var (bson, back) = RoundTrip(document);

        Assert.False(bson.Contains("name"));
        Assert.Equal(new BsonString("1:a|b"), bson["directKey"]);
        Assert.Equal(new BsonInt64(0), bson["lastSeq"]);
        Assert.Equal(new BsonInt64(0), bson["allocatedSeq"]);
        Assert.Equal("1:a|b", back.DirectKey);
        Assert.Null(back.Name);
        Assert.Equal("direct", back.Type);
    }

    [Fact]
    public void MessageDocument_WithEveryField_RoundTripsWithDeclaredTypes()
    {
        var document = new MessageDocument
        {
            Id = "m_0123456789abcdef0123456789abcdef",
            ConversationId = "c_1",
            Seq = 5_000_000_000,
            SenderId = "u_1",
            SenderName = "Ann",
            Content = "Line one\n\tline two ✓",
            Type = "text",
            TempId = "t_1",
            CreatedAt = Created,
            EditedAt = Later,
            DeletedAt = Later.AddSeconds(1),
        };

        var (bson, back) = RoundTrip(document);

        Assert.Equal(
            ["_id", "conversationId", "seq", "senderId", "senderName", "content", "type", "tempId", "createdAt", "editedAt", "deletedAt"],
            bson.Names);
        Assert.Equal(new BsonString(document.Id), bson["_id"]);
        Assert.Equal(new BsonString("c_1"), bson["conversationId"]);
        Assert.Equal(new BsonInt64(5_000_000_000), bson["seq"]);
        Assert.Equal(new BsonString("u_1"), bson["senderId"]);
        Assert.Equal(new BsonString("Ann"), bson["senderName"]);
        Assert.Equal(new BsonString("Line one\n\tline two ✓"), bson["content"]);
        Assert.Equal(new BsonString("text"), bson["type"]);
        Assert.Equal(new BsonString("t_1"), bson["tempId"]);
        Assert.Equal(new BsonDateTime(Created), bson["createdAt"]);
        Assert.Equal(new BsonDateTime(Later), bson["editedAt"]);
        Assert.Equal(new BsonDateTime(Later.AddSeconds(1)), bson["deletedAt"]);

        Assert.Equal(document.Id, back.Id);
        Assert.Equal("c_1", back.ConversationId);
        Assert.Equal(5_000_000_000, back.Seq);
        Assert.Equal("u_1", back.SenderId);
        Assert.Equal("Ann", back.SenderName);
        Assert.Equal("Line one\n\tline two ✓", back.Content);
        Assert.Equal("text", back.Type);
        Assert.Equal("t_1", back.TempId);
        AssertUtc(Created, back.CreatedAt);
        AssertUtc(Later, back.EditedAt!.Value);
        AssertUtc(Later.AddSeconds(1), back.DeletedAt!.Value);
    }

    [Fact]
    public void MessageDocument_WithoutOptionalFields_OmitsThemSoPartialIndexesSkipIt()
    {
        var document = new MessageDocument
        {
            Id = "m_1",
            ConversationId = "c_1",
            Seq = 1,
            SenderId = "u_1",
            SenderName = "Ann",
            Content = "hi",
            Type = "system",
            CreatedAt = Created,
        };

        var (bson, back) = RoundTrip(document);

        Assert.Equal(["_id", "conversationId", "seq", "senderId", "senderName", "content", "type", "createdAt"], bson.Names);
        Assert.Equal(new BsonInt64(1), bson["seq"]); // small seqs are 64-bit too
        Assert.Null(back.TempId);
        Assert.Null(back.EditedAt);
        Assert.Null(back.DeletedAt);
        Assert.Equal("system", back.Type);
    }

    [Fact]
    public void ReadPositionDocument_RoundTripsAndIgnoresTheServersObjectId()
    {
        var (bson, back) = RoundTrip(new ReadPositionDocument { ConversationId = "c_1", UserId = "u_1", Seq = 7 });

        Assert.Equal(["conversationId", "userId", "seq"], bson.Names);
        Assert.Equal(new BsonInt64(7), bson["seq"]);
        Assert.Equal(("c_1", "u_1", 7L), (back.ConversationId, back.UserId, back.Seq));

        var stored = new BsonDocument { { "_id", ObjectId.GenerateNewId() }, { "conversationId", "c_2" }, { "userId", "u_2" }, { "seq", 3L } };
        var read = BsonSerializer.Deserialize<ReadPositionDocument>(stored);
        Assert.Equal(("c_2", "u_2", 3L), (read.ConversationId, read.UserId, read.Seq));
    }

    [Fact]
    public void TempIdReservationDocument_RoundTripsAndIgnoresTheServersObjectId()
    {
        var document = new TempIdReservationDocument { ConversationId = "c_1", SenderId = "u_1", TempId = "t_1", Token = "m_1", ReservedAt = Created };

        var (bson, back) = RoundTrip(document);

        Assert.Equal(["conversationId", "senderId", "tempId", "token", "reservedAt"], bson.Names);
        Assert.Equal(new BsonDateTime(Created), bson["reservedAt"]);
        Assert.Equal(("c_1", "u_1", "t_1", "m_1"), (back.ConversationId, back.SenderId, back.TempId, back.Token));
        AssertUtc(Created, back.ReservedAt);

        bson.InsertAt(0, new BsonElement("_id", ObjectId.GenerateNewId()));
        Assert.Equal("m_1", BsonSerializer.Deserialize<TempIdReservationDocument>(bson).Token);
    }

    [Fact]
    public void UnreadCountDocument_ReadsTheGroupStagesOutput()
    {
        var (bson, back) = RoundTrip(new UnreadCountDocument { ConversationId = "c_1", Count = 12 });

        Assert.Equal(new BsonDocument { { "_id", "c_1" }, { "count", 12 } }, bson);
        Assert.Equal(("c_1", 12), (back.ConversationId, back.Count));
    }

    [Fact]
    public void Documents_WithUnknownElements_AreReadByOlderCode()
    {
        var stored = new BsonDocument
        {
            { "_id", "m_1" }, { "conversationId", "c_1" }, { "seq", 2L }, { "senderId", "u" }, { "senderName", "U" },
            { "content", "x" }, { "type", "text" }, { "createdAt", new BsonDateTime(Created) }, { "futureElement", new BsonArray { "👍" } },
        };

        var message = BsonSerializer.Deserialize<MessageDocument>(stored);

        Assert.Equal(2, message.Seq);
        AssertUtc(Created, message.CreatedAt);
    }
}
