using ChatKit.Scaleout.Redis.Tests.Support;
using ChatKit.Services;
using ChatKit.Storage;
using ChatKit.Testing;
using ChatKit.Testing.Servers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ChatKit.Scaleout.Redis.Tests;

/// <summary>What presence, rate limits and the health check do while Redis is away and after it returns (empty).</summary>
public sealed class RedisOutageTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private readonly string _prefix = RedisFixture.UniquePrefix();
    private readonly InMemoryChatStore _store = new();
    private readonly List<PresenceNode> _nodes = [];
    private RedisServer? _server;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private RedisServer Server => _server ?? throw new InvalidOperationException("not started");

    public async ValueTask InitializeAsync()
    {
        if (RedisServer.IsInstalled)
        {
            _server = await RedisServer.StartAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            foreach (var node in _nodes)
            {
                await node.DisposeAsync();
            }
        }
        finally
        {
            if (_server is not null)
            {
                await _server.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Presence_WhileRedisIsDown_NeverThrows_AndResynchronisesWhenRedisReturnsEmpty()
    {
        RequireRedis();
        await BefriendAsync("alice", "carol");
        await BefriendAsync("bob", "carol");
        await BefriendAsync("dave", "carol");
        var a = await StartNodeAsync("a");
        var b = await StartNodeAsync("b");
        await a.Presence.ConnectedAsync(new ChatUser("alice"), "alice-1", Ct);
        await b.Presence.ConnectedAsync(new ChatUser("dave"), "dave-1", Ct);

        await Server.StopAsync();
        // Opening and closing connections, and reading presence, degrade instead of failing the connection.
        await a.Presence.ConnectedAsync(new ChatUser("bob"), "bob-1", Ct);
        await a.Presence.DisconnectedAsync(new ChatUser("alice"), "alice-1", Ct);
        Assert.Equal(["bob"], await a.Tracker.GetOnlineUsersAsync(["alice", "bob", "dave"], Ct));
        Assert.Equal(["bob-1"], await a.Tracker.GetConnectionsAsync("bob", Ct));

        await Server.RestartAsync(Ct);

        // Each node puts back what it holds: bob (connected during the outage) and dave are online everywhere, alice
        // (closed during the outage) is not, and her contacts hear she went offline.
        await WaitUntilAsync(async () => (await b.Tracker.GetOnlineUsersAsync(["alice", "bob", "dave"], Ct)).Order().SequenceEqual(["bob", "dave"]));
        await a.Events.WaitForAsync(RecordingPublisher.Status("alice", PresenceStatus.Offline), Wait);
        await a.Events.WaitForAsync(RecordingPublisher.Status("bob", PresenceStatus.Online), Wait);
        Assert.Equal(["dave-1"], await a.Tracker.GetConnectionsAsync("dave", Ct));
    }

    [Fact]
    public async Task RateLimit_WhileRedisIsDown_CountsOnThisNode()
    {
        RequireRedis();
        var a = await StartNodeAsync("a", limit: 2);
        var limiter = a.Services.GetRequiredService<IChatRateLimiter>();

        await Server.StopAsync();

        Assert.True((await limiter.AcquireSendPermitAsync("alice", Ct)).IsAcquired);
        Assert.True((await limiter.AcquireSendPermitAsync("alice", Ct)).IsAcquired);
        Assert.False((await limiter.AcquireSendPermitAsync("alice", Ct)).IsAcquired);
    }

    [Fact]
    public async Task HealthCheck_ReportsRedisReachability()
    {
        RequireRedis();
        var a = await StartNodeAsync("a");
        var health = a.Services.GetRequiredService<HealthCheckService>();

        var up = await health.CheckHealthAsync(r => r.Name == ChatKitRedisOptions.HealthCheckName, Ct);
        Assert.Equal(HealthStatus.Healthy, up.Entries[ChatKitRedisOptions.HealthCheckName].Status);

        await Server.StopAsync();
        var down = await health.CheckHealthAsync(r => r.Name == ChatKitRedisOptions.HealthCheckName, Ct);
        Assert.Equal(HealthStatus.Unhealthy, down.Entries[ChatKitRedisOptions.HealthCheckName].Status);

        await Server.RestartAsync(Ct);
        await WaitUntilAsync(async () => (await health.CheckHealthAsync(Ct)).Status == HealthStatus.Healthy);
    }

    private void RequireRedis()
    {
        if (_server is null)
        {
            ServiceAvailability.Missing(RedisServer.MissingMessage);
        }
    }

    private async Task<PresenceNode> StartNodeAsync(string nodeId, int? limit = null)
    {
        var node = await PresenceNode.StartAsync(
            Server.ConnectionString,
            _prefix,
            _store,
            nodeId,
            configureServices: limit is null ? null : s => s.Configure<ChatKitOptions>(o =>
            {
                o.SendRateLimit.PermitLimit = limit.Value;
                o.SendRateLimit.Window = TimeSpan.FromMinutes(1);
            }));
        _nodes.Add(node);
        return node;
    }

    private async Task BefriendAsync(string userId, string otherId) =>
        await TestChat.BefriendAsync(_store, userId, otherId, Ct);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(Wait);
        while (!await condition())
        {
            await Task.Delay(25, cts.Token);
        }
    }
}
