using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using ChatKit.Scaleout.Redis.Internal;
using ChatKit.Scaleout.Redis.Tests.Support;
using ChatKit.Testing;
using ChatKit.Testing.Servers;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ChatKit.Scaleout.Redis.Tests;

/// <summary>
/// Two full ChatKit hosts (hub, REST, JWT) on two Kestrel servers, sharing one redis-server and one database through
/// the EF Core store: what a client on one node sees of what happens on the other. Runs on a SQLite file and on a real
/// PostgreSQL (the production topology).
/// </summary>
public abstract class TwoNodeTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    /// <summary>NodeTimeout + ReaperInterval of <see cref="PresenceNode.Fast"/>, plus room for a busy 2-core machine.</summary>
    private static readonly TimeSpan ExpiryBound = TimeSpan.FromSeconds(2.2) + TimeSpan.FromSeconds(2);

    private readonly string _prefix = RedisFixture.UniquePrefix();
    private readonly string _directory = Directory.CreateTempSubdirectory("chatkit-twonode-").FullName;
    private readonly List<IAsyncDisposable> _disposables = [];
    private RedisServer? _redis;
    private ChatNode? _a;
    private ChatNode? _b;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ChatNode A => _a ?? throw new InvalidOperationException("not started");

    private ChatNode B => _b ?? throw new InvalidOperationException("not started");

    private RedisServer Redis => _redis ?? throw new InvalidOperationException("not started");

    public async ValueTask InitializeAsync()
    {
        if (!RedisServer.IsInstalled)
        {
            return;
        }

        var database = await PrepareDatabaseAsync(_directory);
        _redis = await RedisServer.StartAsync();
        // One after the other: the first creates the schema in the shared database.
        _a = await ChatNode.StartAsync(_redis.ConnectionString, _prefix, o => database(1, o), TypingFast);
        _b = await ChatNode.StartAsync(_redis.ConnectionString, _prefix, o => database(2, o), TypingFast);
    }

    /// <summary>Creates the database both nodes share; returns how node 1 or 2 connects to it.</summary>
    /// <param name="directory">A temporary folder of this test, deleted afterwards.</param>
    protected abstract Task<Action<int, DbContextOptionsBuilder>> PrepareDatabaseAsync(string directory);

    public async ValueTask DisposeAsync()
    {
        try
        {
            for (var i = _disposables.Count - 1; i >= 0; i--)
            {
                await _disposables[i].DisposeAsync();
            }

            foreach (var node in new[] { _a, _b })
            {
                if (node is not null)
                {
                    await node.DisposeAsync();
                }
            }
        }
        finally
        {
            if (_redis is not null)
            {
                await _redis.DisposeAsync();
            }
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Npgsql.NpgsqlConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }

    [Fact]
    public async Task NewMessage_SentOnOneNode_ReachesTheRecipientOnTheOther()
    {
        RequireRedis();
        var alice = await ConnectAsync(A, "alice");
        var bob = await ConnectAsync(B, "bob");
        var conversationId = await DirectAsync(alice, "bob");

        var ack = await SendAsync(alice, conversationId, "hello from A");

        var received = await bob.WaitForAsync("newMessage", m => Id(m.GetProperty("message")) == ack.MessageId);
        Assert.Equal("hello from A", received.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(ack.Seq, received.GetProperty("message").GetProperty("seq").GetInt64());
        await alice.WaitForAsync("newMessage", m => Id(m.GetProperty("message")) == ack.MessageId);
    }

    [Fact]
    public async Task ConversationCreated_OnOneNode_ReachesTheOtherParticipantOnTheOther()
    {
        RequireRedis();
        var alice = await ConnectAsync(A, "alice");
        var bob = await ConnectAsync(B, "bob");

        var conversationId = await DirectAsync(alice, "bob");

        await bob.WaitForAsync("conversationCreated", c => Id(c) == conversationId);
    }

    [Fact]
    public async Task Typing_OnOneNode_ReachesTheRoomOnTheOther_AndItsTimeoutToo()
    {
        RequireRedis();
        var alice = await ConnectAsync(A, "alice");
        var bob = await ConnectAsync(B, "bob");
        var conversationId = await DirectAsync(alice, "bob");
        await bob.Connection.InvokeAsync("joinRoom", new { conversationId }, Ct);

        var clock = Stopwatch.StartNew();
        await alice.Connection.InvokeAsync("typing", new { conversationId }, Ct);

        var typing = await bob.WaitForAsync("userTyping", t => t.GetProperty("conversationId").GetString() == conversationId);
        Assert.Equal("alice", typing.GetProperty("userId").GetString());
        // Node A's typing timer (1 s here) fires and its userStoppedTyping crosses to node B.
        await bob.WaitForAsync("userStoppedTyping", t => t.GetProperty("userId").GetString() == "alice");
        // (Timers may fire a millisecond early; an immediate stop would arrive within a few milliseconds.)
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"stopped typing after {clock.Elapsed}, before the timeout");
    }

    [Fact]
    public async Task ReadReceipt_OnOneNode_ReachesTheSenderOnTheOther()
    {
        RequireRedis();
        var alice = await ConnectAsync(A, "alice");
        var bob = await ConnectAsync(B, "bob");
        var conversationId = await DirectAsync(alice, "bob");
        var ack = await SendAsync(alice, conversationId, "read me");
        await bob.WaitForAsync("newMessage", m => Id(m.GetProperty("message")) == ack.MessageId);

        await bob.Connection.InvokeAsync("markAsRead", new { conversationId, messageId = ack.MessageId }, Ct);

        var read = await alice.WaitForAsync("messageRead", r => r.GetProperty("messageId").GetString() == ack.MessageId);
        Assert.Equal("bob", read.GetProperty("readBy").GetString());
    }

    [Fact]
    public async Task RemovedParticipant_ConnectedToTheOtherNode_StopsHearingTheRoom()
    {
        RequireRedis();
        var alice = await ConnectAsync(A, "alice");
        var carol = await ConnectAsync(A, "carol");
        var bob = await ConnectAsync(B, "bob");
        var group = await alice.Connection.InvokeAsync<JsonElement>("createConversation", new { type = "group", name = "team", participantIds = new[] { "bob", "carol" } }, Ct);
        var groupId = Id(group)!;
        var directId = await DirectAsync(carol, "bob");
        await bob.Connection.InvokeAsync("joinRoom", new { conversationId = groupId }, Ct);
        await bob.Connection.InvokeAsync("joinRoom", new { conversationId = directId }, Ct);
        await carol.Connection.InvokeAsync("stopTyping", new { conversationId = groupId }, Ct);
        await bob.WaitForAsync("userStoppedTyping", t => t.GetProperty("conversationId").GetString() == groupId);

        using var http = A.Http("alice");
        var removed = await http.DeleteAsync(new Uri($"/chats/conversations/{groupId}/participants/bob", UriKind.Relative), Ct);
        Assert.Equal(System.Net.HttpStatusCode.NoContent, removed.StatusCode);
        await bob.WaitForAsync("participantRemoved", r => r.GetProperty("conversationId").GetString() == groupId);

        // Carol's events in the group no longer reach bob; a marker in their direct conversation, sent after them
        // through the same Redis connection, shows they had their chance.
        await carol.Connection.InvokeAsync("stopTyping", new { conversationId = groupId }, Ct);
        await carol.Connection.InvokeAsync("stopTyping", new { conversationId = directId }, Ct);
        await bob.WaitForAsync("userStoppedTyping", t => t.GetProperty("conversationId").GetString() == directId);
        Assert.Equal(1, bob.Count("userStoppedTyping", t => t.GetProperty("conversationId").GetString() == groupId));
    }

    [Fact]
    public async Task Presence_ConnectionOnOneNode_IsSeenOnTheOther()
    {
        RequireRedis();
        var alice = await ConnectAsync(A, "alice");
        await DirectAsync(alice, "bob");

        var bob = await ConnectAsync(B, "bob");
        await alice.WaitForAsync("userStatusChanged", s => IsStatus(s, "bob", "online"));
        Assert.Contains("bob", await alice.Connection.InvokeAsync<string[]>("getOnlineUsers", Ct));

        await bob.Connection.StopAsync(Ct);
        await alice.WaitForAsync("userStatusChanged", s => IsStatus(s, "bob", "offline"));
        Assert.DoesNotContain("bob", await alice.Connection.InvokeAsync<string[]>("getOnlineUsers", Ct));
        Assert.Equal(1, alice.Count("userStatusChanged", s => IsStatus(s, "bob", "online")));
    }

    [Fact]
    public async Task ConcurrentSenders_OnBothNodes_GetGaplessSeq()
    {
        RequireRedis();
        var alice = await ConnectAsync(A, "alice");
        var bob = await ConnectAsync(B, "bob");
        var conversationId = await DirectAsync(alice, "bob");
        const int PerSender = 20;

        var sends = Enumerable.Range(0, PerSender)
            .SelectMany(i => new[] { SendAsync(alice, conversationId, $"a{i}"), SendAsync(bob, conversationId, $"b{i}") });
        var acks = await Task.WhenAll(sends);

        Assert.Equal(Enumerable.Range(1, 2 * PerSender).Select(i => (long)i), acks.Select(a => a.Seq).Order());
        var stored = await MessagesAsync(A, "alice", conversationId, after: 0);
        Assert.Equal(Enumerable.Range(1, 2 * PerSender).Select(i => (long)i), stored.Select(m => m.GetProperty("seq").GetInt64()));
    }

    [Fact]
    public async Task NodeCrash_TakesItsUsersOfflineOnTheOtherNodeWithinTheBound_Once()
    {
        RequireRedis();
        var alice = await ConnectAsync(A, "alice");
        await DirectAsync(alice, "bob");
        await ConnectAsync(B, "bob");
        await alice.WaitForAsync("userStatusChanged", s => IsStatus(s, "bob", "online"));

        var clock = Stopwatch.StartNew();
        await B.CrashAsync();
        await alice.WaitForAsync("userStatusChanged", s => IsStatus(s, "bob", "offline"));
        var elapsed = clock.Elapsed;

        Assert.True(elapsed < ExpiryBound, $"bob went offline after {elapsed}, more than {ExpiryBound}");
        Assert.DoesNotContain("bob", await alice.Connection.InvokeAsync<string[]>("getOnlineUsers", Ct));
        var maintenance = A.Services.GetServices<IHostedService>().OfType<RedisPresenceMaintenance>().Single();
        var passes = maintenance.ReaperPasses;
        while (maintenance.ReaperPasses < passes + 3)
        {
            await Task.Delay(50, Ct);
        }

        Assert.Equal(1, alice.Count("userStatusChanged", s => IsStatus(s, "bob", "offline")));
    }

    [Fact]
    public async Task RedisRestart_MessagesSentWhileItIsDown_AreAckedStoredAndFetchableAfterSeq()
    {
        RequireRedis();
        var alice = await ConnectAsync(A, "alice");
        var bob = await ConnectAsync(B, "bob");
        var conversationId = await DirectAsync(alice, "bob");
        await bob.Connection.InvokeAsync("joinRoom", new { conversationId }, Ct);
        var before = await SendAsync(alice, conversationId, "before the outage");
        await bob.WaitForAsync("newMessage", m => Id(m.GetProperty("message")) == before.MessageId);

        await Redis.StopAsync();
        var during = new List<Ack>();
        for (var i = 0; i < 3; i++)
        {
            during.Add(await SendAsync(alice, conversationId, $"during the outage {i}"));
        }

        // Acked with consecutive seq, and delivered to the sender's own node at once.
        Assert.Equal([before.Seq + 1, before.Seq + 2, before.Seq + 3], during.Select(a => a.Seq));
        await alice.WaitForAsync("newMessage", m => Id(m.GetProperty("message")) == during[^1].MessageId);

        await Redis.RestartAsync(Ct);

        // Bob's client catches up from the store with the last seq it saw.
        var missed = await MessagesAsync(B, "bob", conversationId, after: before.Seq);
        Assert.Equal(during.Select(a => a.MessageId), missed.Select(Id));
        // And live delivery across nodes comes back by itself. Probe with stopTyping: it always publishes and stores nothing.
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(Wait);
        var stops = bob.Count("userStoppedTyping");
        while (bob.Count("userStoppedTyping") == stops)
        {
            await alice.Connection.InvokeAsync("stopTyping", new { conversationId }, cts.Token);
            await Task.WhenAny(bob.WaitForAsync("userStoppedTyping", _ => bob.Count("userStoppedTyping") > stops, TimeSpan.FromMilliseconds(200)));
            cts.Token.ThrowIfCancellationRequested();
        }

        var after = await SendAsync(alice, conversationId, "after the outage");
        await bob.WaitForAsync("newMessage", m => Id(m.GetProperty("message")) == after.MessageId);
    }

    private static void TypingFast(ChatKitOptions options) => options.TypingTimeout = TimeSpan.FromSeconds(1);

    private static string? Id(JsonElement element) => element.GetProperty("id").GetString();

    private static bool IsStatus(JsonElement status, string userId, string value) =>
        status.GetProperty("userId").GetString() == userId && status.GetProperty("status").GetString() == value;

    private void RequireRedis()
    {
        if (_redis is null)
        {
            ServiceAvailability.Missing(RedisServer.MissingMessage);
        }
    }

    private async Task<ChatClient> ConnectAsync(ChatNode node, string userId)
    {
        var client = await node.ConnectAsync(userId, Ct);
        _disposables.Add(client);
        return client;
    }

    private static async Task<string> DirectAsync(ChatClient caller, string otherId)
    {
        var conversation = await caller.Connection.InvokeAsync<JsonElement>("createConversation", new { type = "direct", participantIds = new[] { otherId } }, Ct);
        return Id(conversation)!;
    }

    private static async Task<Ack> SendAsync(ChatClient sender, string conversationId, string content)
    {
        var ack = await sender.Connection.InvokeAsync<JsonElement>("sendMessage", new { conversationId, content, tempId = Guid.NewGuid().ToString("N") }, Ct);
        return new Ack(ack.GetProperty("messageId").GetString()!, ack.GetProperty("seq").GetInt64());
    }

    private static async Task<JsonElement[]> MessagesAsync(ChatNode node, string userId, string conversationId, long after)
    {
        using var http = node.Http(userId);
        var page = await http.GetFromJsonAsync<JsonElement>($"/chats/conversations/{conversationId}/messages?after={after}&limit=100", Ct);
        return [.. page.GetProperty("items").EnumerateArray()];
    }

    private sealed record Ack(string MessageId, long Seq);
}

/// <summary><see cref="TwoNodeTests"/> on one SQLite file (WAL), as two processes on one machine would share it.</summary>
public sealed class SqliteTwoNodeTests : TwoNodeTests
{
    protected override Task<Action<int, DbContextOptionsBuilder>> PrepareDatabaseAsync(string directory)
    {
        var file = Path.Combine(directory, "chat.db");
        return Task.FromResult<Action<int, DbContextOptionsBuilder>>((_, o) => o.UseSqlite($"Data Source={file}"));
    }
}

/// <summary>
/// <see cref="TwoNodeTests"/> on a real PostgreSQL that the fixture starts: each test gets its own database, and each
/// node its own connection pool, as separate processes would.
/// </summary>
public sealed class PostgresTwoNodeTests(PostgresServerFixture postgres) : TwoNodeTests, IClassFixture<PostgresServerFixture>
{
    protected override async Task<Action<int, DbContextOptionsBuilder>> PrepareDatabaseAsync(string directory)
    {
        var server = await postgres.GetServerAsync();
        var database = PostgresServerFixture.NewDatabaseName();
        return (node, o) => o.UseNpgsql(PostgresServerFixture.ConnectionString(server, database, node));
    }
}
