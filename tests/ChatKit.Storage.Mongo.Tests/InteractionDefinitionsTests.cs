using ChatKit.Storage.Mongo.Internal;
using static ChatKit.Storage.Mongo.Tests.Rendering;

namespace ChatKit.Storage.Mongo.Tests;

/// <summary>Issue 15: the conditional updates behind edits and reactions, and the mention count, rendered without a server.</summary>
public sealed class InteractionDefinitionsTests
{
    private static readonly DateTime At = new(2025, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc);
    private const string AtJson = "ISODate(\"2025-01-02T03:04:05.678Z\")";

    [Fact]
    public void Edit_SetsContentAndEditedAtOnALiveMessageOnly()
    {
        Assert.Equal(
            """{ "_id" : "m_1", "deletedAt" : null, "type" : { "$ne" : "gap" } }""",
            Render(MongoDefinitions.LiveMessageById("m_1")));
        Assert.Equal(
            "{ \"$set\" : { \"content\" : \"new\", \"editedAt\" : " + AtJson + " } }",
            Render(MongoDefinitions.Edit("new", At)));
    }

    [Fact]
    public void CanAddReaction_RequiresALiveMessageWithoutThePairAndWithRoom()
    {
        Assert.Equal(
            "{ \"_id\" : \"m_1\", \"deletedAt\" : null, \"type\" : { \"$ne\" : \"gap\" }, "
            + "\"reactions\" : { \"$not\" : { \"$elemMatch\" : { \"u\" : \"bob\", \"e\" : \"+1\" } } }, "
            + "\"$or\" : [{ \"reactions.e\" : \"+1\" }, { \"$expr\" : { \"$lt\" : [{ \"$size\" : { \"$setUnion\" : [{ \"$ifNull\" : [\"$reactions.e\", []] }, []] } }, 50] } }] }",
            Render(MongoDefinitions.CanAddReaction("m_1", "bob", "+1", 50)));
    }

    [Fact]
    public void PushAndPullReaction_AddAndRemoveThePairInTheArray()
    {
        Assert.Equal(
            "{ \"$push\" : { \"reactions\" : { \"e\" : \"+1\", \"u\" : \"bob\", \"at\" : " + AtJson + " } } }",
            Render(MongoDefinitions.PushReaction("bob", "+1", At)));
        Assert.Equal("""{ "$pull" : { "reactions" : { "u" : "bob", "e" : "+1" } } }""", Render(MongoDefinitions.PullReaction("bob", "+1")));
        Assert.Equal(
            """{ "_id" : "m_1", "deletedAt" : null, "type" : { "$ne" : "gap" }, "reactions" : { "$elemMatch" : { "u" : "bob", "e" : "+1" } } }""",
            Render(MongoDefinitions.HasReaction("m_1", "bob", "+1")));
    }

    [Fact]
    public void UnreadMentionCounts_AddTheMentionAndExcludeSystemMessages()
    {
        var rendered = Render(MongoDefinitions.UnreadMentionCounts("bob", [("c_1", 2L, 9L)]));

        Assert.Contains("\"mentions\" : \"bob\"", rendered, StringComparison.Ordinal);
        Assert.Contains("\"type\" : { \"$ne\" : \"system\" }", rendered, StringComparison.Ordinal);
        Assert.Contains("\"seq\" : { \"$gt\" : NumberLong(2), \"$lte\" : NumberLong(9) }", rendered, StringComparison.Ordinal);
        Assert.Contains("\"type\" : \"text\"", rendered, StringComparison.Ordinal); // neither gap markers nor system messages
        Assert.Contains("\"senderId\" : { \"$ne\" : \"bob\" }", rendered, StringComparison.Ordinal);
    }

    [Fact]
    public void Aggregate_GroupsEmojiInFirstUseOrderWithUsersInOrder()
    {
        var documents = new[]
        {
            new MessageDocument
            {
                Id = "m_1",
                Reactions =
                [
                    new() { Emoji = "👍", UserId = "b" }, new() { Emoji = "🎉", UserId = "c" }, new() { Emoji = "👍", UserId = "a" },
                ],
            },
            new MessageDocument { Id = "m_2" },
        };

        var aggregated = MongoChatStore.Aggregate(documents);

        Assert.Equal([new MessageReaction("👍", ["b", "a"]), new MessageReaction("🎉", ["c"])], aggregated["m_1"]);
        Assert.False(aggregated.ContainsKey("m_2"));
    }

    [Fact]
    public void Message_WithReplyAndMentions_RoundTripsThroughTheDocument()
    {
        var message = new ChatMessage
        {
            Id = "m_1", ConversationId = "c_1", Seq = 3, SenderId = "a", SenderName = "A", Content = "hi",
            CreatedAt = new DateTimeOffset(At), ReplyToId = "m_0", Mentions = ["b", "c"],
        };

        var document = DocumentMapper.ToDocument(message, 3);

        Assert.Equal(["b", "c"], document.Mentions!);
        Assert.Equal(message, DocumentMapper.ToModel(document));
        Assert.Null(DocumentMapper.ToDocument(message with { Mentions = [] }, 3).Mentions); // absent when none
    }
}
