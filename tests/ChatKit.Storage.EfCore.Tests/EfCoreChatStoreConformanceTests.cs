using ChatKit.Events;
using ChatKit.Storage.EfCore.Internal;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ChatKit.Storage.EfCore.Tests.Support;
using ChatKit.Testing.Conformance;
using static ChatKit.Storage.EfCore.Tests.Support.TestData;

namespace ChatKit.Storage.EfCore.Tests;

/// <summary>
/// The store contract on a real database, through two nodes (separate service providers, context pools and connection
/// pools over one database, as two processes would be), plus what only a database store must prove: a bounded number of
/// queries per call, and guarantees that hold between nodes.
/// </summary>
public abstract class EfCoreChatStoreConformanceTests : ChatStoreConformanceTests
{
    /// <summary>The two nodes of the test class's database.</summary>
    protected abstract Task<StoreNodes> GetNodesAsync();

    protected override async Task<IChatStore> CreateStoreAsync() => (await GetNodesAsync()).First.Store;

    protected override async Task<IChatStore> CreateSecondStoreAsync() => (await GetNodesAsync()).Second.Store;

    [Fact]
    public async Task ListConversations_ManyConversationsWithMessages_RunsTheSameFewQueriesAsForOne()
    {
        var nodes = await GetNodesAsync();
        var store = nodes.First.Store;
        var user = NewUserId();
        await CreateChattyGroupAsync(store, user);
        nodes.First.Queries.Reset();
        var single = await store.ListConversationsAsync(user, null, 50, Ct);
        var queriesForOne = nodes.First.Queries.Commands.Count;

        for (var i = 0; i < 20; i++)
        {
            await CreateChattyGroupAsync(store, user);
        }

        nodes.First.Queries.Reset();
        var many = await store.ListConversationsAsync(user, null, 50, Ct);
        var queriesForMany = nodes.First.Queries.Commands;

        Assert.Single(single);
        Assert.Equal(21, many.Count);
        Assert.All(many, v => Assert.Equal(2, v.LastMessage!.Seq));
        Assert.All(many, v => Assert.Equal(1, v.UnreadCount)); // the user sent seq 1, a friend seq 2
        Assert.All(many, v => Assert.Equal(2, v.Conversation.Participants.Count));
        Assert.Equal(queriesForOne, queriesForMany.Count);
        Assert.True(queriesForMany.Count <= 4, "queries: " + string.Join("\n---\n", queriesForMany));

        nodes.First.Queries.Reset();
        var view = await store.FindConversationViewAsync(many[0].Conversation.Id, user, Ct);
        Assert.Equal(1, view!.UnreadCount);
        Assert.True(nodes.First.Queries.Commands.Count <= 3, "queries: " + string.Join("\n---\n", nodes.First.Queries.Commands));
    }

    [Fact]
    public async Task AppendMessage_TwoNodesConcurrentlyWithRetriedTempIds_KeepsSeqGaplessAndEachTempIdOnce()
    {
        var nodes = await GetNodesAsync();
        var (alice, bob) = (NewUserId(), NewUserId());
        var group = NewGroup(alice, bob);
        await nodes.First.Store.CreateConversationAsync(group, Ct);
        var tempIds = Enumerable.Range(0, 30).Select(_ => NewTempId()).ToArray();

        // Every send is made twice, once through each node, as a client retrying after a timeout might; they race.
        var sends = tempIds.SelectMany((tempId, i) => new[] { nodes.First.Store, nodes.Second.Store }.Select(store => Task.Run(
            () => store.AppendMessageAsync(NewMessage(group.Id, i % 2 == 0 ? alice : bob, tempId), Ct),
            Ct)));
        var results = await Task.WhenAll(sends);

        Assert.Equal(30, results.Count(r => r.Created));
        Assert.All(results.GroupBy(r => r.Value.TempId), g => Assert.Single(g.Select(r => r.Value.Id).Distinct()));
        var page = await nodes.Second.Store.GetMessagesAsync(group.Id, null, null, 100, Ct);
        Assert.Equal(Enumerable.Range(1, 30).Select(i => (long)i), page.Items.Select(m => m.Seq));
        Assert.Equal(tempIds.Order(StringComparer.Ordinal), page.Items.Select(m => m.TempId!).Order(StringComparer.Ordinal));
        Assert.Equal(30, (await nodes.First.Store.FindConversationAsync(group.Id, Ct))!.LastSeq);
    }

    [Fact]
    public async Task AppendMessage_WithATempId_LooksUpStoredMessagesByTheirWholeKey_NotByTheConversationsHistory()
    {
        var nodes = await GetNodesAsync();
        var (alice, bob) = (NewUserId(), NewUserId());
        var group = NewGroup(alice, bob);
        await nodes.First.Store.CreateConversationAsync(group, Ct);
        await nodes.First.Store.AppendMessageAsync(NewMessage(group.Id, alice, NewTempId()), Ct);
        nodes.First.Queries.Reset();

        await nodes.First.Store.AppendMessageAsync(NewMessage(group.Id, bob, NewTempId()), Ct);

        // The statement that finds messages already stored with the group's tempIds, planned by the database itself with
        // its parameters: it must probe the (conversation, sender, tempId) index by all three columns. A lookup by
        // conversation and tempId alone walks every message of the conversation, so each send cost more as history grew.
        var command = Assert.Single(nodes.First.Queries.Sent, c => c.Text.Contains("ck_message_id", StringComparison.Ordinal));
        var lookup = command.Text.Split(";\n").Single(s => s.Contains("ck_message_id", StringComparison.Ordinal));
        var plan = await ExplainAsync(command, lookup);
        Assert.Contains("ux_chatkit_messages_temp_id", plan, StringComparison.Ordinal);
        Assert.Matches(command.IsPostgres ? "Index Cond: .*conversation_id.*sender_id.*temp_id" : "conversation_id=\\? AND sender_id=\\? AND temp_id=\\?", plan);
        Assert.DoesNotContain("Filter", plan, StringComparison.Ordinal);
    }

    /// <summary>The database's plan for <paramref name="statement"/> with the parameters <paramref name="sent"/> carried.</summary>
    private static async Task<string> ExplainAsync(QueryCounter.SentCommand sent, string statement)
    {
        System.Data.Common.DbConnection connection = sent.IsPostgres
            ? new Npgsql.NpgsqlConnection(sent.ConnectionString)
            : new Microsoft.Data.Sqlite.SqliteConnection(sent.ConnectionString);
        await using (connection)
        {
            await connection.OpenAsync(Ct);
            await using var command = connection.CreateCommand();
            // PostgreSQL would scan a table this small whatever the statement: take that choice away, so the plan shows
            // which index conditions the statement allows.
            command.CommandText = (sent.IsPostgres ? "SET enable_seqscan = off; SET enable_bitmapscan = off; SET enable_hashjoin = off; SET enable_mergejoin = off; EXPLAIN " : "EXPLAIN QUERY PLAN ") + statement;
            foreach (var (name, value) in sent.Parameters)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                parameter.Value = value ?? DBNull.Value;
                command.Parameters.Add(parameter);
            }

            var lines = new List<string>();
            await using var reader = await command.ExecuteReaderAsync(Ct);
            do
            {
                while (await reader.ReadAsync(Ct))
                {
                    lines.Add(reader.GetValue(reader.FieldCount - 1).ToString()!);
                }
            }
            while (await reader.NextResultAsync(Ct));
            return string.Join("\n", lines);
        }
    }

    [Fact]
    public async Task AppendParticipantMessage_ToAConversationItAppendedTo_UsesItsParticipantCache_UntilAnotherNodeChangesTheMembers()
    {
        var nodes = await GetNodesAsync();
        var store = (EfCoreChatStore)nodes.First.Store;
        var (alice, bob, carol) = (NewUserId(), NewUserId(), NewUserId());
        var group = NewGroup(alice, bob, carol);
        await store.CreateConversationAsync(group, Ct);

        await store.AppendParticipantMessageAsync(NewMessage(group.Id, alice), Ct);
        var before = store.ParticipantCacheUse;
        var cached = await store.AppendParticipantMessageAsync(NewMessage(group.Id, bob), Ct);
        var afterHit = store.ParticipantCacheUse;
        await nodes.Second.Store.RemoveParticipantAsync(group.Id, carol, null, Ct);
        var reread = await store.AppendParticipantMessageAsync(NewMessage(group.Id, alice), Ct);
        var afterChange = store.ParticipantCacheUse;

        Assert.Equal((before.Hits + 1, before.Reads), afterHit);
        Assert.Equal(new[] { alice, bob, carol }.Order(StringComparer.Ordinal), cached!.ParticipantIds.Order(StringComparer.Ordinal));
        Assert.Equal((afterHit.Hits, afterHit.Reads + 1), afterChange);
        Assert.Equal(new[] { alice, bob }.Order(StringComparer.Ordinal), reread!.ParticipantIds.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AppendParticipantMessage_OnAWarmNode_IsTwoCommands_TheTransactionInside_AndNoParticipantRead()
    {
        var nodes = await GetNodesAsync();
        var store = nodes.First.Store;
        var (alice, bob) = (NewUserId(), NewUserId());
        var group = NewGroup(alice, bob);
        await store.CreateConversationAsync(group, Ct);
        await store.AppendParticipantMessageAsync(NewMessage(group.Id, alice, NewTempId()), Ct);

        nodes.First.Queries.Reset();
        var appended = await store.AppendParticipantMessageAsync(NewMessage(group.Id, bob, NewTempId()), Ct);
        var commands = nodes.First.Queries.Commands;

        Assert.Equal(2, appended!.Result.Value.Seq);
        Assert.Equal(2, commands.Count);
        Assert.StartsWith("BEGIN", commands[0].Replace(EfCoreChatStore.PreparedMarker, string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.EndsWith("COMMIT;", commands[1].TrimEnd(), StringComparison.Ordinal);
        Assert.DoesNotContain("ck_member_conversation", commands[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AppendMessage_ToASteadyRoomOnTwoNodes_WritesItsAudienceOnce_AndEachEventOnlyNamesIt()
    {
        var nodes = await GetNodesAsync();
        var members = Enumerable.Range(0, 50).Select(_ => NewUserId()).ToArray();
        var group = NewGroup(members[0], members[1..]);
        await nodes.First.Store.CreateConversationAsync(group, Ct);

        for (var i = 0; i < 10; i++)
        {
            await (i % 2 == 0 ? nodes.First : nodes.Second).Store.AppendMessageAsync(NewMessage(group.Id, members[i]), Ct);
        }

        await using var db = await ContextAsync(nodes.First);
        var audience = Assert.Single(await db.Set<EventAudienceEntity>().Where(a => a.ConversationId == group.Id).ToListAsync(Ct));
        Assert.Equal(50, audience.Counter);
        Assert.Equal(members.Order(StringComparer.Ordinal), ChatEventJson.DeserializeUserIds(audience.UserIds).Order(StringComparer.Ordinal));
        var events = await db.Set<EventEntity>().Where(e => e.ConversationId == group.Id).ToListAsync(Ct);
        Assert.Equal(10, events.Count);
        Assert.All(events, e => Assert.Equal((string.Empty, 50L), (e.Payload, e.Audience!.Value)));
    }

    [Fact]
    public async Task AppendMessage_AfterTheFirstGroupOfARoomRolledBack_StillWritesTheRoomsAudience()
    {
        var nodes = await GetNodesAsync();
        var store = nodes.First.Store;
        var start = await store.GetEventFeedEndAsync(Ct);
        var (alice, bob) = (NewUserId(), NewUserId());
        var (elsewhere, group) = (NewGroup(alice, bob), NewGroup(alice, bob));
        await store.CreateConversationAsync(elsewhere, Ct);
        await store.CreateConversationAsync(group, Ct);
        var taken = (await store.AppendMessageAsync(NewMessage(elsewhere.Id, alice), Ct)).Value;

        // The room's first group reads its participants (this node caches them) and fails in its write command, which
        // held the audience's row too: the whole transaction rolls back, and the node must not think the audience stored.
        await Assert.ThrowsAnyAsync<Exception>(() => store.AppendMessageAsync(NewMessage(group.Id, alice) with { Id = taken.Id }, Ct));
        var stored = (await store.AppendMessageAsync(NewMessage(group.Id, bob), Ct)).Value;

        var created = Assert.Single(await ReadMessagesOfAsync(store, start, group.Id, 1));
        Assert.Equal(stored.Id, created.Message.Id);
        Assert.Equal(new[] { alice, bob }.Order(StringComparer.Ordinal), created.ParticipantIds.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ReadEventFeed_ANewMessageRowAsTheOlderVersionWroteIt_ReadsItsAudienceFromItsPayload()
    {
        var nodes = await GetNodesAsync();
        var start = await nodes.First.Store.GetEventFeedEndAsync(Ct);
        var (alice, bob) = (NewUserId(), NewUserId());
        var group = NewGroup(alice, bob);
        await nodes.First.Store.CreateConversationAsync(group, Ct);
        var old = (await nodes.First.Store.AppendMessageAsync(NewMessage(group.Id, alice), Ct)).Value;
        var current = (await nodes.First.Store.AppendMessageAsync(NewMessage(group.Id, bob), Ct)).Value;

        // The older version's row: the audience's ids in the payload, no counter (and no audience row it could fall back to).
        await using (var db = await ContextAsync(nodes.First))
        {
            var json = ChatEventJson.SerializeUserIds(["x-old-1", "x-old-2"]);
            Assert.Equal(1, await db.Set<EventEntity>().Where(e => e.Id == old.Id).ExecuteUpdateAsync(s => s.SetProperty(e => e.Payload, json).SetProperty(e => e.Audience, (long?)null), Ct));
        }

        foreach (var node in new[] { nodes.First, nodes.Second })
        {
            var created = await ReadMessagesOfAsync(node.Store, start, group.Id, 2);
            Assert.Equal([old.Id, current.Id], created.Select(e => e.Message.Id));
            Assert.Equal(["x-old-1", "x-old-2"], created[0].ParticipantIds);
            Assert.Equal(new[] { alice, bob }.Order(StringComparer.Ordinal), created[1].ParticipantIds.Order(StringComparer.Ordinal));
        }

        // A user's feed filters by the audience the row names: alice, a participant, was not in the old row's.
        var mine = await nodes.Second.Store.ReadUserEventsAsync(alice, start, 100, Ct);
        Assert.Equal([current.Id], mine.Events.Where(e => ChatEventAudience.ConversationOf(e.Event) == group.Id).Select(e => e.Id));
    }

    [Fact]
    public async Task PurgeEvents_RemovesTheAudiencesNoEventNamesAnyMore_AndKeepsTheCurrentOne()
    {
        var nodes = await GetNodesAsync();
        var store = nodes.First.Store;
        var (alice, bob, carol) = (NewUserId(), NewUserId(), NewUserId());
        var group = NewGroup(alice, bob);
        await store.CreateConversationAsync(group, Ct);
        var longAgo = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.AddDays(-400).ToUnixTimeMilliseconds());

        await store.AppendMessageAsync(NewMessage(group.Id, alice) with { CreatedAt = longAgo }, Ct);
        await store.AddParticipantsAsync(group.Id, [new Participant(carol, ParticipantRole.Member, longAgo)], Ct);
        await store.AppendMessageAsync(NewMessage(group.Id, alice) with { CreatedAt = longAgo }, Ct);
        await store.AddParticipantsAsync(group.Id, [new Participant(NewUserId(), ParticipantRole.Member, longAgo)], Ct);
        await nodes.Second.Store.AppendMessageAsync(NewMessage(group.Id, alice) with { CreatedAt = longAgo }, Ct);
        await using var db = await ContextAsync(nodes.First);
        Assert.Equal([2L, 3, 4], await db.Set<EventAudienceEntity>().Where(a => a.ConversationId == group.Id).Select(a => a.Counter).OrderBy(c => c).ToListAsync(Ct));

        // Every message is old: all three events go; the audiences below the conversation's counter go with them.
        while (await store.PurgeEventsAsync(DateTimeOffset.UtcNow.AddDays(-300), [], 100, Ct) == 100)
        {
        }

        Assert.Empty(await db.Set<EventEntity>().Where(e => e.ConversationId == group.Id).ToListAsync(Ct));
        Assert.Equal([4L], await db.Set<EventAudienceEntity>().Where(a => a.ConversationId == group.Id).Select(a => a.Counter).ToListAsync(Ct));
    }

    private static async Task<List<MessageCreatedEvent>> ReadMessagesOfAsync(IChatStore store, string after, string conversationId, int expected)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        var found = new List<MessageCreatedEvent>();
        var cursor = after;
        while (found.Count < expected)
        {
            var page = await store.ReadEventFeedAsync(cursor, 100, timeout.Token);
            found.AddRange(page.Events.Select(e => e.Event).OfType<MessageCreatedEvent>().Where(e => e.Message.ConversationId == conversationId));
            cursor = page.Cursor;
            if (!page.HasMore && found.Count < expected)
            {
                await Task.Delay(20, timeout.Token); // a transaction that started earlier is still running
            }
        }

        return found;
    }

    private static async Task<ChatKitDbContext> ContextAsync(StoreNode node) =>
        await node.Services.GetRequiredService<IDbContextFactory<ChatKitDbContext>>().CreateDbContextAsync(Ct);

    private static async Task CreateChattyGroupAsync(IChatStore store, string user)
    {
        var friend = NewUserId();
        var group = NewGroup(user, friend);
        await store.CreateConversationAsync(group, Ct);
        await store.AppendMessageAsync(NewMessage(group.Id, user), Ct);
        await store.AppendMessageAsync(NewMessage(group.Id, friend), Ct);
    }
}
