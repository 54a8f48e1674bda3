using ChatKit.Notifications;
using ChatKit.Storage.Mongo.Internal;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using static ChatKit.Storage.Mongo.Tests.Rendering;

namespace ChatKit.Storage.Mongo.Tests;

/// <summary>The push registrations' filters, index and documents as the server receives them, without a server.</summary>
public sealed class PushDefinitionsTests
{
    [Fact]
    public void Filters_AddressTheRegistrationByItsId_AndDeleteOnlyTheOwnersWhenAUserIsGiven()
    {
        Assert.Equal("""{ "_id" : "webpush\u001fhttps://p/1" }""", Render(MongoPushDefinitions.ToDelete("webpush", "https://p/1", null)));
        Assert.Equal(
            """{ "_id" : "webpush\u001fhttps://p/1", "userId" : "alice" }""",
            Render(MongoPushDefinitions.ToDelete("webpush", "https://p/1", "alice")));
        Assert.Equal(
            """{ "userId" : { "$in" : ["alice", "bob"] }, "provider" : "fcm" }""",
            Render(MongoPushDefinitions.OfUsers("fcm", ["alice", "bob"])));
    }

    [Fact]
    public void TheUserIndex_LeadsWithTheUserThenTheProvider()
    {
        var index = Assert.Single(MongoPushDefinitions.RegistrationIndexes);
        Assert.Equal("""{ "userId" : 1, "provider" : 1 }""", Render(index.Keys));
        Assert.Equal(MongoPushDefinitions.UserIndex, index.Options.Name);
    }

    [Fact]
    public void RegistrationDocument_RoundTripsEveryField()
    {
        var at = new DateTimeOffset(2025, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);
        var registration = new PushRegistration("alice", PushProviders.WebPush, "https://p/1", new Dictionary<string, string> { ["p256dh"] = "BP", ["auth"] = "AU" }, at);

        var bson = MongoChatStore.ToDocument(registration).ToBsonDocument();
        var back = MongoChatStore.ToModel(BsonSerializer.Deserialize<PushRegistrationDocument>(bson));

        Assert.Equal("webpush\u001fhttps://p/1", bson["_id"].AsString);
        Assert.Equal(BsonType.Document, bson["keys"].BsonType);
        Assert.Equal(BsonType.DateTime, bson["createdAt"].BsonType);
        Assert.Equal(("alice", "webpush", "https://p/1", at), (back.UserId, back.Provider, back.Address, back.CreatedAt));
        Assert.Equal(TimeSpan.Zero, back.CreatedAt.Offset);
        Assert.Equal(registration.Keys.OrderBy(k => k.Key), back.Keys.OrderBy(k => k.Key));
    }
}
