using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChatKit.AspNetCore;
using ChatKit.Scaleout.Redis.Internal;
using ChatKit.Scaleout.Redis.Tests.Support;
using ChatKit.Testing;
using ChatKit.Testing.Servers;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ChatKit.Scaleout.Redis.Tests;

/// <summary>
/// The Redis rows of the fault matrix (docs/reliability.md): two full ChatKit hosts on Kestrel over one real
/// redis-server and one SQLite file, senders on both nodes, Redis stopped, absent at start-up, or frozen with SIGSTOP.
/// Every test counts what was acknowledged, what each client saw live, what it recovered with <c>after=</c>, what it
/// never got (lost) and what it got twice (duplicated), and prints the counts.
/// </summary>
public sealed class FaultMatrixTests : ClusterTest
{
    /// <summary>F1's outage. The matrix says 10 s; 3 s behave the same (Redis restarts empty either way, and no
    /// timer of ChatKit or StackExchange.Redis runs out in between), so the test keeps it short.</summary>
    private static readonly TimeSpan F1Outage = TimeSpan.FromSeconds(3);

    /// <summary>F9's freeze, as the matrix says: longer than StackExchange.Redis' 5 s command timeout.</summary>
    private static readonly TimeSpan F9Freeze = TimeSpan.FromSeconds(8);

    /// <summary>
    /// The acknowledgement bound F9 asserts. The matrix's target is 1 s, and the run prints the slowest ack for
    /// docs/reliability.md (298-880 ms measured); the assertion allows twice that, so a CI machine busy with the other
    /// test assemblies does not fail it, while the old behaviour (each ack waiting out Redis' 5 s timeout) still fails.
    /// </summary>
    private static readonly TimeSpan AckBound = TimeSpan.FromSeconds(2);

    /// <summary>
    /// F1, with ChatKit's fallback layer (local delivery while Redis is away) and, to measure the alternative, with
    /// SignalR's plain Redis manager in its place (no fallback: clients rely on catch-up by seq alone).
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task F1_RedisStoppedMidStream_ClientsSeeTheGapAndRecoverEverythingWithAfter_NoDuplicate(bool fallbackLayer)
    {
        RequireRedis();
        var (a, b, alice, carol, bob, dave, conversationId, senders) = await StartClusterAsync(fallbackLayer);

        await Redis.StopAsync();
        var outageStart = senders.Acks.Count;
        // A client that opens a connection during the outage.
        string lateJoiner;
        try
        {
            await ConnectAsync(a, "erin");
            lateJoiner = "accepted";
        }
        catch (Exception ex) when (ex is HubException or InvalidOperationException or IOException or HttpRequestException or TaskCanceledException)
        {
            lateJoiner = "refused";
        }

        await Task.Delay(F1Outage, Ct); // the outage itself, with both senders going on
        var outageAcks = senders.Acks.Skip(outageStart).ToArray();
        await Redis.RestartAsync(Ct);

        // Live delivery across the nodes comes back by itself; then both go on a little longer.
        var restartedAt = senders.Acks.Count;
        await WaitUntilAsync(() => senders.Acks.Skip(restartedAt).Any(ack => ack.Sender == "alice" && bob.HasLive(ack.MessageId)));
        await senders.UntilEachAckedAsync(senders.Acks.Count / 2 + 10);
        await senders.StopAsync();

        var results = await CatchUpAllAsync(senders, conversationId, (a, alice), (a, carol), (b, bob), (b, dave));
        var aliceOutage = outageAcks.Where(x => x.Sender == "alice").ToArray();
        Report(
            $"F1 {(fallbackLayer ? "fallback layer" : "no layer")}",
            senders,
            results,
            $"outage {F1Outage.TotalSeconds:0} s, {outageAcks.Length} acked during it; carol (same node as alice) saw {aliceOutage.Count(x => carol.HasLive(x.MessageId))} of alice's {aliceOutage.Length} outage messages live, bob (other node) {aliceOutage.Count(x => bob.HasLive(x.MessageId))}; a connection opened during the outage was {lateJoiner}");

        Assert.NotEmpty(outageAcks);
        AssertNothingLostOrDuplicated(senders, results);
        // The clients on the other node missed the outage messages and saw it by seq.
        Assert.True(results.Single(r => r.UserId == "bob").SawGap, "bob never saw a jump in seq");
        if (fallbackLayer)
        {
            // The layer is worth keeping: the sender's own node heard its messages live during the outage.
            Assert.Contains(aliceOutage, x => carol.HasLive(x.MessageId));
            Assert.Equal("accepted", lateJoiner);
        }
    }

    [Fact]
    public async Task F2_RedisDownWhenANodeStarts_ItServesItsUsersSaysSoInHealthz_AndJoinsWhenRedisReturns()
    {
        RequireRedis();
        var b = await StartNodeAsync();
        var bob = await ConnectAsync(b, "bob");
        await Redis.StopAsync();

        // A short first connection attempt, so the node does not wait StackExchange.Redis' default 5 s for it.
        var a = await StartNodeAsync(connectionOptions: ",connectTimeout=1000");
        using (var health = new HttpClient { BaseAddress = a.Address })
        {
            var down = await health.GetAsync(new Uri("/healthz", UriKind.Relative), Ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        }

        var report = await a.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Ct);
        Assert.Contains("works alone", report.Entries[ChatKitRedisOptions.HealthCheckName].Description, StringComparison.Ordinal);

        // Its own users connect, talk and see each other online.
        var alice = await ConnectAsync(a, "alice");
        var carol = await ConnectAsync(a, "carol");
        var conversationId = await GroupAsync(alice, "bob", "carol");
        var senders = Track(Senders.Start(conversationId, alice, carol));
        await senders.UntilEachAckedAsync(10);
        var local = senders.Acks.ToArray();
        await WaitUntilAsync(() => local.All(x => (x.Sender == "alice" ? carol : alice).HasLive(x.MessageId)));
        Assert.Contains("carol", await alice.Connection.InvokeAsync<string[]>("getOnlineUsers", Ct));

        await Redis.RestartAsync(Ct);

        // It says so, and joins the cluster: messages cross both ways live, and presence is shared.
        using (var health = new HttpClient { BaseAddress = a.Address })
        {
            await WaitUntilAsync(async () => (await health.GetAsync(new Uri("/healthz", UriKind.Relative), Ct)).StatusCode == HttpStatusCode.OK);
        }

        var rejoined = senders.Acks.Count;
        await WaitUntilAsync(() => senders.Acks.Skip(rejoined).Any(ack => bob.HasLive(ack.MessageId)));
        var fromBob = await SendAsync(bob, conversationId, "hello from the other node");
        await alice.WaitForAsync("newMessage", m => m.GetProperty("message").GetProperty("id").GetString() == fromBob.MessageId, Wait);
        await carol.WaitForAsync("newMessage", m => m.GetProperty("message").GetProperty("id").GetString() == fromBob.MessageId, Wait);
        await WaitUntilAsync(async () => (await bob.Connection.InvokeAsync<string[]>("getOnlineUsers", Ct)).Contains("alice"));
        await senders.StopAsync();
        senders.Add(fromBob);

        var results = await CatchUpAllAsync(senders, conversationId, (a, alice), (a, carol), (b, bob));
        Report("F2", senders, results, $"{local.Length} messages exchanged on the lone node while Redis was down, all live");
        AssertNothingLostOrDuplicated(senders, results);
    }

    [Fact]
    public async Task F9_RedisFrozen_SendsAreAcknowledgedWithinTheBoundOnBothNodes_AndCatchUpIsComplete()
    {
        RequireRedis();
        // The send rate limit on (a generous one), so its Redis script is on the send path as in production.
        var (a, b, alice, carol, bob, dave, conversationId, senders) = await StartClusterAsync(rateLimit: true);
        var before = senders.Acks.Max(x => x.Latency);

        Redis.Pause();
        var frozenAt = senders.Acks.Count;
        var clock = Stopwatch.StartNew();
        var health = await a.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Ct);
        Assert.Equal(HealthStatus.Unhealthy, health.Entries[ChatKitRedisOptions.HealthCheckName].Status);
        // A client that connects during the freeze is served too, without waiting for Redis.
        var connecting = Stopwatch.StartNew();
        var erin = await ConnectAsync(a, "erin");
        var connectTime = connecting.Elapsed;
        Assert.Equal(HubConnectionState.Connected, erin.Connection.State);
        await Task.Delay(F9Freeze - clock.Elapsed, Ct); // the rest of the freeze, with both senders going on
        var frozen = senders.Acks.Skip(frozenAt).ToArray();
        Redis.Resume();
        var resumedAt = senders.Acks.Count;

        await WaitUntilAsync(() => senders.Acks.Skip(resumedAt).Any(ack => ack.Sender == "alice" && bob.HasLive(ack.MessageId)));
        await senders.UntilEachAckedAsync(senders.Acks.Count / 2 + 10);
        await senders.StopAsync();

        var results = await CatchUpAllAsync(senders, conversationId, (a, alice), (a, carol), (b, bob), (b, dave));
        var slowest = frozen.Length == 0 ? TimeSpan.Zero : frozen.Max(x => x.Latency);
        Report(
            "F9",
            senders,
            results,
            $"frozen {F9Freeze.TotalSeconds:0} s: {frozen.Count(x => x.Sender == "alice")} acks on node A and {frozen.Count(x => x.Sender == "bob")} on node B during it, slowest {slowest.TotalMilliseconds:0} ms (before it: {before.TotalMilliseconds:0} ms); a client connected during it in {connectTime.TotalMilliseconds:0} ms");

        // Both nodes kept acknowledging through the freeze, each within the bound.
        Assert.True(frozen.Count(x => x.Sender == "alice") >= 3 && frozen.Count(x => x.Sender == "bob") >= 3, $"too few acks during the freeze: {frozen.Length}");
        Assert.True(slowest < AckBound, $"an ack took {slowest.TotalMilliseconds:0} ms during the freeze");
        Assert.True(connectTime < 2 * AckBound, $"connecting took {connectTime.TotalMilliseconds:0} ms during the freeze");
        Assert.Equal(0, senders.Failed);
        AssertNothingLostOrDuplicated(senders, results);
    }

    private static void AssertNothingLostOrDuplicated(Senders senders, IReadOnlyList<ReaderResult> results)
    {
        Assert.NotEmpty(senders.Acks);
        foreach (var result in results)
        {
            Assert.True(result.Lost == 0, $"{result.UserId} lost {result.Lost} acknowledged messages");
            Assert.True(result.Duplicated == 0, $"{result.UserId} received {result.Duplicated} messages twice");
        }
    }

    private static void Report(string scenario, Senders senders, IReadOnlyList<ReaderResult> results, string detail)
    {
        var output = TestContext.Current.TestOutputHelper;
        output?.WriteLine(
            $"{scenario}: sent {senders.Acks.Count} acknowledged ({senders.Failed} failed), lost {results.Sum(r => r.Lost)}, duplicated {results.Sum(r => r.Duplicated)}; {detail}");
        foreach (var r in results)
        {
            output?.WriteLine($"  {r.UserId}: {r.Live} live, {r.Recovered} recovered with after=, gap seen {r.SawGap}, lost {r.Lost}, duplicated {r.Duplicated}");
        }

        Console.WriteLine($"[fault-matrix] {scenario}: sent {senders.Acks.Count}, lost {results.Sum(r => r.Lost)}, duplicated {results.Sum(r => r.Duplicated)}; {detail}");
    }

    private Task<ChatNode> StartNodeAsync(bool fallbackLayer = true, string connectionOptions = "", bool rateLimit = false) =>
        StartNodeAsync(
            connectionOptions,
            chat: o =>
            {
                if (rateLimit)
                {
                    o.SendRateLimit.Enabled = true;
                    o.SendRateLimit.PermitLimit = 100_000;
                    o.SendRateLimit.Window = TimeSpan.FromMinutes(1);
                }
            },
            host: services =>
            {
                if (!fallbackLayer)
                {
                    // The alternative measured in F1: SignalR's own Redis manager for ChatHub, on ChatKit's connection.
                    services.AddSingleton<HubLifetimeManager<ChatHub>>(sp =>
                    {
                        var redis = sp.GetRequiredService<RedisConnection>();
                        return ActivatorUtilities.CreateInstance<RedisHubLifetimeManager<ChatHub>>(sp, Options.Create(new RedisOptions
                        {
                            Configuration = redis.Configuration,
                            ConnectionFactory = _ => redis.GetSignalRMultiplexerAsync(),
                        }));
                    });
                }
            });

    /// <summary>Two nodes; alice and carol on A, bob and dave on B, in one group; alice and bob sending.</summary>
    private async Task<Cluster> StartClusterAsync(bool fallbackLayer = true, bool rateLimit = false)
    {
        var a = await StartNodeAsync(fallbackLayer, rateLimit: rateLimit);
        var b = await StartNodeAsync(fallbackLayer, rateLimit: rateLimit);
        var alice = await ConnectAsync(a, "alice");
        var carol = await ConnectAsync(a, "carol");
        var bob = await ConnectAsync(b, "bob");
        var dave = await ConnectAsync(b, "dave");
        var conversationId = await GroupAsync(alice, "bob", "carol", "dave");
        var senders = Track(Senders.Start(conversationId, alice, bob));
        await senders.UntilEachAckedAsync(10);
        return new Cluster(a, b, alice, carol, bob, dave, conversationId, senders);
    }

    private static async Task<string> GroupAsync(ChatClient creator, params string[] others)
    {
        var conversation = await creator.Connection.InvokeAsync<JsonElement>("createConversation", new { type = "group", name = "faults", participantIds = others }, Ct);
        return conversation.GetProperty("id").GetString()!;
    }

    private static async Task<Ack> SendAsync(ChatClient sender, string conversationId, string content)
    {
        var clock = Stopwatch.StartNew();
        var ack = await sender.Connection.InvokeAsync<JsonElement>("sendMessage", new { conversationId, content, tempId = Guid.NewGuid().ToString("N") }, Ct);
        return new Ack(sender.UserId, ack.GetProperty("messageId").GetString()!, ack.GetProperty("seq").GetInt64(), clock.Elapsed);
    }

    /// <summary>
    /// What each client ends up showing, as a ChatKit client builds it: the messages it received live, then (on
    /// reconnect, on opening the conversation, or when a seq jumps) every page <c>after=</c> the last seq it holds
    /// without a hole, each seq shown once.
    /// </summary>
    private static async Task<ReaderResult[]> CatchUpAllAsync(Senders senders, string conversationId, params (ChatNode Node, ChatClient Client)[] readers)
    {
        var acked = senders.Acks.Select(a => a.MessageId).ToArray();
        var results = new List<ReaderResult>();
        foreach (var (node, client) in readers)
        {
            var live = client.All("newMessage")
                .Where(e => e.GetProperty("conversationId").GetString() == conversationId)
                .Select(e => (Id: e.GetProperty("message").GetProperty("id").GetString()!, Seq: e.GetProperty("message").GetProperty("seq").GetInt64()))
                .ToList();
            var duplicated = live.Count - live.Select(m => m.Id).Distinct(StringComparer.Ordinal).Count();
            var sawGap = false;
            var previous = 0L;
            foreach (var (_, seq) in live)
            {
                sawGap |= seq > previous + 1;
                previous = Math.Max(previous, seq);
            }

            var shown = live.ToDictionary(m => m.Seq, m => m.Id);
            var contiguous = 0L;
            while (shown.ContainsKey(contiguous + 1))
            {
                contiguous++;
            }

            var recovered = 0;
            using var http = node.Http(client.UserId);
            for (var after = contiguous; ;)
            {
                var page = await http.GetFromJsonAsync<JsonElement>($"/chats/conversations/{conversationId}/messages?after={after}&limit=100", Ct);
                var items = page.GetProperty("items").EnumerateArray().ToArray();
                if (items.Length == 0)
                {
                    break;
                }

                foreach (var item in items)
                {
                    var seq = item.GetProperty("seq").GetInt64();
                    if (shown.TryAdd(seq, item.GetProperty("id").GetString()!))
                    {
                        recovered++;
                    }
                }

                after = items[^1].GetProperty("seq").GetInt64();
            }

            var shownIds = shown.Values.ToHashSet(StringComparer.Ordinal);
            results.Add(new ReaderResult(client.UserId, live.Count, recovered, sawGap, acked.Count(id => !shownIds.Contains(id)), duplicated));
        }

        return [.. results];
    }

    private sealed record Cluster(ChatNode A, ChatNode B, ChatClient Alice, ChatClient Carol, ChatClient Bob, ChatClient Dave, string ConversationId, Senders Senders);

    private sealed record Ack(string Sender, string MessageId, long Seq, TimeSpan Latency);

    private sealed record ReaderResult(string UserId, int Live, int Recovered, bool SawGap, int Lost, int Duplicated);

    /// <summary>Clients sending one message after another into a conversation until stopped, each ack recorded.</summary>
    private sealed class Senders : IAsyncDisposable
    {
        private readonly ConcurrentQueue<Ack> _acks = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly List<Task> _loops = [];
        private int _failed;

        public IReadOnlyCollection<Ack> Acks => _acks;

        public int Failed => Volatile.Read(ref _failed);

        public static Senders Start(string conversationId, params ChatClient[] clients)
        {
            var senders = new Senders();
            foreach (var client in clients)
            {
                senders._loops.Add(Task.Run(() => senders.LoopAsync(client, conversationId)));
            }

            return senders;
        }

        public void Add(Ack ack) => _acks.Enqueue(ack);

        public async Task UntilEachAckedAsync(int count)
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            cts.CancelAfter(Wait);
            while (_acks.GroupBy(a => a.Sender).Count() < _loops.Count || _acks.GroupBy(a => a.Sender).Any(g => g.Count() < count))
            {
                await Task.Delay(20, cts.Token);
            }
        }

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_loops);
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            _stop.Dispose();
        }

        private async Task LoopAsync(ChatClient client, string conversationId)
        {
            for (var i = 0; !_stop.IsCancellationRequested; i++)
            {
                try
                {
                    Add(await SendAsync(client, conversationId, $"{client.UserId} {i}"));
                }
                catch (HubException)
                {
                    Interlocked.Increment(ref _failed);
                }
            }
        }
    }
}
