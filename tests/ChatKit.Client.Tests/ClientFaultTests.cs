using ChatKit.Client.Tests.Support;
using ChatKit.Testing;
using ChatKit.Testing.Servers;
using Microsoft.EntityFrameworkCore;

namespace ChatKit.Client.Tests;

/// <summary>
/// The client against a real host whose connections are cut at random points and which is restarted, then two nodes
/// behind Redis with one killed: what the app sees (<see cref="ChatClient.MessageReceived"/>) equals the server's
/// history, with no loss, no repeat and seq order per conversation, and every message sent is stored once.
/// </summary>
public abstract class ClientFaultTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly string _directory = Directory.CreateTempSubdirectory("chatkit-client-").FullName;

    /// <summary>How node 1, 2… connects to this test's database.</summary>
    protected abstract Task<Action<int, DbContextOptionsBuilder>> PrepareDatabaseAsync(string directory);

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }

        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task ConnectionsCutAtRandomPoints_AndServerRestarts_AppStreamEqualsHistory()
    {
        var seed = Random.Shared.Next();
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var database = await PrepareDatabaseAsync(_directory);
        await using var node = await ClientTestNode.StartAsync(o => database(1, o));
        var (alice, bob, carol) = (User("alice"), User("bob"), User("carol"));
        await using var aliceClient = node.Client(alice);
        await using var bobClient = node.Client(bob);
        var aliceStream = new AppStream(aliceClient);
        var bobStream = new AppStream(bobClient);
        await aliceClient.StartAsync();
        await bobClient.StartAsync();
        var direct = await bobClient.CreateConversationAsync(ConversationType.Direct, [alice]);
        var group = await aliceClient.CreateConversationAsync(ConversationType.Group, [bob, carol], "Team");
        string[] conversations = [direct.Id, group.Id];

        var sends = new List<Task<SendMessageAck>>();
        for (var i = 0; i < 60; i++)
        {
            var sender = random.Next(2) == 0 ? aliceClient : bobClient;
            sends.Add(sender.SendMessageAsync(conversations[random.Next(2)], $"m{i}"));
            if (random.Next(8) == 0)
            {
                await Disrupt();
            }
            else if (random.Next(3) == 0)
            {
                await sends[^1].WaitAsync(Wait);
            }
        }

        await Disrupt();
        await Task.WhenAll(sends).WaitAsync(Wait);
        await AssertStreamsEqualHistoryAsync(bobClient, conversations, sends.Count, [aliceStream, bobStream]);

        async Task Disrupt()
        {
            switch (random.Next(3))
            {
                case 0:
                    output.WriteLine($"cut alice: {node.Connections.Abort(alice)}");
                    break;
                case 1:
                    output.WriteLine($"cut bob: {node.Connections.Abort(bob)}");
                    break;
                default:
                    output.WriteLine("restart the server");
                    await node.StopAsync();
                    await node.StartAgainAsync();
                    break;
            }
        }
    }

    [Fact]
    public async Task TwoNodesBehindRedis_OneKilled_AppStreamEqualsHistory()
    {
        if (!RedisServer.IsInstalled)
        {
            ServiceAvailability.Missing(RedisServer.MissingMessage);
        }

        var database = await PrepareDatabaseAsync(_directory);
        await using var redis = await RedisServer.StartAsync(TestContext.Current.CancellationToken);
        var prefix = "t" + Guid.NewGuid().ToString("N")[..8] + ":";
        await using var first = await ClientTestNode.StartAsync(o => database(1, o), redis.ConnectionString, prefix);
        await using var second = await ClientTestNode.StartAsync(o => database(2, o), redis.ConnectionString, prefix);
        var (alice, bob) = (User("alice"), User("bob"));
        await using var aliceClient = first.Client(alice);
        await using var bobClient = second.Client(bob);
        var aliceStream = new AppStream(aliceClient);
        var bobStream = new AppStream(bobClient);
        await aliceClient.StartAsync();
        await bobClient.StartAsync();
        var direct = await bobClient.CreateConversationAsync(ConversationType.Direct, [alice]);

        var sends = new List<Task<SendMessageAck>>();
        for (var i = 0; i < 45; i++)
        {
            sends.Add((i % 3 == 0 ? aliceClient : bobClient).SendMessageAsync(direct.Id, $"m{i}"));
            if (i == 15)
            {
                // Alice's node dies; Bob goes on talking on the other node, Alice's messages wait in her outbox.
                await first.StopAsync();
            }
            else if (i == 30)
            {
                await first.StartAgainAsync();
            }
            else if (i % 3 != 0 && i % 2 == 0)
            {
                // Bob's send, acknowledged by the live node (Alice's may wait for hers to come back).
                await sends[^1].WaitAsync(Wait);
            }
        }

        await Task.WhenAll(sends).WaitAsync(Wait);
        await AssertStreamsEqualHistoryAsync(bobClient, [direct.Id], sends.Count, [aliceStream, bobStream]);
    }

    [Fact]
    public async Task OutboxKeptByTheApp_IsSentOnceByTheNextClient_AfterTheServerWasDown()
    {
        var database = await PrepareDatabaseAsync(_directory);
        await using var node = await ClientTestNode.StartAsync(o => database(1, o));
        var (alice, bob) = (User("alice"), User("bob"));
        var outbox = new InMemoryChatOutbox();
        string conversationId;
        await using (var first = node.Client(alice, outbox))
        {
            await first.StartAsync();
            conversationId = (await first.CreateConversationAsync(ConversationType.Direct, [bob])).Id;
            await node.StopAsync();
            using var stopWaiting = new CancellationTokenSource();
            var pending = first.SendMessageAsync(conversationId, "written while offline", stopWaiting.Token);
            await stopWaiting.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        }

        Assert.Single(await outbox.GetAllAsync(default));
        await node.StartAgainAsync();
        await using var second = node.Client(alice, outbox);
        var acknowledged = new TaskCompletionSource<SendMessageAck>(TaskCreationOptions.RunContinuationsAsynchronously);
        second.MessageAcknowledged += (_, ack) => acknowledged.TrySetResult(ack);
        await second.StartAsync();
        var ack = await acknowledged.Task.WaitAsync(Wait);
        var history = await second.GetMessagesAsync(conversationId);

        Assert.Equal(1, ack.Seq);
        Assert.Equal("written while offline", Assert.Single(history.Items).Content);
        Assert.Empty(await outbox.GetAllAsync(default));
    }

    [Fact]
    public async Task MessageRefusedForGood_LeavesTheOutbox_WithTheServersCode()
    {
        var database = await PrepareDatabaseAsync(_directory);
        await using var node = await ClientTestNode.StartAsync(o => database(1, o));
        var outbox = new InMemoryChatOutbox();
        await using var client = node.Client(User("alice"), outbox);
        var rejected = new TaskCompletionSource<MessageRejectedEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.MessageRejected += (_, e) => rejected.TrySetResult(e);
        await client.StartAsync();

        var error = await Assert.ThrowsAsync<ChatClientException>(() => client.SendMessageAsync("c_missing", "hello").WaitAsync(Wait));
        var rejection = await rejected.Task.WaitAsync(Wait);

        Assert.Equal("not_found", error.Code);
        Assert.Equal("c_missing", rejection.Message.ConversationId);
        Assert.Empty(await outbox.GetAllAsync(default));
    }

    /// <summary>
    /// A last message in each conversation, and once each stream has it: every stream equals the server's history
    /// (ids in seq order), and the history holds each sent message once.
    /// </summary>
    private async Task AssertStreamsEqualHistoryAsync(ChatClient reader, string[] conversations, int sent, AppStream[] streams)
    {
        foreach (var conversationId in conversations)
        {
            await reader.SendMessageAsync(conversationId, "end").WaitAsync(Wait);
            foreach (var stream in streams)
            {
                await stream.WaitForAsync(conversationId, "end", Wait);
            }
        }

        var stored = 0;
        foreach (var conversationId in conversations)
        {
            var history = new List<ChatMessage>();
            for (long after = 0; ;)
            {
                var page = await reader.GetMessagesAsync(conversationId, after: after, limit: 100);
                history.AddRange(page.Items);
                if (!page.HasMore)
                {
                    break;
                }

                after = page.Items[^1].Seq;
            }

            Assert.Equal(Enumerable.Range(1, history.Count).Select(i => (long)i), history.Select(m => m.Seq));
            stored += history.Count(m => m.Content != "end");
            foreach (var stream in streams)
            {
                Assert.Equal(history.Select(m => m.Id), stream.Messages(conversationId).Select(m => m.Id));
            }
        }

        Assert.Equal(sent, stored);
        foreach (var stream in streams)
        {
            Assert.Empty(stream.Violations);
        }
    }

    private static string User(string name) => $"{name}-{Guid.NewGuid().ToString("N")[..8]}";
}

/// <summary><see cref="ClientFaultTests"/> on a SQLite file.</summary>
public sealed class SqliteClientFaultTests(ITestOutputHelper output) : ClientFaultTests(output)
{
    protected override Task<Action<int, DbContextOptionsBuilder>> PrepareDatabaseAsync(string directory)
    {
        var file = Path.Combine(directory, "chat.db");
        return Task.FromResult<Action<int, DbContextOptionsBuilder>>((_, o) => o.UseSqlite($"Data Source={file}"));
    }
}

/// <summary><see cref="ClientFaultTests"/> on a real PostgreSQL the fixture starts, a database per test.</summary>
public sealed class PostgresClientFaultTests(PostgresServerFixture postgres, ITestOutputHelper output)
    : ClientFaultTests(output), IClassFixture<PostgresServerFixture>
{
    protected override async Task<Action<int, DbContextOptionsBuilder>> PrepareDatabaseAsync(string directory)
    {
        var server = await postgres.GetServerAsync();
        var database = PostgresServerFixture.NewDatabaseName();
        return (node, o) => o.UseNpgsql(PostgresServerFixture.ConnectionString(server, database, node));
    }
}
