using ChatKit.Storage.Mongo.Internal;
using MongoDB.Bson;
using MongoDB.Driver;

namespace ChatKit.Storage.Mongo.Tests;

/// <summary>
/// MongoDB-specific behaviour against a real server (<c>MONGODB_URI</c>): the indexes the start-up creates, the stored
/// representations, collection prefixes, and the tempId reservation's recovery paths. Skipped without a server.
/// </summary>
public sealed class MongoChatStoreServerTests(MongoServerFixture server) : IClassFixture<MongoServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DateTimeOffset Now()
    {
        var now = DateTimeOffset.UtcNow;
        return new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }

    private static string NewId(string prefix) => prefix + Guid.NewGuid().ToString("N");

    private static Conversation NewGroup(string ownerId, string memberId)
    {
        var at = Now();
        return new Conversation
        {
            Id = NewId("c_"),
            Type = ConversationType.Group,
            Name = "Group",
            CreatedBy = ownerId,
            CreatedAt = at,
            LastActivityAt = at,
            Participants = [new(ownerId, ParticipantRole.Owner, at), new(memberId, ParticipantRole.Member, at)],
        };
    }

    private static ChatMessage NewMessage(Conversation conversation, string senderId, string? tempId) => new()
    {
        Id = NewId("m_"),
        ConversationId = conversation.Id,
        Seq = 0,
        SenderId = senderId,
        SenderName = senderId,
        Content = "hello",
        TempId = tempId,
        CreatedAt = Now(),
    };

    private async Task<(IChatStore Store, MongoChatContext Context, Conversation Group)> GroupAsync()
    {
        MongoAvailability.RequireServer();
        var group = NewGroup(NewId("u_"), NewId("u_"));
        await server.First.Store.CreateConversationAsync(group, Ct);
        return (server.First.Store, server.First.Context, group);
    }

    [Fact]
    public async Task Start_CreatesEveryIndexAndRunsAgainWithoutChange()
    {
        var uri = MongoAvailability.RequireServer();
        const string prefix = "startup_";
        await using var first = await MongoTestHost.StartAsync(uri, server.DatabaseName, o => o.CollectionPrefix = prefix);
        await using var again = await MongoTestHost.StartAsync(uri, server.DatabaseName, o => o.CollectionPrefix = prefix);

        async Task<Dictionary<string, BsonDocument>> IndexesAsync<T>(IMongoCollection<T> collection) =>
            (await (await collection.Indexes.ListAsync(Ct)).ToListAsync(Ct)).ToDictionary(i => i["name"].AsString);

        var conversations = await IndexesAsync(again.Context.Conversations);
        Assert.Equal(["_id_", "directKey_unique", "participants_activity"], conversations.Keys.Order(StringComparer.Ordinal));
        Assert.True(conversations["directKey_unique"]["unique"].ToBoolean());
        Assert.Equal(new BsonDocument("directKey", new BsonDocument("$exists", true)), conversations["directKey_unique"]["partialFilterExpression"]);
        Assert.Equal(BsonDocument.Parse("{ 'participants.userId' : 1, lastActivityAt : -1, _id : -1 }"), conversations["participants_activity"]["key"]);

        var messages = await IndexesAsync(again.Context.Messages);
        Assert.Equal(["_id_", "conversation_sender_tempId_unique", "conversation_seq_unique", "unlogged_conversation_seq"], messages.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new BsonDocument("unlogged", true), messages["unlogged_conversation_seq"]["partialFilterExpression"]);

        var events = await IndexesAsync(again.Context.Events);
        Assert.Equal(["_id_", "conversation_pos", "eventId_unique", "occurredAt", "pos_unique", "removed_pos"], events.Keys.Order(StringComparer.Ordinal));
        Assert.True(events["pos_unique"]["unique"].ToBoolean());
        Assert.True(events["eventId_unique"]["unique"].ToBoolean());
        Assert.True(messages["conversation_seq_unique"]["unique"].ToBoolean());
        Assert.Equal(new BsonDocument("tempId", new BsonDocument("$exists", true)), messages["conversation_sender_tempId_unique"]["partialFilterExpression"]);

        var positions = await IndexesAsync(again.Context.ReadPositions);
        Assert.True(positions["user_conversation_unique"]["unique"].ToBoolean());

        var tempIds = await IndexesAsync(again.Context.TempIds);
        Assert.True(tempIds["conversation_sender_tempId_unique"]["unique"].ToBoolean());
        Assert.Equal(86_400, tempIds["reservedAt_ttl"]["expireAfterSeconds"].ToInt64());
    }

    [Fact]
    public async Task CollectionPrefix_KeepsTwoApplicationsInOneDatabaseApart()
    {
        var uri = MongoAvailability.RequireServer();
        await using var appA = await MongoTestHost.StartAsync(uri, server.DatabaseName, o => o.CollectionPrefix = "app_a_");
        await using var appB = await MongoTestHost.StartAsync(uri, server.DatabaseName, o => o.CollectionPrefix = "app_b_");
        var group = NewGroup(NewId("u_"), NewId("u_"));

        await appA.Store.CreateConversationAsync(group, Ct);
        await appB.Store.CreateConversationAsync(group with { Name = "Other app" }, Ct);

        Assert.Equal("Group", (await appA.Store.FindConversationAsync(group.Id, Ct))!.Name);
        Assert.Equal("Other app", (await appB.Store.FindConversationAsync(group.Id, Ct))!.Name);
        await appA.Store.AppendMessageAsync(NewMessage(group, group.CreatedBy, null), Ct);
        Assert.Equal(1, (await appA.Store.FindConversationAsync(group.Id, Ct))!.LastSeq);
        Assert.Equal(0, (await appB.Store.FindConversationAsync(group.Id, Ct))!.LastSeq);
    }

    [Fact]
    public async Task StoredDocuments_HaveStringIdsLongSeqsAndUtcDatetimes()
    {
        var (store, context, group) = await GroupAsync();
        var message = NewMessage(group, group.Participants[1].UserId, NewId("t_"));
        await store.AppendMessageAsync(message, Ct);

        var conversation = await context.Database.GetCollection<BsonDocument>(context.Conversations.CollectionNamespace.CollectionName)
            .Find(new BsonDocument("_id", group.Id)).SingleAsync(Ct);
        var stored = await context.Database.GetCollection<BsonDocument>(context.Messages.CollectionNamespace.CollectionName)
            .Find(new BsonDocument("_id", message.Id)).SingleAsync(Ct);
        var position = await context.Database.GetCollection<BsonDocument>(context.ReadPositions.CollectionNamespace.CollectionName)
            .Find(new BsonDocument { { "conversationId", group.Id }, { "userId", message.SenderId } }).SingleAsync(Ct);

        Assert.Equal(BsonType.String, conversation["_id"].BsonType);
        Assert.Equal("group", conversation["type"].AsString);
        Assert.Equal(new BsonInt64(1), conversation["lastSeq"]);
        Assert.Equal(new BsonInt64(1), conversation["allocatedSeq"]);
        Assert.Equal(new BsonDateTime(message.CreatedAt.UtcDateTime), conversation["lastActivityAt"]);
        Assert.Equal("owner", conversation["participants"][0]["role"].AsString);
        Assert.Equal(BsonType.DateTime, conversation["participants"][0]["joinedAt"].BsonType);
        Assert.False(conversation.Contains("directKey"));
        Assert.Equal(new BsonInt64(1), stored["seq"]);
        Assert.Equal("text", stored["type"].AsString);
        Assert.Equal(message.TempId, stored["tempId"].AsString);
        Assert.Equal(new BsonDateTime(message.CreatedAt.UtcDateTime), stored["createdAt"]);
        Assert.False(stored.Contains("deletedAt"));
        Assert.Equal(new BsonInt64(1), position["seq"]);
    }

    [Fact]
    public async Task AppendMessage_ReservationOfADeadHolder_IsTakenOverWithoutAGap()
    {
        var (store, context, group) = await GroupAsync();
        var sender = group.Participants[1].UserId;
        var tempId = NewId("t_");

        // A holder that reserved the tempId an hour ago and died before storing anything.
        await context.TempIds.InsertOneAsync(
            new TempIdReservationDocument { ConversationId = group.Id, SenderId = sender, TempId = tempId, Token = "m_dead", ReservedAt = DateTime.UtcNow.AddHours(-1) },
            cancellationToken: Ct);

        var result = await store.AppendMessageAsync(NewMessage(group, sender, tempId), Ct);

        Assert.True(result.Created);
        Assert.Equal(1, result.Value.Seq);
        Assert.Equal(1, (await store.FindConversationAsync(group.Id, Ct))!.LastSeq);
        var reservation = await context.TempIds.Find(MongoDefinitions.ReservationOf(group.Id, sender, tempId)).SingleAsync(Ct);
        Assert.Equal(result.Value.Id, reservation.Token);
    }

    [Fact]
    public async Task AppendMessage_ReservationHeldByALiveHolder_ReturnsTheHoldersMessageWithoutTakingASeq()
    {
        var (store, context, group) = await GroupAsync();
        var sender = group.Participants[1].UserId;
        var tempId = NewId("t_");
        await context.TempIds.InsertOneAsync(
            new TempIdReservationDocument { ConversationId = group.Id, SenderId = sender, TempId = tempId, Token = "m_holder", ReservedAt = DateTime.UtcNow },
            cancellationToken: Ct);

        var retry = store.AppendMessageAsync(NewMessage(group, sender, tempId), Ct);

        // The holder finishes: it took seq 1 and stored its message.
        await context.Conversations.UpdateOneAsync(MongoDefinitions.ConversationById(group.Id), MongoDefinitions.AllocateSeq, cancellationToken: Ct);
        var holders = NewMessage(group, sender, tempId) with { Id = "m_holder" };
        await context.Messages.InsertOneAsync(DocumentMapper.ToDocument(holders, 1), cancellationToken: Ct);
        var result = await retry.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.False(result.Created);
        Assert.Equal("m_holder", result.Value.Id);
        Assert.Equal(1, result.Value.Seq);
        var counter = await context.Conversations.Find(MongoDefinitions.ConversationById(group.Id)).SingleAsync(Ct);
        Assert.Equal(1, counter.AllocatedSeq);
    }

    [Fact]
    public async Task AppendMessage_TempIdWhoseReservationExpired_ReturnsTheFirstMessage()
    {
        var (store, context, group) = await GroupAsync();
        var sender = group.Participants[1].UserId;
        var tempId = NewId("t_");
        var first = await store.AppendMessageAsync(NewMessage(group, sender, tempId), Ct);

        // What the TTL index does a day later.
        await context.TempIds.DeleteManyAsync(MongoDefinitions.ReservationOf(group.Id, sender, tempId), Ct);
        var retry = await store.AppendMessageAsync(NewMessage(group, sender, tempId), Ct);

        Assert.False(retry.Created);
        Assert.Equal(first.Value.Id, retry.Value.Id);
        var counter = await context.Conversations.Find(MongoDefinitions.ConversationById(group.Id)).SingleAsync(Ct);
        Assert.Equal((1L, 1L), (counter.AllocatedSeq, counter.LastSeq));
    }

    [Fact]
    public async Task AppendMessage_UnknownConversation_ThrowsAndReleasesItsReservation()
    {
        var (store, context, group) = await GroupAsync();
        var missing = group with { Id = NewId("c_") };
        var tempId = NewId("t_");

        await Assert.ThrowsAsync<InvalidOperationException>(() => store.AppendMessageAsync(NewMessage(missing, group.CreatedBy, tempId), Ct));

        Assert.Equal(0, await context.TempIds.CountDocumentsAsync(MongoDefinitions.ReservationOf(missing.Id, group.CreatedBy, tempId), cancellationToken: Ct));
    }

    [Fact]
    public async Task CreateConversation_ExistingId_ThrowsInvalidOperation()
    {
        var (store, _, group) = await GroupAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => store.CreateConversationAsync(group, Ct));
    }
}
