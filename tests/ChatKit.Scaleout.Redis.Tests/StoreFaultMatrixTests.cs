using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChatKit.Scaleout.Redis.Tests.Support;
using ChatKit.Testing;
using ChatKit.Testing.Servers;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.Scaleout.Redis.Tests;

/// <summary>
/// The store and node rows of the fault matrix in docs/reliability.md, F3 to F6: each fault on real servers (Kestrel nodes with the real SignalR
/// client, a real redis-server, real PostgreSQL and SQLite files), each outcome counted as messages sent, lost (acknowledged
/// but not stored) and duplicated (stored twice). Every test writes its counts to the test output.
/// </summary>
public sealed class StoreFaultMatrixTests(PostgresServerFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresServerFixture>, IAsyncLifetime
{
    /// <summary>NodeTimeout + ReaperInterval of <see cref="PresenceNode.Fast"/>, plus room for a busy 2-core machine.</summary>
    private static readonly TimeSpan ExpiryBound = TimeSpan.FromSeconds(2.2) + TimeSpan.FromSeconds(2);

    private readonly string _prefix = RedisFixture.UniquePrefix();
    private readonly string _directory = Directory.CreateTempSubdirectory("chatkit-faults-").FullName;
    private readonly List<IAsyncDisposable> _disposables = [];
    private RedisServer? _redis;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        for (var i = _disposables.Count - 1; i >= 0; i--)
        {
            try
            {
                await _disposables[i].DisposeAsync();
            }
            catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException or HttpRequestException)
            {
                // A node the test crashed or a client of it: already gone.
            }
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
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

    /// <summary>F3: a node dies right after acknowledging sends (and with sends in flight).</summary>
    [Fact]
    public async Task F3_NodeKilledRightAfterAcknowledgingSends_EveryAckedMessageIsStored_AndItsUsersGoOffline()
    {
        var (server, database) = await PostgresAsync();
        var a = await NodeAsync(o => o.UseNpgsql(PostgresServerFixture.ConnectionString(server, database, 1)));
        var b = await NodeAsync(o => o.UseNpgsql(PostgresServerFixture.ConnectionString(server, database, 2)));
        var alice = await ConnectAsync(b, "alice");
        var conversationId = await DirectAsync(alice, "bob");
        var bob = await ConnectAsync(a, "bob");
        Assert.Contains("alice", await bob.Connection.InvokeAsync<string[]>("getOnlineUsers", Ct));

        // 40 sends acknowledged, then 20 more in flight when the node dies.
        var acked = new List<Ack>(await Task.WhenAll(Enumerable.Range(0, 40).Select(i => SendAsync(alice, conversationId, $"acked {i}"))));
        var inFlight = Enumerable.Range(0, 20).Select(i => SendAsync(alice, conversationId, $"in flight {i}")).ToList();
        var clock = Stopwatch.StartNew();
        await b.CrashAsync();
        foreach (var send in inFlight)
        {
            try
            {
                acked.Add(await send);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !Ct.IsCancellationRequested)
            {
                // Not acknowledged: the client retries it with its tempId; whether it was stored does not matter here.
            }
        }

        await bob.WaitForAsync("userStatusChanged", s => IsStatus(s, "alice", "offline"), ExpiryBound + TimeSpan.FromSeconds(5));
        var offlineAfter = clock.Elapsed;
        var stored = await MessagesAsync(a, "bob", conversationId, after: 0);
        var (lost, duplicated) = Count(acked, stored);
        Report("F3", sent: 60, acked.Count, lost, duplicated, $"offline on the other node after {offlineAfter.TotalSeconds:F1} s");

        Assert.Equal(0, lost);
        Assert.Equal(0, duplicated);
        Assert.True(offlineAfter < ExpiryBound, $"alice went offline after {offlineAfter}, more than {ExpiryBound}");
        Assert.Equal(Enumerable.Range(1, stored.Length).Select(i => (long)i), stored.Select(m => m.GetProperty("seq").GetInt64()));
    }

    /// <summary>F4: PostgreSQL restarted (immediate shutdown) while a sender keeps sending.</summary>
    [Fact]
    public async Task F4_PostgresRestartedMidStream_SendsSucceedOrFailUnavailable_NothingAckedIsLost_AndTheNodeRecovers()
    {
        var (server, database) = await PostgresAsync();
        var a = await NodeAsync(o => o.UseNpgsql(PostgresServerFixture.ConnectionString(server, database, 1)));
        var alice = await ConnectAsync(a, "alice");
        var conversationId = await DirectAsync(alice, "bob");
        var acked = new List<Ack>();
        var errors = new List<string>();
        var sent = 0;

        async Task SendUntilAckedAsync(string content)
        {
            // A client's retry policy: the same tempId again after an unavailable; any other error is recorded.
            var tempId = Guid.NewGuid().ToString("N");
            sent++;
            for (var attempt = 0; attempt < 200; attempt++)
            {
                try
                {
                    acked.Add(await SendAsync(alice, conversationId, content, tempId));
                    return;
                }
                catch (HubException ex)
                {
                    errors.Add(ex.Message);
                    if (!ex.Message.StartsWith("unavailable: ", StringComparison.Ordinal))
                    {
                        return;
                    }

                    await Task.Delay(100, Ct);
                }
            }
        }

        for (var i = 0; i < 10; i++)
        {
            await SendUntilAckedAsync($"before {i}");
        }

        await server.StopAsync(Ct);
        var outage = Stopwatch.StartNew();
        var duringOutage = Task.Run(
            async () =>
            {
                for (var i = 0; i < 5; i++)
                {
                    await SendUntilAckedAsync($"during {i}");
                }
            },
            Ct);

        // While it is down: REST answers 503 unavailable with Retry-After.
        using (var http = a.Http("alice"))
        {
            using var response = await http.GetAsync("/chats/conversations", Ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.NotNull(response.Headers.RetryAfter);
            Assert.Equal("unavailable", (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("code").GetString());
        }

        while (!errors.Any(e => e.StartsWith("unavailable: ", StringComparison.Ordinal)))
        {
            await Task.Delay(20, Ct);
        }

        await server.StartAgainAsync(Ct);
        var downFor = outage.Elapsed;
        await duringOutage.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        for (var i = 0; i < 10; i++)
        {
            await SendUntilAckedAsync($"after {i}");
        }

        var stored = await MessagesAsync(a, "alice", conversationId, after: 0);
        var (lost, duplicated) = Count(acked, stored);
        var unavailable = errors.Count(e => e.StartsWith("unavailable: ", StringComparison.Ordinal));
        Report("F4", sent, acked.Count, lost, duplicated, $"down {downFor.TotalSeconds:F1} s; {unavailable} sends answered unavailable and retried");

        Assert.All(errors, e => Assert.StartsWith("unavailable: ", e, StringComparison.Ordinal));
        Assert.Equal(sent, acked.Count);
        Assert.Equal(0, lost);
        Assert.Equal(0, duplicated);
        Assert.Equal(Enumerable.Range(1, stored.Length).Select(i => (long)i), stored.Select(m => m.GetProperty("seq").GetInt64()));
    }

    /// <summary>F5: the ack of a send is lost and the client retries it, with the same tempId, on the other node.</summary>
    [Fact]
    public async Task F5_AckLostAndSendRetriedOnTheOtherNode_OneStoredMessageWithTheSameIdAndSeq()
    {
        var (server, database) = await PostgresAsync();
        var a = await NodeAsync(o => o.UseNpgsql(PostgresServerFixture.ConnectionString(server, database, 1)));
        var b = await NodeAsync(o => o.UseNpgsql(PostgresServerFixture.ConnectionString(server, database, 2)));
        var onA = await ConnectAsync(a, "alice");
        var onB = await ConnectAsync(b, "alice");
        var conversationId = await DirectAsync(onA, "bob");
        const int Sends = 30;

        // Half retried after the first ack arrived (the ack was lost on the way), half while the first is still in flight.
        var pairs = await Task.WhenAll(Enumerable.Range(0, Sends).Select(async i =>
        {
            var tempId = Guid.NewGuid().ToString("N");
            if (i % 2 == 0)
            {
                var first = await SendAsync(onA, conversationId, $"send {i}", tempId);
                return (First: first, Retry: await SendAsync(onB, conversationId, $"send {i}", tempId));
            }

            var both = await Task.WhenAll(SendAsync(onA, conversationId, $"send {i}", tempId), SendAsync(onB, conversationId, $"send {i}", tempId));
            return (First: both[0], Retry: both[1]);
        }));

        var stored = await MessagesAsync(b, "alice", conversationId, after: 0);
        var (lost, duplicated) = Count([.. pairs.Select(p => p.First)], stored);
        Report("F5", sent: 2 * Sends, acked: 2 * Sends, lost, duplicated, $"{Sends} tempIds, each sent on both nodes");

        Assert.All(pairs, p => Assert.Equal(p.First, p.Retry));
        Assert.Equal(Sends, stored.Length);
        Assert.Equal(0, lost);
        Assert.Equal(0, duplicated);
    }

    /// <summary>F6: another writer holds SQLite's write lock past the busy timeout.</summary>
    [Fact]
    public async Task F6_SqliteBusyPastTheTimeout_SendsFailUnavailable_TheNodeStaysResponsive_AndRecovers()
    {
        var file = Path.Combine(_directory, "busy.db");
        var a = await NodeAsync(o => o.UseSqlite($"Data Source={file}"), store => store.SqliteBusyTimeout = TimeSpan.FromMilliseconds(300));
        var alice = await ConnectAsync(a, "alice");
        var conversationId = await DirectAsync(alice, "bob");
        var before = await SendAsync(alice, conversationId, "before", Guid.NewGuid().ToString("N"));

        // Another process's writer takes the write lock and keeps it.
        await using var holder = new SqliteConnection($"Data Source={file};Pooling=False");
        await holder.OpenAsync(Ct);
        await using (var begin = holder.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE;";
            await begin.ExecuteNonQueryAsync(Ct);
        }

        var tempIds = Enumerable.Range(0, 8).Select(_ => Guid.NewGuid().ToString("N")).ToList();
        var clock = Stopwatch.StartNew();
        var sends = tempIds.Select(t => CaptureAsync(SendAsync(alice, conversationId, "while busy", t))).ToList();

        // The node answers other calls meanwhile: another user's hub call and a REST read (WAL readers are not blocked).
        // (A connection's own calls run one at a time, so alice's next call waits for her sends, as SignalR does.)
        var bob = await ConnectAsync(a, "bob");
        var responsive = Stopwatch.StartNew();
        await bob.Connection.InvokeAsync<string[]>("getOnlineUsers", Ct);
        using (var http = a.Http("alice"))
        {
            using var list = await http.GetAsync("/chats/conversations", Ct);
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        }

        var responseTime = responsive.Elapsed;
        var outcomes = await Task.WhenAll(sends).WaitAsync(TimeSpan.FromSeconds(60), Ct);
        var failedAfter = clock.Elapsed;
        await using (var rollback = holder.CreateCommand())
        {
            rollback.CommandText = "ROLLBACK;";
            await rollback.ExecuteNonQueryAsync(Ct);
        }

        // Released: the same sends, retried, go through once each.
        var retried = await Task.WhenAll(tempIds.Select(t => SendAsync(alice, conversationId, "while busy", t)));
        var stored = await MessagesAsync(a, "alice", conversationId, after: 0);
        var (lost, duplicated) = Count([before, .. retried], stored);
        Report("F6", sent: 1 + tempIds.Count, acked: 1 + retried.Length, lost, duplicated,
            $"{outcomes.Count(o => o is HubException)} sends failed unavailable within {failedAfter.TotalSeconds:F1} s; other calls answered in {responseTime.TotalMilliseconds:F0} ms");

        Assert.All(outcomes, o => Assert.StartsWith("unavailable: ", Assert.IsType<HubException>(o).Message, StringComparison.Ordinal));
        Assert.Equal(0, lost);
        Assert.Equal(0, duplicated);
        Assert.Equal(1 + tempIds.Count, stored.Length);
    }

    private static async Task<Exception?> CaptureAsync(Task task)
    {
        try
        {
            await task;
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    private async Task<(PostgresServer Server, string Database)> PostgresAsync()
    {
        RequireRedis();
        return (await postgres.GetServerAsync(), PostgresServerFixture.NewDatabaseName());
    }

    private void RequireRedis()
    {
        if (!RedisServer.IsInstalled)
        {
            ServiceAvailability.Missing(RedisServer.MissingMessage);
        }
    }

    private async Task<ChatNode> NodeAsync(Action<DbContextOptionsBuilder> database, Action<ChatKit.Storage.EfCore.EfCoreChatStoreOptions>? store = null)
    {
        RequireRedis();
        _redis ??= await RedisServer.StartAsync(Ct);
        var node = await ChatNode.StartAsync(
            _redis.ConnectionString, _prefix, database, host: services => services.Configure<ChatKit.Storage.EfCore.EfCoreChatStoreOptions>(o => store?.Invoke(o)));
        _disposables.Add(node);
        return node;
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
        return conversation.GetProperty("id").GetString()!;
    }

    private static async Task<Ack> SendAsync(ChatClient sender, string conversationId, string content, string? tempId = null)
    {
        var ack = await sender.Connection.InvokeAsync<JsonElement>(
            "sendMessage", new { conversationId, content, tempId = tempId ?? Guid.NewGuid().ToString("N") }, Ct);
        return new Ack(ack.GetProperty("messageId").GetString()!, ack.GetProperty("seq").GetInt64());
    }

    private static async Task<JsonElement[]> MessagesAsync(ChatNode node, string userId, string conversationId, long after)
    {
        using var http = node.Http(userId);
        var items = new List<JsonElement>();
        while (true)
        {
            var page = await http.GetFromJsonAsync<JsonElement>($"/chats/conversations/{conversationId}/messages?after={after}&limit=100", Ct);
            var batch = page.GetProperty("items").EnumerateArray().ToList();
            items.AddRange(batch);
            if (batch.Count == 0 || !page.GetProperty("hasMore").GetBoolean())
            {
                return [.. items];
            }

            after = batch[^1].GetProperty("seq").GetInt64();
        }
    }

    /// <summary>Acknowledged messages missing from the store, and stored messages whose id or tempId appears twice.</summary>
    private static (int Lost, int Duplicated) Count(IReadOnlyCollection<Ack> acked, JsonElement[] stored)
    {
        var byId = stored.ToDictionary(m => m.GetProperty("id").GetString()!, m => m.GetProperty("seq").GetInt64());
        var lost = acked.Count(a => !byId.TryGetValue(a.MessageId, out var seq) || seq != a.Seq);
        var duplicated = stored.Length - stored.Select(m => m.GetProperty("tempId").GetString() ?? m.GetProperty("id").GetString()).Distinct().Count();
        return (lost, duplicated);
    }

    private static bool IsStatus(JsonElement status, string userId, string value) =>
        status.GetProperty("userId").GetString() == userId && status.GetProperty("status").GetString() == value;

    private void Report(string id, int sent, int acked, int lost, int duplicated, string notes) =>
        output.WriteLine($"{id}: sent {sent}, acked {acked}, lost {lost}, duplicated {duplicated}; {notes}");

    private sealed record Ack(string MessageId, long Seq);
}
