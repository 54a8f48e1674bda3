using ChatKit.Storage.Mongo.Internal;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using static ChatKit.Storage.Mongo.Tests.Rendering;

namespace ChatKit.Storage.Mongo.Tests;

/// <summary>The outbox's filters, updates and documents as the server receives them, without a server.</summary>
public sealed class OutboxDefinitionsTests
{
    private static readonly DateTime At = new(2025, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc);
    private const string AtJson = "ISODate(\"2025-01-02T03:04:05.678Z\")";

    [Fact]
    public void LeaseTakeable_MatchesTheNameHeldByTheOwnerOrExpired()
    {
        // Used with an upsert on _id: a lease held by another owner does not match, and the insert collides on _id.
        Assert.Equal(
            $$"""{ "_id" : "outbox:s", "$or" : [{ "owner" : "node-a" }, { "expiresAt" : { "$lte" : {{AtJson}} } }] }""",
            Render(MongoOutboxDefinitions.LeaseTakeable("outbox:s", "node-a", At)));
        Assert.Equal(
            $$"""{ "$set" : { "owner" : "node-a", "expiresAt" : {{AtJson}} } }""",
            Render(MongoOutboxDefinitions.TakeLease("node-a", At)));
        Assert.Equal("""{ "_id" : "outbox:s", "owner" : "node-a" }""", Render(MongoOutboxDefinitions.LeaseHeldBy("outbox:s", "node-a")));
    }

    [Fact]
    public void Checkpoint_MovesOnlyFromTheVersionRead()
    {
        Assert.Equal("""{ "_id" : "s", "version" : NumberLong(3) }""", Render(MongoOutboxDefinitions.CheckpointAt("s", 3)));
        Assert.Equal("""{ "$set" : { "cursor" : "c9", "version" : NumberLong(4) } }""", Render(MongoOutboxDefinitions.MoveCheckpoint("c9", 4)));
    }

    [Fact]
    public void DueRetries_AreASinksLiveEntriesUpToNow_InTheIndexOrder()
    {
        Assert.Equal(
            $$"""{ "sink" : "s", "deadLettered" : false, "nextAttemptAt" : { "$lte" : {{AtJson}} } }""",
            Render(MongoOutboxDefinitions.Due("s", At)));
        Assert.Equal("""{ "nextAttemptAt" : 1, "eventId" : 1 }""", Render(MongoOutboxDefinitions.DueOrder));
        Assert.Equal("""{ "sink" : 1, "deadLettered" : 1, "nextAttemptAt" : 1 }""", Render(Assert.Single(MongoOutboxDefinitions.RetryIndexes).Keys));
        Assert.Equal("""{ "deadLettered" : true }""", Render(MongoOutboxDefinitions.DeadLetters(null)));
        Assert.Equal("""{ "sink" : "s", "deadLettered" : true }""", Render(MongoOutboxDefinitions.DeadLetters("s")));
        Assert.Equal(
            $$"""{ "$set" : { "deadLettered" : false, "attempts" : 0, "nextAttemptAt" : {{AtJson}} } }""",
            Render(MongoOutboxDefinitions.Requeue(At)));
    }

    [Fact]
    public void RetryDocument_RoundTripsEveryField()
    {
        var entry = new OutboxRetryEntry
        {
            Sink = "My.Sink",
            EventId = "e_1",
            EventType = "newMessage",
            Payload = """{"conversationId":"c_1"}""",
            OccurredAt = new DateTimeOffset(At),
            Attempts = 3,
            NextAttemptAt = new DateTimeOffset(At.AddMinutes(5)),
            LastError = "HttpRequestException: 503",
            IsDeadLettered = true,
        };

        var bson = MongoChatStore.ToDocument(entry).ToBsonDocument();
        var back = MongoChatStore.ToModel(BsonSerializer.Deserialize<OutboxRetryDocument>(bson));

        Assert.Equal("My.Sink\u001fe_1", bson["_id"].AsString);
        Assert.Equal(BsonType.DateTime, bson["nextAttemptAt"].BsonType);
        Assert.Equal(BsonType.Int32, bson["attempts"].BsonType);
        Assert.Equal(entry, back);
        Assert.Equal(TimeSpan.Zero, back.OccurredAt.Offset);
    }
}
