using System.Globalization;
using ChatKit.Storage.EfCore.Internal;
using ChatKit.Storage.EfCore.Tests.Support;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ChatKit.Testing.Servers;
using static ChatKit.Storage.EfCore.Tests.Support.TestData;

namespace ChatKit.Storage.EfCore.Tests;

/// <summary>
/// Appends that queue up while another is written go to the database together, in one transaction. These tests write
/// such groups directly, on each database (SQLite writes a group's values inline, PostgreSQL as arrays), to prove each
/// answer is what the message would have got alone.
/// </summary>
public abstract class GroupCommitTests : IAsyncLifetime
{
    private StoreNode? _node;

    private protected EfCoreChatStore Store => (EfCoreChatStore)_node!.Store;

    private protected StoreNode Node => _node!;

    private protected CommandGate Commands { get; } = new();

    /// <summary>A node on a database of its own, with <paramref name="commands"/> among its context's interceptors.</summary>
    private protected abstract Task<StoreNode> StartNodeAsync(CommandGate commands);

    /// <summary>Two conversations of alice and bob, the first holding one message of alice's (seq 1).</summary>
    private protected async Task<(string Alice, string Bob, Conversation First, Conversation Second)> TwoConversationsWithAMessageAsync()
    {
        var (alice, bob) = (NewUserId(), NewUserId());
        var first = NewGroup(alice, bob);
        var second = NewGroup(bob, alice);
        await Store.CreateConversationAsync(first, Ct);
        await Store.CreateConversationAsync(second, Ct);
        await Store.AppendMessageAsync(NewMessage(first.Id, alice), Ct);
        return (alice, bob, first, second);
    }

    public async ValueTask InitializeAsync() => _node = await StartNodeAsync(Commands);

    public virtual async ValueTask DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }
    }

    [Fact]
    public async Task Group_OverTwoConversations_TakesConsecutiveSeqsInArrivalOrder_AndMovesEachSendersReadPosition()
    {
        var (alice, bob, first, second) = await TwoConversationsWithAMessageAsync();

        var results = await Store.AppendAsOneGroupAsync(
        [
            NewMessage(first.Id, bob), NewMessage(second.Id, alice), NewMessage(first.Id, alice), NewMessage(first.Id, bob), NewMessage(second.Id, bob),
        ]);

        Assert.All(results, r => Assert.True(r.Created));
        Assert.Equal([2L, 1, 3, 4, 2], results.Select(r => r.Value.Seq));
        Assert.Equal([1L, 2, 3, 4], (await Store.GetMessagesAsync(first.Id, null, null, 100, Ct)).Items.Select(m => m.Seq));
        Assert.Equal(4, await Store.GetReadPositionAsync(first.Id, bob, Ct));
        Assert.Equal(3, await Store.GetReadPositionAsync(first.Id, alice, Ct));
        Assert.Equal(2, await Store.GetReadPositionAsync(second.Id, bob, Ct));
        Assert.Equal(4, (await Store.FindConversationAsync(first.Id, Ct))!.LastSeq);
    }

    [Fact]
    public async Task Group_TakesConversationLocksInIdOrder_WhateverTheArrivalOrder()
    {
        // Two nodes writing the same conversations in opposite arrival orders would otherwise each hold one row lock and
        // wait for the other's: every group takes them in one global order (ordinal by id) instead.
        var (alice, bob) = (NewUserId(), NewUserId());
        var conversations = new[] { NewGroup(alice, bob), NewGroup(alice, bob), NewGroup(alice, bob) };
        foreach (var conversation in conversations)
        {
            await Store.CreateConversationAsync(conversation, Ct);
        }

        var ids = conversations.Select(c => c.Id).Order(StringComparer.Ordinal).ToList();
        var descending = Enumerable.Reverse(ids).ToList();
        var results = await Store.AppendAsOneGroupAsync(
            [NewMessage(descending[0], alice), NewMessage(descending[1], bob), NewMessage(descending[2], alice), NewMessage(descending[0], bob)]);

        Assert.Equal(ids, Commands.SeqUpdates);
        Assert.Equal([1L, 1, 1, 2], results.Select(r => r.Value.Seq));
    }

    [Fact]
    public async Task Group_WithOneTempIdTwice_StoresOneMessage_AndAnswersTheRepeatWithIt()
    {
        var (alice, bob) = (NewUserId(), NewUserId());
        var conversation = NewGroup(alice, bob);
        await Store.CreateConversationAsync(conversation, Ct);
        var tempId = NewTempId();
        var stored = await Store.AppendMessageAsync(NewMessage(conversation.Id, bob, "already-stored"), Ct);

        var results = await Store.AppendAsOneGroupAsync(
        [
            NewMessage(conversation.Id, alice, tempId), NewMessage(conversation.Id, alice, tempId), NewMessage(conversation.Id, bob, "already-stored"),
        ]);

        Assert.True(results[0].Created);
        Assert.False(results[1].Created);
        Assert.Equal(results[0].Value, results[1].Value);
        Assert.False(results[2].Created);
        Assert.Equal(stored.Value, results[2].Value);
        Assert.Equal(2, (await Store.GetMessagesAsync(conversation.Id, null, null, 100, Ct)).Items.Count);
    }

    [Fact]
    public async Task Group_WithAnUnknownConversation_FailsThatMessageOnly()
    {
        var (alice, bob) = (NewUserId(), NewUserId());
        var conversation = NewGroup(alice, bob);
        await Store.CreateConversationAsync(conversation, Ct);

        var group = Store.AppendAsOneGroupAsync([NewMessage(conversation.Id, alice), NewMessage("c_missing", alice), NewMessage(conversation.Id, bob)]);

        await Assert.ThrowsAsync<InvalidOperationException>(() => group);
        Assert.Equal([1L, 2], (await Store.GetMessagesAsync(conversation.Id, null, null, 100, Ct)).Items.Select(m => m.Seq));
    }

    [Fact]
    public async Task Group_RefusedByTheDatabase_IsWrittenOneMessageAtATime_SoOnlyTheBadOneFails()
    {
        var (alice, bob) = (NewUserId(), NewUserId());
        var conversation = NewGroup(alice, bob);
        await Store.CreateConversationAsync(conversation, Ct);
        var existing = await Store.AppendMessageAsync(NewMessage(conversation.Id, alice), Ct);

        // A message whose id is taken makes the database refuse the whole group's insert.
        var results = Store.AppendAsOneGroupAsync([NewMessage(conversation.Id, bob), NewMessage(conversation.Id, bob) with { Id = existing.Value.Id }, NewMessage(conversation.Id, alice)]);

        await Assert.ThrowsAnyAsync<DbException>(() => results);
        var page = (await Store.GetMessagesAsync(conversation.Id, null, null, 100, Ct)).Items;
        Assert.Equal([1L, 2, 3], page.Select(m => m.Seq));
        Assert.Equal(3, (await Store.FindConversationAsync(conversation.Id, Ct))!.LastSeq);
    }
}

/// <summary>Group commit on a SQLite file.</summary>
public sealed class SqliteGroupCommitTests : GroupCommitTests
{
    private readonly SqliteFiles _files = new();

    private protected override Task<StoreNode> StartNodeAsync(CommandGate commands) =>
        StoreNode.StartAsync(o => o.UseSqlite(_files.ConnectionString("chat.db")).AddInterceptors(commands));

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _files.Dispose();
    }
}

/// <summary>Group commit on PostgreSQL, whose statements take the group's values as arrays and are prepared.</summary>
public sealed class PostgresGroupCommitTests(PostgresServerFixture postgres) : GroupCommitTests
{
    private protected override async Task<StoreNode> StartNodeAsync(CommandGate commands)
    {
        var server = await postgres.GetServerAsync();
        return await StoreNode.StartAsync(o => o.UseNpgsql(PostgresServerFixture.ConnectionString(server, PostgresServerFixture.NewDatabaseName())).AddInterceptors(commands));
    }

    [Fact]
    public async Task Groups_OfEveryShape_SendTheSameStatementTexts_Prepared()
    {
        var (alice, bob, first, second) = await TwoConversationsWithAMessageAsync();
        await Store.AppendMessageAsync(NewMessage(second.Id, alice), Ct);

        Node.Queries.Reset();
        await Store.AppendAsOneGroupAsync([NewMessage(first.Id, alice, NewTempId())]);
        var one = Node.Queries.Sent;
        Node.Queries.Reset();
        await Store.AppendAsOneGroupAsync(
            [NewMessage(second.Id, bob, NewTempId()), NewMessage(first.Id, alice, NewTempId()), NewMessage(first.Id, bob, NewTempId()), NewMessage(second.Id, alice, NewTempId())]);
        var four = Node.Queries.Sent;

        // One text per statement whatever the group holds, so PostgreSQL parses and plans each once per connection.
        Assert.Equal(2, one.Count);
        Assert.Equal(one.Select(c => c.Text), four.Select(c => c.Text));
        Assert.All(four, c => Assert.StartsWith(EfCoreChatStore.PreparedMarker, c.Text, StringComparison.Ordinal));
        Assert.All(Node.Queries.Executed, c => Assert.True(c.Prepared, "not prepared: " + c.Text));
        Assert.Equal([1L, 2, 3, 4], (await Store.GetMessagesAsync(first.Id, null, null, 100, Ct)).Items.Select(m => m.Seq));
        Assert.Equal([1L, 2, 3], (await Store.GetMessagesAsync(second.Id, null, null, 100, Ct)).Items.Select(m => m.Seq));
    }

    [Fact]
    public async Task GroupStatements_RunOnTheirGenericPlans_NotPlannedAgainAtEachExecution()
    {
        // One physical connection, so the prepared statements the groups used are the ones this test then inspects.
        var server = await postgres.GetServerAsync();
        var connectionString = PostgresServerFixture.ConnectionString(server, PostgresServerFixture.NewDatabaseName()) + ";Maximum Pool Size=1";
        await using var node = await StoreNode.StartAsync(o => o.UseNpgsql(connectionString));
        var (alice, bob) = (NewUserId(), NewUserId());
        var conversation = NewGroup(alice, bob);
        await node.Store.CreateConversationAsync(conversation, Ct);

        // PostgreSQL tries custom plans for a prepared statement's first five executions, then keeps planning afresh
        // whenever a custom plan looks cheaper, which it does for array parameters: the group asks for the generic one.
        for (var i = 0; i < 8; i++)
        {
            await node.Store.AppendMessageAsync(NewMessage(conversation.Id, i % 2 == 0 ? alice : bob, NewTempId()), Ct);
        }

        await using var db = await node.Services.GetRequiredService<IDbContextFactory<ChatKitDbContext>>().CreateDbContextAsync(Ct);
        var plans = await db.Database.SqlQueryRaw<string>(
            "SELECT coalesce(sum(generic_plans), 0)::text || ' ' || coalesce(sum(custom_plans), 0)::text AS \"Value\" FROM pg_prepared_statements WHERE statement LIKE '%ck_lock_id%' OR statement LIKE '%newMessage%'")
            .ToListAsync(Ct);
        var (generic, custom) = plans[0].Split(' ') switch { [var g, var c] => (long.Parse(g, CultureInfo.InvariantCulture), long.Parse(c, CultureInfo.InvariantCulture)), _ => (0, -1) };
        Assert.True(generic >= 8, "generic plans: " + plans[0]);
        Assert.Equal(0, custom);
    }
}
