using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using ChatKit.Scaleout.Redis.Tests.Support;
using ChatKit.Storage;
using ChatKit.Testing;
using ChatKit.Testing.Servers;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.Scaleout.Redis.Tests;

/// <summary>
/// F8 of docs/reliability.md: many clients on two nodes drop and reconnect at once while senders go on; each catches up
/// with <c>after=</c> its last seen seq, and in the end every client holds every acknowledged message of its group.
/// </summary>
public sealed class ReconnectStormTests(PostgresServerFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresServerFixture>, IAsyncLifetime
{
    /// <summary>Clients dropped and reconnected at once (the most this 2-core test machine runs in about 30 s).</summary>
    private const int Clients = 500;
    private const int GroupSize = 20;
    private const int Groups = Clients / GroupSize;

    private readonly string _prefix = RedisFixture.UniquePrefix();
    private readonly List<IAsyncDisposable> _disposables = [];
    private RedisServer? _redis;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        for (var i = _disposables.Count - 1; i >= 0; i--)
        {
            await _disposables[i].DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        Npgsql.NpgsqlConnection.ClearAllPools();
    }

    [Fact]
    public async Task F8_FiveHundredClientsDropAndReconnectAtOnce_WhileSendersGoOn_AllCatchUpWithNothingLost()
    {
        if (!RedisServer.IsInstalled)
        {
            ServiceAvailability.Missing(RedisServer.MissingMessage);
        }

        var server = await postgres.GetServerAsync();
        var database = PostgresServerFixture.NewDatabaseName();
        _redis = await RedisServer.StartAsync(Ct);
        var nodes = new List<ChatNode>();
        for (var n = 1; n <= 2; n++)
        {
            var node = n;
            nodes.Add(await ChatNode.StartAsync(_redis.ConnectionString, _prefix, o => o.UseNpgsql(PostgresServerFixture.ConnectionString(server, database, node))));
            _disposables.Add(nodes[^1]);
        }

        // Groups of 20: a sender and 19 receivers... every member but the sender is a client that will drop.
        var store = nodes[0].Services.GetRequiredService<IChatStore>();
        var now = DateTimeOffset.UtcNow;
        var groups = new List<(string Id, string Sender, string[] Members)>();
        for (var g = 0; g < Groups; g++)
        {
            var sender = $"s{g}";
            var members = Enumerable.Range(0, GroupSize).Select(k => $"u{g}_{k}").ToArray();
            var id = $"c_storm_{g}";
            await store.CreateConversationAsync(
                new Conversation
                {
                    Id = id,
                    Type = ConversationType.Group,
                    Name = $"storm {g}",
                    CreatedBy = sender,
                    CreatedAt = now,
                    LastActivityAt = now,
                    Participants = [new Participant(sender, ParticipantRole.Owner, now), .. members.Select(m => new Participant(m, ParticipantRole.Member, now))],
                },
                Ct);
            groups.Add((id, sender, members));
        }

        var receivers = groups.SelectMany((group, g) => group.Members.Select((m, k) => new Receiver(nodes[(g + k) % 2], m, group.Id))).ToList();
        await ForAllAsync(receivers, r => r.ConnectAsync());
        var senders = await Task.WhenAll(groups.Select(async (group, g) => (Group: group, Client: await nodes[g % 2].ConnectAsync(group.Sender, Ct))));
        _disposables.AddRange(senders.Select(s => s.Client));

        // Senders go on through the whole storm.
        var acked = new ConcurrentDictionary<string, long>();
        using var stop = new CancellationTokenSource();
        var sending = Task.WhenAll(senders.Select(s => Task.Run(async () =>
        {
            var sent = 0;
            while (!stop.IsCancellationRequested)
            {
                var ack = await s.Client.Connection.InvokeAsync<JsonElement>(
                    "sendMessage", new { conversationId = s.Group.Id, content = $"m{sent++}", tempId = Guid.NewGuid().ToString("N") }, Ct);
                acked.AddOrUpdate(s.Group.Id, ack.GetProperty("seq").GetInt64(), (_, old) => Math.Max(old, ack.GetProperty("seq").GetInt64()));
                await Task.Delay(200, Ct);
            }
        })));

        // Let messages flow, then every client drops at once, and reconnects at once, catching up from its last seq.
        await WaitUntilAsync(() => groups.All(g => acked.GetValueOrDefault(g.Id) >= 3), "every group has messages");
        var clock = Stopwatch.StartNew();
        await ForAllAsync(receivers, r => r.DropAsync());
        var dropped = clock.Elapsed;
        await ForAllAsync(receivers, r => r.ReconnectAndCatchUpAsync());
        var reconnected = clock.Elapsed;

        await WaitUntilAsync(() => groups.All(g => acked.GetValueOrDefault(g.Id) >= 8), "the senders went on after the storm");
        await stop.CancelAsync();
        await sending;
        var last = acked.ToDictionary(p => p.Key, p => p.Value);
        await WaitUntilAsync(() => receivers.All(r => r.Highest >= last[r.ConversationId]), "every client has its group's last message");
        await ForAllAsync(receivers, r => r.GapsFilledAsync());
        var caughtUp = clock.Elapsed;

        var lost = receivers.Sum(r => r.Missing(last[r.ConversationId]));
        var duplicated = receivers.Sum(r => r.Duplicates);
        var messages = last.Values.Sum();
        output.WriteLine(
            $"F8: {Clients} clients on 2 nodes, {messages} messages sent in {Groups} groups; dropped in {dropped.TotalSeconds:F1} s, "
            + $"reconnected and caught up in {(reconnected - dropped).TotalSeconds:F1} s, all at the last message {caughtUp.TotalSeconds:F1} s after the drop; "
            + $"lost {lost}, duplicated {duplicated}");
        Assert.Equal(0, lost);
        Assert.Equal(0, duplicated);

        await ForAllAsync(receivers, r => r.DisposeAsync().AsTask());
    }

    private static async Task ForAllAsync<T>(IEnumerable<T> items, Func<T, Task> action)
    {
        // 100 at a time: "at once" as far as the server can tell, without a 1,000-task stampede on the client side's pool.
        using var gate = new SemaphoreSlim(100);
        await Task.WhenAll(items.Select(async item =>
        {
            await gate.WaitAsync(Ct);
            try
            {
                await action(item);
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(90), $"timed out waiting until {what}");
            await Task.Delay(50, Ct);
        }
    }

    /// <summary>A client that keeps, by seq, every message of its conversation it got live or by catching up.</summary>
    private sealed class Receiver(ChatNode node, string userId, string conversationId) : IAsyncDisposable
    {
        private readonly ConcurrentDictionary<long, int> _seen = new();
        private readonly ConcurrentQueue<Task> _gapFills = new();
        private HubConnection? _connection;

        public string ConversationId => conversationId;

        /// <summary>The same seq delivered twice within one connection (a duplicate shown), not counting live-and-fetched overlap.</summary>
        public int Duplicates { get; private set; }

        public long Highest => _seen.IsEmpty ? 0 : _seen.Keys.Max();

        public int Missing(long last) => (int)Enumerable.Range(1, (int)last).Count(seq => !_seen.ContainsKey(seq));

        public async Task ConnectAsync()
        {
            var connection = new HubConnectionBuilder()
                .WithUrl(new Uri(node.Address, "/chat"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(ChatNode.Token(userId)))
                .Build();
            var live = new ConcurrentDictionary<long, bool>();
            connection.On<JsonElement>("newMessage", e =>
            {
                var seq = e.GetProperty("message").GetProperty("seq").GetInt64();
                if (!live.TryAdd(seq, true))
                {
                    Duplicates++;
                }

                // A gap by seq (a live event missed while the node was still joining this connection to the backplane):
                // fetch it, as a client must (docs/reliability.md, F8).
                var expected = Highest + 1;
                _seen.TryAdd(seq, 0);
                if (seq > expected)
                {
                    _gapFills.Enqueue(FetchAfterAsync(expected - 1));
                }
            });
            await connection.StartAsync(Ct);
            await connection.InvokeAsync<string[]>("getOnlineUsers", Ct);
            _connection = connection;
        }

        public async Task DropAsync()
        {
            await _connection!.DisposeAsync();
            _connection = null;
        }

        /// <summary>Waits for the gap fetches started by live events.</summary>
        public async Task GapsFilledAsync()
        {
            while (_gapFills.TryDequeue(out var fill))
            {
                await fill;
            }
        }

        public async Task ReconnectAndCatchUpAsync()
        {
            var after = Highest;
            await ConnectAsync();
            await FetchAfterAsync(after);
        }

        private async Task FetchAfterAsync(long after)
        {
            using var http = node.Http(userId);
            while (true)
            {
                var page = await http.GetFromJsonAsync<JsonElement>($"/chats/conversations/{conversationId}/messages?after={after}&limit=100", Ct);
                foreach (var message in page.GetProperty("items").EnumerateArray())
                {
                    after = message.GetProperty("seq").GetInt64();
                    _seen.TryAdd(after, 0);
                }

                if (!page.GetProperty("hasMore").GetBoolean())
                {
                    return;
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_connection is not null)
            {
                await _connection.DisposeAsync();
            }
        }
    }
}
