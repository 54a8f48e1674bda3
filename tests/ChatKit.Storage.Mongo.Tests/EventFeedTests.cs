using ChatKit.Storage.Mongo.Internal;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;
using static ChatKit.Storage.Mongo.Tests.Rendering;

namespace ChatKit.Storage.Mongo.Tests;

/// <summary>
/// The server-free parts of the MongoDB event log: the cursor, the pager that cuts batches of recordings into pages
/// (every event exactly once, in order, whatever the page size and filter), and what the store sends.
/// </summary>
public sealed class EventFeedTests
{
    private static readonly DateTime At = new(2025, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc);

    [Theory]
    [InlineData("0.0", 0, 0)]
    [InlineData("17.2", 17, 2)]
    public void Cursor_RoundTrips(string text, long position, int index)
    {
        var cursor = EventFeedCursor.Parse(text);

        Assert.Equal(new EventFeedCursor(position, index), cursor);
        Assert.Equal(text, cursor.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("12")]
    [InlineData("-1.0")]
    [InlineData("1.-1")]
    [InlineData("1.2.3")]
    [InlineData("tx.1")]
    public void Cursor_NotOneOfTheStore_IsRejected(string text)
    {
        Assert.Throws<ArgumentException>(() => EventFeedCursor.Parse(text));
    }

    [Fact]
    public void After_TheVisiblePosition_StartsAtTheNextOne()
    {
        Assert.Equal("8.0", EventFeedCursor.After(7).ToString());
    }

    [Fact]
    public void Take_PagesThroughRecordingsAndGapMarkers_EveryEventOnceInOrder()
    {
        // Positions 1..5: 2 events, a gap marker, 3 events, 1 event, 2 events.
        FeedRecording[] batch = [new(1, 2), new(2, 0), new(3, 3), new(4, 1), new(5, 2)];
        var expected = new List<(long, int)> { (1, 0), (1, 1), (3, 0), (3, 1), (3, 2), (4, 0), (5, 0), (5, 1) };
        for (var limit = 1; limit <= 9; limit++)
        {
            var read = new List<(long, int)>();
            var cursor = EventFeedCursor.Start;
            for (var pages = 0; ; pages++)
            {
                Assert.True(pages < 20, "the pager made no progress");
                var slice = EventFeedPager.Take(batch, cursor, limit, (_, _) => true);
                Assert.True(slice.Taken.Count <= limit);
                read.AddRange(slice.Taken.Select(t => (batch[t.Recording].Position, t.Index)));
                cursor = slice.Cursor;
                if (!slice.MoreInBatch)
                {
                    break;
                }
            }

            Assert.Equal(expected, read);
            Assert.Equal(new EventFeedCursor(6, 0), cursor);
        }
    }

    [Fact]
    public void Take_FromACursorInsideARecording_SkipsWhatWasRead()
    {
        FeedRecording[] batch = [new(3, 3), new(4, 1)];

        var slice = EventFeedPager.Take(batch, new EventFeedCursor(3, 2), 10, (_, _) => true);

        Assert.Equal([(0, 2), (1, 0)], slice.Taken);
        Assert.Equal(new EventFeedCursor(5, 0), slice.Cursor);
        Assert.False(slice.LimitReached);
    }

    [Fact]
    public void Take_RecordingsBelowTheCursor_AreNeverReturnedAgain()
    {
        FeedRecording[] batch = [new(1, 2), new(2, 1), new(3, 1)];

        var slice = EventFeedPager.Take(batch, new EventFeedCursor(3, 0), 10, (_, _) => true);

        Assert.Equal([(2, 0)], slice.Taken);
    }

    [Fact]
    public void Take_WithAFilter_MovesPastSkippedEventsAndStopsRightAfterTheLastTaken()
    {
        FeedRecording[] batch = [new(1, 3), new(2, 2)];

        // Keep the events with an odd index only: (1,1), (2,1).
        var first = EventFeedPager.Take(batch, EventFeedCursor.Start, 1, (_, i) => i % 2 == 1);
        Assert.Equal([(0, 1)], first.Taken);
        Assert.Equal(new EventFeedCursor(1, 2), first.Cursor);
        Assert.True(first.LimitReached);
        Assert.True(first.MoreInBatch);

        var second = EventFeedPager.Take(batch, first.Cursor, 1, (_, i) => i % 2 == 1);
        Assert.Equal([(1, 1)], second.Taken);
        Assert.Equal(new EventFeedCursor(3, 0), second.Cursor);
    }

    [Fact]
    public void Take_LimitReachedAtTheBatchsEnd_SaysSoWithoutClaimingMoreInTheBatch()
    {
        FeedRecording[] batch = [new(1, 2)];

        var slice = EventFeedPager.Take(batch, EventFeedCursor.Start, 2, (_, _) => true);

        Assert.True(slice.LimitReached);
        Assert.False(slice.MoreInBatch);
        Assert.Equal(new EventFeedCursor(2, 0), slice.Cursor);
    }

    [Fact]
    public void Take_PassingALostMarker_SaysSo_ButNotBeforeReachingIt()
    {
        FeedRecording[] batch = [new(1, 2), new(2, 0, Lost: true), new(3, 1)];

        var before = EventFeedPager.Take(batch, EventFeedCursor.Start, 1, (_, _) => true);
        Assert.False(before.PassedLost);

        var over = EventFeedPager.Take(batch, before.Cursor, 5, (_, _) => true);
        Assert.True(over.PassedLost);
        Assert.Equal([(0, 1), (2, 0)], over.Taken);

        var after = EventFeedPager.Take(batch, new EventFeedCursor(3, 0), 5, (_, _) => true);
        Assert.False(after.PassedLost);
    }

    [Fact]
    public void LostMarker_IsStoredWithItsFlag_AndOrdinaryRecordingsWithout()
    {
        var recording = new EventRecordingDocument { Id = "r_1", Position = 3, ConversationId = "c_1", OccurredAt = At };
        Assert.False(recording.ToBsonDocument().Contains("lost"));

        recording.Lost = true;
        Assert.True(BsonSerializer.Deserialize<EventRecordingDocument>(recording.ToBsonDocument()).Lost);
    }

    [Fact]
    public void AllocatePosition_IncrementsTheCounterAndStartsVisibleAtZero()
    {
        Assert.Equal("""{ "$inc" : { "allocated" : NumberLong(1) }, "$setOnInsert" : { "visible" : NumberLong(0) } }""", Render(MongoEventDefinitions.AllocatePosition));
    }

    [Fact]
    public void FeedVisibleAt_MovesTheVisiblePositionOnlyFromTheObservedOne()
    {
        Assert.Equal("""{ "_id" : "feed", "visible" : NumberLong(4) }""", Render(MongoEventDefinitions.FeedVisibleAt(4)));
        Assert.Equal("""{ "$set" : { "visible" : NumberLong(5) } }""", Render(MongoEventDefinitions.AdvanceFeed(5)));
    }

    [Fact]
    public void RecordingsBetween_ReadsOnlyUpToTheVisiblePosition()
    {
        Assert.Equal("""{ "pos" : { "$gte" : NumberLong(3), "$lte" : NumberLong(9) } }""", Render(MongoEventDefinitions.RecordingsBetween(3, 9, null)));
        Assert.Equal(
            """{ "pos" : { "$gte" : NumberLong(3), "$lte" : NumberLong(9) }, "conversationId" : { "$in" : ["c_1"] } }""",
            Render(MongoEventDefinitions.RecordingsBetween(3, 9, ["c_1"])));
    }

    [Fact]
    public void RecordingsWithEvents_MatchesTheEventIdsTheUniqueIndexCovers()
    {
        Assert.Equal("""{ "events.id" : { "$in" : ["m_1", "m_2"] } }""", Render(MongoEventDefinitions.RecordingsWithEvents(["m_1", "m_2"])));
        var index = Assert.Single(MongoEventDefinitions.RecordingIndexes, i => i.Options.Name == MongoEventDefinitions.EventIdIndex);
        Assert.Equal("""{ "events.id" : 1 }""", Render(index.Keys));
        Assert.True(index.Options.Unique);
    }

    [Fact]
    public void LockTakeable_MatchesOnlyAnExpiredLock()
    {
        Assert.Equal(
            """{ "_id" : "c_1", "expiresAt" : { "$lt" : ISODate("2025-01-02T03:04:05.678Z") } }""",
            Render(MongoEventDefinitions.LockTakeable("c_1", At)));
        Assert.Equal("""{ "_id" : "c_1", "owner" : "r_1" }""", Render(MongoEventDefinitions.LockHeldBy("c_1", "r_1")));
    }

    [Fact]
    public void UnloggedMessages_AreTheVisibleFlaggedOnes()
    {
        Assert.Equal(
            """{ "conversationId" : "c_1", "unlogged" : true, "seq" : { "$lte" : NumberLong(7) } }""",
            Render(MongoEventDefinitions.UnloggedMessages("c_1", 7)));
        Assert.Equal("""{ "$unset" : { "unlogged" : 1 } }""", Render(MongoEventDefinitions.MarkLogged));
    }

    [Fact]
    public void Purgeable_IsOldAndBelowEverySinksPosition()
    {
        Assert.Equal(
            """{ "occurredAt" : { "$lt" : ISODate("2025-01-02T03:04:05.678Z") }, "pos" : { "$lt" : NumberLong(12) } }""",
            Render(MongoEventDefinitions.Purgeable(At, 12)));
    }

    [Fact]
    public void Message_UnloggedFlag_IsStoredOnlyWhileSet()
    {
        var message = new MessageDocument { Id = "m_1", ConversationId = "c_1", Seq = 1, Type = "text", CreatedAt = At };
        Assert.False(message.ToBsonDocument().Contains("unlogged"));

        message.Unlogged = true;
        var bson = message.ToBsonDocument();
        Assert.True(bson["unlogged"].AsBoolean);
        Assert.True(BsonSerializer.Deserialize<MessageDocument>(bson).Unlogged);
    }

    [Fact]
    public void UnloggedIndex_IsPartial_AndItsKeyDiffersFromTheUniqueSeqIndex()
    {
        var index = Assert.Single(MongoEventDefinitions.UnloggedMessageIndexes);
        var seq = Assert.Single(MongoDefinitions.MessageIndexes, i => i.Options.Name == MongoDefinitions.ConversationSeqIndex);

        Assert.Equal("""{ "unlogged" : 1, "conversationId" : 1, "seq" : 1 }""", Render(index.Keys));
        Assert.NotEqual(Render(seq.Keys), Render(index.Keys));
        Assert.Equal("""{ "unlogged" : true }""", Render(((CreateIndexOptions<MessageDocument>)index.Options).PartialFilterExpression));
    }

    [Fact]
    public void GapMarker_HasAnIdFixedByItsPositionAndNoEvents()
    {
        var marker = MongoEventDefinitions.GapMarker(42, At);

        Assert.Equal("gap_42", marker.Id);
        Assert.Equal(42, marker.Position);
        Assert.Empty(marker.Events);
        Assert.Null(marker.ConversationId);
    }
}
