using ChatKit.Storage.Mongo.Internal;
using MongoDB.Bson.Serialization.Serializers;
using static ChatKit.Storage.Mongo.Tests.Rendering;

namespace ChatKit.Storage.Mongo.Tests;

/// <summary>
/// Every filter, update, sort, projection, pipeline and index the store sends, rendered to BSON without a server: the
/// element names, the operators, and the types (seqs as NumberLong, times as ISODate, ids as strings).
/// </summary>
public sealed class MongoDefinitionsRenderTests
{
    private static readonly DateTime At = new(2025, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc);
    private const string AtJson = "ISODate(\"2025-01-02T03:04:05.678Z\")";

    [Fact]
    public void ConversationById_MatchesTheStringId()
    {
        Assert.Equal("""{ "_id" : "c_1" }""", Render(MongoDefinitions.ConversationById("c_1")));
    }

    [Fact]
    public void ConversationByDirectKey_MatchesTheKeyTheUniqueIndexCovers()
    {
        Assert.Equal("""{ "directKey" : "3:abc|def" }""", Render(MongoDefinitions.ConversationByDirectKey("3:abc|def")));
    }

    [Fact]
    public void InsertDirectCandidate_SetsEveryFieldButTheKeyOnInsertOnly()
    {
        var candidate = new ConversationDocument
        {
            Id = "c_1",
            Type = "direct",
            CreatedBy = "u1",
            CreatedAt = At,
            LastActivityAt = At,
            DirectKey = "2:u1|u2",
            Participants = [new() { UserId = "u1", Role = "member", JoinedAt = At }, new() { UserId = "u2", Role = "member", JoinedAt = At }],
        };

        Assert.Equal(
            "{ \"$setOnInsert\" : { \"_id\" : \"c_1\", \"type\" : \"direct\", \"createdBy\" : \"u1\", \"createdAt\" : " + AtJson + ", "
            + "\"participants\" : [{ \"userId\" : \"u1\", \"role\" : \"member\", \"joinedAt\" : " + AtJson + " }, "
            + "{ \"userId\" : \"u2\", \"role\" : \"member\", \"joinedAt\" : " + AtJson + " }], "
            + "\"lastSeq\" : NumberLong(0), \"lastActivityAt\" : " + AtJson + ", \"allocatedSeq\" : NumberLong(0) } }",
            Render(MongoDefinitions.InsertDirectCandidate(candidate)));
        Assert.Equal("2:u1|u2", candidate.DirectKey); // the candidate itself is left as it was
    }

    [Fact]
    public void ConversationsOf_FirstPage_MatchesTheParticipantOnly()
    {
        Assert.Equal("""{ "participants.userId" : "u1" }""", Render(MongoDefinitions.ConversationsOf("u1", null)));
    }

    [Fact]
    public void ConversationsOf_AfterPosition_IsStrictlyAfterItInActivityThenIdOrder()
    {
        var after = new ConversationPosition(new DateTimeOffset(At).ToOffset(TimeSpan.FromHours(2)), "c_5");

        Assert.Equal(
            "{ \"participants.userId\" : \"u1\", \"$or\" : [{ \"lastActivityAt\" : { \"$lt\" : " + AtJson + " } }, "
            + "{ \"lastActivityAt\" : " + AtJson + ", \"_id\" : { \"$lt\" : \"c_5\" } }] }",
            Render(MongoDefinitions.ConversationsOf("u1", after)));
    }

    [Fact]
    public void ConversationOrder_IsLastActivityThenIdDescending()
    {
        Assert.Equal("""{ "lastActivityAt" : -1, "_id" : -1 }""", Render(MongoDefinitions.ConversationOrder));
    }

    [Fact]
    public void AllocateSeq_IncrementsTheCounterByALong()
    {
        Assert.Equal("""{ "$inc" : { "allocatedSeq" : NumberLong(1) } }""", Render(MongoDefinitions.AllocateSeq));
        Assert.Equal("""{ "allocatedSeq" : 1 }""", Render(MongoDefinitions.AllocatedSeqOnly));
    }

    [Fact]
    public void AdvanceVisible_MovesTheVisibleSeqByOneFromExactlyTheSeqItRead()
    {
        Assert.Equal("""{ "_id" : "c_1", "lastSeq" : NumberLong(6) }""", Render(MongoDefinitions.ConversationVisibleAt("c_1", 6)));
        Assert.Equal("""{ "lastSeq" : 1 }""", Render(MongoDefinitions.VisibleSeqOnly));
        Assert.Equal(
            "{ \"$set\" : { \"lastSeq\" : NumberLong(7) }, \"$max\" : { \"lastMessageSeq\" : NumberLong(7), \"lastActivityAt\" : " + AtJson + " } }",
            Render(MongoDefinitions.AdvanceVisible(7, overMessage: true, At)));
        Assert.Equal("""{ "$set" : { "lastSeq" : NumberLong(7) } }""", Render(MongoDefinitions.AdvanceVisible(7, overMessage: false, At)));
    }

    [Fact]
    public void GapMarker_HoldsTheSeqUnderAnIdFixedByIt()
    {
        var marker = MongoDefinitions.GapMarker("c_1", 7, At);

        Assert.Equal("gap_c_1_7", marker.Id);
        Assert.Equal(MongoDefinitions.GapType, marker.Type);
        Assert.Null(marker.TempId); // never matches a tempId lookup, never enters the tempId unique index
        Assert.Equal("""{ "conversationId" : "c_1", "seq" : NumberLong(7) }""", Render(MongoDefinitions.MessageAt("c_1", 7)));
        Assert.Equal("""{ "type" : 1, "createdAt" : 1 }""", Render(MongoDefinitions.SlotOnly));
    }

    [Fact]
    public void AddParticipants_AppendsOnlyUnknownUsersAsLiterals()
    {
        var update = MongoDefinitions.AddParticipants([new() { UserId = "$u2", Role = "admin", JoinedAt = At }]);

        Assert.Equal(
            "[{ \"$set\" : { \"participants\" : { \"$concatArrays\" : [\"$participants\", { \"$filter\" : { "
            + "\"input\" : { \"$literal\" : [{ \"userId\" : \"$u2\", \"role\" : \"admin\", \"joinedAt\" : " + AtJson + " }] }, "
            + "\"cond\" : { \"$not\" : [{ \"$in\" : [\"$$this.userId\", \"$participants.userId\"] }] } } }] } } }]",
            Render(update));
    }

    [Fact]
    public void RemoveParticipant_WithoutNewOwner_FiltersTheUserOut()
    {
        Assert.Equal(
            """[{ "$set" : { "participants" : { "$filter" : { "input" : "$participants", "cond" : { "$ne" : ["$$this.userId", { "$literal" : "$u1" }] } } } } }]""",
            Render(MongoDefinitions.RemoveParticipant("$u1", null)));
    }

    [Fact]
    public void RemoveParticipant_WithNewOwner_PromotesThemAmongTheRemainingInTheSameUpdate()
    {
        Assert.Equal(
            "[{ \"$set\" : { \"participants\" : { \"$map\" : { "
            + "\"input\" : { \"$filter\" : { \"input\" : \"$participants\", \"cond\" : { \"$ne\" : [\"$$this.userId\", { \"$literal\" : \"u1\" }] } } }, "
            + "\"in\" : { \"$cond\" : [{ \"$eq\" : [\"$$this.userId\", { \"$literal\" : \"u2\" }] }, "
            + "{ \"$mergeObjects\" : [\"$$this\", { \"role\" : \"owner\" }] }, \"$$this\"] } } } } }]",
            Render(MongoDefinitions.RemoveParticipant("u1", "u2")));
    }

    [Fact]
    public void Contacts_AreTheDistinctParticipantIdsOfTheUsersConversations()
    {
        Assert.Equal("""{ "participants.userId" : "u1" }""", Render(MongoDefinitions.ContactsOf("u1")));
        var field = MongoDefinitions.ParticipantUserId.Render(Args<ConversationDocument>());
        Assert.Equal("participants.userId", field.FieldName);
        Assert.IsType<StringSerializer>(field.ValueSerializer); // each distinct value is read as a string
    }

    [Fact]
    public void MessageFilters_MatchIdTempIdAndTombstoneState()
    {
        Assert.Equal("""{ "_id" : "m_1" }""", Render(MongoDefinitions.MessageById("m_1")));
        Assert.Equal("""{ "conversationId" : "c_1", "senderId" : "u1", "tempId" : "t1" }""", Render(MongoDefinitions.MessageByTempId("c_1", "u1", "t1")));
        Assert.Equal("""{ "_id" : "m_1", "type" : { "$ne" : "gap" } }""", Render(MongoDefinitions.RealMessageById("m_1")));
        Assert.Equal("""{ "_id" : "m_1", "deletedAt" : null, "type" : { "$ne" : "gap" } }""", Render(MongoDefinitions.LiveMessageById("m_1")));
        Assert.Equal(
            "{ \"$set\" : { \"content\" : \"\", \"deletedAt\" : " + AtJson + " } }",
            Render(MongoDefinitions.Tombstone(At)));
    }

    [Fact]
    public void MessagesOf_BoundsTheSeqRangeInTheGivenDirection_UpToTheVisibleSeq_WithoutGapMarkers()
    {
        Assert.Equal(
            """{ "conversationId" : "c_1", "seq" : { "$lte" : NumberLong(9) }, "type" : { "$ne" : "gap" } }""",
            Render(MongoDefinitions.MessagesOf("c_1", 9, null, null)));
        Assert.Equal(
            """{ "conversationId" : "c_1", "seq" : { "$lte" : NumberLong(9), "$lt" : NumberLong(5) }, "type" : { "$ne" : "gap" } }""",
            Render(MongoDefinitions.MessagesOf("c_1", 9, 5, null)));
        Assert.Equal(
            """{ "conversationId" : "c_1", "seq" : { "$lte" : NumberLong(9), "$gt" : NumberLong(0) }, "type" : { "$ne" : "gap" } }""",
            Render(MongoDefinitions.MessagesOf("c_1", 9, null, 0)));
        Assert.Equal("""{ "seq" : 1 }""", Render(MongoDefinitions.SeqAscending));
        Assert.Equal("""{ "seq" : -1 }""", Render(MongoDefinitions.SeqDescending));
    }

    [Fact]
    public void MessagesAt_IsOnePointPerConversationAtItsLastSeq()
    {
        Assert.Equal(
            """{ "$or" : [{ "conversationId" : "c_1", "seq" : NumberLong(3) }, { "conversationId" : "c_2", "seq" : NumberLong(9) }] }""",
            Render(MongoDefinitions.MessagesAt([("c_1", 3), ("c_2", 9)])));
    }

    [Fact]
    public void UnreadCounts_IsOneAggregationOverEveryConversationsUnreadRange()
    {
        var pipeline = MongoDefinitions.UnreadCounts("u1", [("c_1", 2, 5), ("c_2", 0, 1)]);

        Assert.Equal(
            "[{ \"$match\" : { \"$or\" : ["
            + "{ \"conversationId\" : \"c_1\", \"seq\" : { \"$gt\" : NumberLong(2), \"$lte\" : NumberLong(5) } }, "
            + "{ \"conversationId\" : \"c_2\", \"seq\" : { \"$gt\" : NumberLong(0), \"$lte\" : NumberLong(1) } }], "
            + "\"senderId\" : { \"$ne\" : \"u1\" }, \"deletedAt\" : null, \"type\" : \"text\" } }, "
            + "{ \"$group\" : { \"_id\" : \"$conversationId\", \"count\" : { \"$sum\" : 1 } } }]",
            Render(pipeline));
    }

    [Fact]
    public void ReadPositions_AreMatchedByUserAndConversationAndMovedWithMax()
    {
        Assert.Equal("""{ "conversationId" : "c_1", "userId" : "u1" }""", Render(MongoDefinitions.ReadPositionOf("c_1", "u1")));
        Assert.Equal("""{ "userId" : "u1", "conversationId" : { "$in" : ["c_1", "c_2"] } }""", Render(MongoDefinitions.ReadPositionsOf("u1", ["c_1", "c_2"])));
        Assert.Equal("""{ "$max" : { "seq" : NumberLong(4) } }""", Render(MongoDefinitions.AdvanceReadPosition(4)));
    }

    [Fact]
    public void Reservations_AreTakenOverOnlyWhenUnchanged()
    {
        var observed = new TempIdReservationDocument { ConversationId = "c_1", SenderId = "u1", TempId = "t1", Token = "m_1", ReservedAt = At };

        Assert.Equal("""{ "conversationId" : "c_1", "senderId" : "u1", "tempId" : "t1" }""", Render(MongoDefinitions.ReservationOf("c_1", "u1", "t1")));
        Assert.Equal(
            "{ \"conversationId\" : \"c_1\", \"senderId\" : \"u1\", \"tempId\" : \"t1\", \"token\" : \"m_1\", \"reservedAt\" : " + AtJson + " }",
            Render(MongoDefinitions.ReservationHeldBy(observed)));
        Assert.Equal(
            """{ "conversationId" : "c_1", "senderId" : "u1", "tempId" : "t1", "token" : "m_2" }""",
            Render(MongoDefinitions.ReservationHeldBy("c_1", "u1", "t1", "m_2")));
        Assert.Equal(
            "{ \"$set\" : { \"token\" : \"m_2\", \"reservedAt\" : " + AtJson + " } }",
            Render(MongoDefinitions.TakeOverReservation("m_2", At)));
    }

    [Fact]
    public void ConversationIndexes_AreTheUniquePartialDirectKeyAndTheListOrder()
    {
        var indexes = MongoDefinitions.ConversationIndexes;

        Assert.Equal(2, indexes.Count);
        Assert.Equal("""{ "directKey" : 1 }""", Render(indexes[0].Keys));
        Assert.Equal("directKey_unique", indexes[0].Options.Name);
        Assert.True(indexes[0].Options.Unique);
        Assert.Equal("""{ "directKey" : { "$exists" : true } }""", Render(indexes[0].Options.PartialFilterExpression));

        Assert.Equal("""{ "participants.userId" : 1, "lastActivityAt" : -1, "_id" : -1 }""", Render(indexes[1].Keys));
        Assert.Equal("participants_activity", indexes[1].Options.Name);
        Assert.NotEqual(true, indexes[1].Options.Unique);
        Assert.Null(indexes[1].Options.PartialFilterExpression);
    }

    [Fact]
    public void MessageIndexes_AreTheUniqueSeqAndTheUniquePartialTempId()
    {
        var indexes = MongoDefinitions.MessageIndexes;

        Assert.Equal(2, indexes.Count);
        Assert.Equal("""{ "conversationId" : 1, "seq" : 1 }""", Render(indexes[0].Keys));
        Assert.Equal("conversation_seq_unique", indexes[0].Options.Name);
        Assert.True(indexes[0].Options.Unique);
        Assert.Null(indexes[0].Options.PartialFilterExpression);

        Assert.Equal("""{ "conversationId" : 1, "senderId" : 1, "tempId" : 1 }""", Render(indexes[1].Keys));
        Assert.Equal("conversation_sender_tempId_unique", indexes[1].Options.Name);
        Assert.True(indexes[1].Options.Unique);
        Assert.Equal("""{ "tempId" : { "$exists" : true } }""", Render(indexes[1].Options.PartialFilterExpression));
    }

    [Fact]
    public void ReadPositionIndexes_AreOneUniquePositionPerUserAndConversation_AndEveryPositionOfAConversation()
    {
        var indexes = MongoDefinitions.ReadPositionIndexes;
        Assert.Equal(2, indexes.Count);
        var index = indexes[0];

        Assert.Equal("""{ "userId" : 1, "conversationId" : 1 }""", Render(index.Keys));
        Assert.Equal("user_conversation_unique", index.Options.Name);
        Assert.True(index.Options.Unique);
        Assert.Equal("""{ "conversationId" : 1 }""", Render(indexes[1].Keys));
        Assert.Equal("conversation", indexes[1].Options.Name);
    }

    [Fact]
    public void TempIdIndexes_AreTheUniqueReservationAndADayLongTtl()
    {
        var indexes = MongoDefinitions.TempIdIndexes;

        Assert.Equal(2, indexes.Count);
        Assert.Equal("""{ "conversationId" : 1, "senderId" : 1, "tempId" : 1 }""", Render(indexes[0].Keys));
        Assert.Equal("conversation_sender_tempId_unique", indexes[0].Options.Name);
        Assert.True(indexes[0].Options.Unique);
        Assert.Null(indexes[0].Options.PartialFilterExpression);

        Assert.Equal("""{ "reservedAt" : 1 }""", Render(indexes[1].Keys));
        Assert.Equal("reservedAt_ttl", indexes[1].Options.Name);
        Assert.Equal(TimeSpan.FromDays(1), indexes[1].Options.ExpireAfter);
        Assert.NotEqual(true, indexes[1].Options.Unique);
    }
}
