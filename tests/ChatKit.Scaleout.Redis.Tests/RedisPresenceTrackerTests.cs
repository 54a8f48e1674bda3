using System.Diagnostics;
using ChatKit.Events;
using ChatKit.Scaleout.Redis.Tests.Support;
using ChatKit.Storage;
using ChatKit.Testing.Servers;

namespace ChatKit.Scaleout.Redis.Tests;

/// <summary>The Redis presence tracker against a real redis-server, with several nodes in one process.</summary>
public sealed class RedisPresenceTrackerTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>NodeTimeout + ReaperInterval of <see cref="PresenceNode.Fast"/>, plus room for a busy 2-core machine.</summary>
    private static readonly TimeSpan ExpiryBound = TimeSpan.FromSeconds(2.2) + TimeSpan.FromSeconds(1.5);

    private readonly string _prefix = RedisFixture.UniquePrefix();
    private readonly InMemoryChatStore _store = new();
    private readonly List<PresenceNode> _nodes = [];

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
    }

    [Fact]
    public async Task AddConnection_SecondTabOfSameUser_IsNotAFirstConnection()
    {
        var node = await StartNodeAsync("a");

        Assert.True(await node.Tracker.AddConnectionAsync("alice", "tab1", Ct));
        Assert.False(await node.Tracker.AddConnectionAsync("alice", "tab2", Ct));
        Assert.False(await node.Tracker.RemoveConnectionAsync("alice", "tab1", Ct));
        Assert.Equal(["alice"], await node.Tracker.GetOnlineUsersAsync(["alice", "bob"], Ct));
        Assert.True(await node.Tracker.RemoveConnectionAsync("alice", "tab2", Ct));
        Assert.Empty(await node.Tracker.GetOnlineUsersAsync(["alice"], Ct));
    }

    [Fact]
    public async Task RemoveConnection_Twice_ReportsTheLastConnectionOnce()
    {
        var node = await StartNodeAsync("a");
        await node.Tracker.AddConnectionAsync("alice", "tab1", Ct);

        Assert.True(await node.Tracker.RemoveConnectionAsync("alice", "tab1", Ct));
        Assert.False(await node.Tracker.RemoveConnectionAsync("alice", "tab1", Ct));
    }

    [Fact]
    public async Task TwoNodes_UserOnBoth_IsOnlineUntilTheLastConnectionAnywhereCloses()
    {
        var a = await StartNodeAsync("a");
        var b = await StartNodeAsync("b");

        Assert.True(await a.Tracker.AddConnectionAsync("alice", "a1", Ct));
        Assert.False(await b.Tracker.AddConnectionAsync("alice", "b1", Ct));
        Assert.Equal(["a1", "b1"], (await a.Tracker.GetConnectionsAsync("alice", Ct)).Order());
        Assert.Equal(["alice"], await b.Tracker.GetOnlineUsersAsync(["alice"], Ct));

        Assert.False(await a.Tracker.RemoveConnectionAsync("alice", "a1", Ct));
        Assert.Equal(["alice"], await a.Tracker.GetOnlineUsersAsync(["alice"], Ct));
        Assert.True(await b.Tracker.RemoveConnectionAsync("alice", "b1", Ct));
        Assert.Empty(await a.Tracker.GetOnlineUsersAsync(["alice"], Ct));
    }

    [Fact]
    public async Task NodeCrash_TakesItsUsersOfflineWithinTheBound_PublishedOnceByTwoSurvivingReapers()
    {
        await BefriendAsync("alice", "bob");
        var a = await StartNodeAsync("a");
        var b = await StartNodeAsync("b");
        var doomed = await StartNodeAsync("doomed");
        await doomed.Presence.ConnectedAsync(new ChatUser("alice"), "alice-1", Ct);
        await doomed.Presence.ConnectedAsync(new ChatUser("alice"), "alice-2", Ct);
        Assert.Equal(["alice"], await a.Tracker.GetOnlineUsersAsync(["alice"], Ct));

        var clock = Stopwatch.StartNew();
        await doomed.CrashAsync();
        var offline = RecordingPublisher.Status("alice", PresenceStatus.Offline);
        await Task.WhenAny(a.Events.WaitForAsync(offline, Wait), b.Events.WaitForAsync(offline, Wait)).Unwrap();
        var elapsed = clock.Elapsed;

        Assert.True(elapsed < ExpiryBound, $"alice went offline after {elapsed}, more than {ExpiryBound}");
        Assert.Empty(await a.Tracker.GetOnlineUsersAsync(["alice"], Ct));
        Assert.Empty(await b.Tracker.GetConnectionsAsync("alice", Ct));
        // Both reapers look again, more than once: nobody reports alice offline a second time.
        await Task.WhenAll(a.WaitForReaperPassesAsync(3, Wait), b.WaitForReaperPassesAsync(3, Wait));
        Assert.Equal(1, a.Events.Count(offline) + b.Events.Count(offline));
        var statusChange = (UserStatusChangedEvent)(a.Events.Events.Concat(b.Events.Events).Single(offline));
        Assert.Equal(["bob"], statusChange.ContactIds);
    }

    [Fact]
    public async Task NodeCrash_UserStillConnectedToAnotherNode_StaysOnline()
    {
        await BefriendAsync("alice", "bob");
        var a = await StartNodeAsync("a");
        var doomed = await StartNodeAsync("doomed");
        await a.Presence.ConnectedAsync(new ChatUser("alice"), "alice-on-a", Ct);
        await doomed.Presence.ConnectedAsync(new ChatUser("alice"), "alice-on-doomed", Ct);

        await doomed.CrashAsync();
        await WaitUntilAsync(async () => (await a.Tracker.GetConnectionsAsync("alice", Ct)).Count == 1);

        Assert.Equal(["alice-on-a"], await a.Tracker.GetConnectionsAsync("alice", Ct));
        Assert.Equal(["alice"], await a.Tracker.GetOnlineUsersAsync(["alice"], Ct));
        Assert.Equal(0, a.Events.Count(RecordingPublisher.Status("alice", PresenceStatus.Offline)));
    }

    [Fact]
    public async Task LiveNode_KeepsBeating_IsNeverReaped()
    {
        await BefriendAsync("alice", "bob");
        var a = await StartNodeAsync("a");
        var b = await StartNodeAsync("b");
        await b.Presence.ConnectedAsync(new ChatUser("alice"), "alice-on-b", Ct);

        // Two node timeouts' worth of reaper passes on the other node.
        await a.WaitForReaperPassesAsync(20, Wait);

        Assert.Equal(["alice"], await a.Tracker.GetOnlineUsersAsync(["alice"], Ct));
        Assert.Equal(0, a.Events.Count(RecordingPublisher.Status("alice", PresenceStatus.Offline)));
    }

    [Fact]
    public async Task NodeReapedWhileAlive_PutsItsConnectionsBackAndReportsTheUserOnline()
    {
        await BefriendAsync("alice", "bob");
        var a = await StartNodeAsync("a");
        var slow = await StartNodeAsync("slow", o => o.HeartbeatInterval = TimeSpan.FromMilliseconds(400));
        await slow.Presence.ConnectedAsync(new ChatUser("alice"), "alice-on-slow", Ct);

        // As if the node paused past its timeout: its liveness key vanishes and a reaper claims it.
        await redis.Server.SendCommandAsync(["DEL", _prefix + "presence:alive:slow"], Ct);
        await a.Maintenance.ReapOnceAsync(Ct);
        await a.Events.WaitForAsync(RecordingPublisher.Status("alice", PresenceStatus.Offline), Wait);

        // Its next heartbeat notices and resynchronises: alice is back, and her contacts hear it.
        await slow.Events.WaitForAsync(e => e is UserStatusChangedEvent { Status: PresenceStatus.Online } s && s.UserId == "alice" && slow.Events.Count(RecordingPublisher.Status("alice", PresenceStatus.Online)) == 2, Wait);
        Assert.Equal(["alice-on-slow"], await a.Tracker.GetConnectionsAsync("alice", Ct));
    }

    [Fact]
    public async Task Heartbeat_AfterStaleEntryInRedis_RemovesConnectionsThisNodeNoLongerHas()
    {
        await BefriendAsync("alice", "bob");
        var a = await StartNodeAsync("a");
        // A connection Redis has for node a that node a never opened (e.g. its close was lost while Redis was away).
        // Both keys at once, as the presence scripts write them (the node's own resync may be running).
        await redis.Server.SendCommandAsync(
            ["EVAL", "redis.call('HSET', KEYS[1], 'ghost', 'alice') redis.call('HSET', KEYS[2], 'ghost', 'a')", "2", _prefix + "presence:conns:a", _prefix + "presence:user:alice"],
            Ct);
        // No check that alice reads as online here: the node's start-up resync, running in the background, may remove
        // the ghost at any moment. The offline event below can only come from removing it.

        ((Internal.RedisPresenceTracker)a.Tracker).MarkResyncNeeded();
        await a.Maintenance.BeatAsync();

        // This beat, or the background one that took the mark first, resynchronises.
        await a.Events.WaitForAsync(RecordingPublisher.Status("alice", PresenceStatus.Offline), Wait);
        Assert.Empty(await a.Tracker.GetOnlineUsersAsync(["alice"], Ct));
        await a.WaitForReaperPassesAsync(2, Wait);
        Assert.Equal(1, a.Events.Count(RecordingPublisher.Status("alice", PresenceStatus.Offline)));
    }

    [Fact]
    public async Task Prefixes_IsolateApplicationsSharingOneRedis()
    {
        var a = await StartNodeAsync("a");
        var other = await PresenceNode.StartAsync(redis.Server.ConnectionString, RedisFixture.UniquePrefix(), new InMemoryChatStore(), "other-app");
        _nodes.Add(other);

        await a.Tracker.AddConnectionAsync("alice", "a1", Ct);

        Assert.Empty(await other.Tracker.GetOnlineUsersAsync(["alice"], Ct));
        Assert.True(await other.Tracker.AddConnectionAsync("alice", "o1", Ct));
    }

    private async Task<PresenceNode> StartNodeAsync(string nodeId, Action<ChatKitRedisOptions>? configure = null)
    {
        var node = await PresenceNode.StartAsync(redis.Server.ConnectionString, _prefix, _store, nodeId, configure);
        _nodes.Add(node);
        return node;
    }

    private Task BefriendAsync(string userId, string otherId) => TestChat.BefriendAsync(_store, userId, otherId, Ct);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var cts = new CancellationTokenSource(Wait);
        while (!await condition())
        {
            await Task.Delay(25, cts.Token);
        }
    }
}
