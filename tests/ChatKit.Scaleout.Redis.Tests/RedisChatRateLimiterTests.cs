using System.Threading.RateLimiting;
using ChatKit.Scaleout.Redis.Tests.Support;
using ChatKit.Services;
using ChatKit.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.Scaleout.Redis.Tests;

/// <summary>The rate limits counted in Redis, shared by every node.</summary>
public sealed class RedisChatRateLimiterTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private readonly List<PresenceNode> _nodes = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
    }

    [Fact]
    public async Task SendLimit_IsSharedByAllNodes()
    {
        var prefix = RedisFixture.UniquePrefix();
        var a = await LimiterAsync(prefix, "a", shared: true);
        var b = await LimiterAsync(prefix, "b", shared: true);

        Assert.True((await a.AcquireSendPermitAsync("alice", Ct)).IsAcquired);
        Assert.True((await b.AcquireSendPermitAsync("alice", Ct)).IsAcquired);
        Assert.True((await a.AcquireSendPermitAsync("alice", Ct)).IsAcquired);
        using var denied = await b.AcquireSendPermitAsync("alice", Ct);

        Assert.False(denied.IsAcquired);
        Assert.True(denied.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter));
        // Three per minute: one permit comes back after about 20 seconds.
        Assert.InRange(retryAfter, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(21));
        Assert.True((await b.AcquireSendPermitAsync("bob", Ct)).IsAcquired);
    }

    [Fact]
    public async Task SendLimit_WithShareRateLimitsOff_IsPerNode()
    {
        var prefix = RedisFixture.UniquePrefix();
        var a = await LimiterAsync(prefix, "a", shared: false);
        var b = await LimiterAsync(prefix, "b", shared: false);

        for (var i = 0; i < 3; i++)
        {
            Assert.True((await a.AcquireSendPermitAsync("alice", Ct)).IsAcquired);
            Assert.True((await b.AcquireSendPermitAsync("alice", Ct)).IsAcquired);
        }

        Assert.False((await a.AcquireSendPermitAsync("alice", Ct)).IsAcquired);
    }

    [Fact]
    public async Task SendLimit_Disabled_AlwaysGrants()
    {
        var a = await LimiterAsync(RedisFixture.UniquePrefix(), "a", shared: true, enabled: false);

        for (var i = 0; i < 10; i++)
        {
            Assert.True((await a.AcquireSendPermitAsync("alice", Ct)).IsAcquired);
        }
    }

    [Fact]
    public async Task EveryOperationsLimit_IsSharedByAllNodes_AndCountedApartFromTheOthers()
    {
        var prefix = RedisFixture.UniquePrefix();
        var a = await LimiterAsync(prefix, "a", shared: true);
        var b = await LimiterAsync(prefix, "b", shared: true);

        foreach (var operation in Enum.GetValues<ChatOperation>())
        {
            // Each operation has a bucket of its own (3 per minute here): two nodes share it, other operations do not.
            Assert.True((await a.AcquirePermitAsync("alice", operation, Ct)).IsAcquired, $"{operation} 1");
            Assert.True((await b.AcquirePermitAsync("alice", operation, Ct)).IsAcquired, $"{operation} 2");
            Assert.True((await a.AcquirePermitAsync("alice", operation, Ct)).IsAcquired, $"{operation} 3");
            using var denied = await b.AcquirePermitAsync("alice", operation, Ct);
            Assert.False(denied.IsAcquired, $"{operation} 4");
            Assert.True(denied.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter));
            Assert.InRange(retryAfter, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(21));
        }

        Assert.True((await b.AcquirePermitAsync("bob", ChatOperation.Typing, Ct)).IsAcquired);
    }

    private async Task<IChatRateLimiter> LimiterAsync(string prefix, string nodeId, bool shared, bool enabled = true)
    {
        var node = await PresenceNode.StartAsync(
            redis.Server.ConnectionString,
            prefix,
            new InMemoryChatStore(),
            nodeId,
            o => o.ShareRateLimits = shared,
            s => s.Configure<ChatKitOptions>(o =>
            {
                foreach (var operation in Enum.GetValues<ChatOperation>())
                {
                    o.RateLimitFor(operation).Enabled = enabled;
                    o.RateLimitFor(operation).PermitLimit = 3;
                    o.RateLimitFor(operation).Window = TimeSpan.FromMinutes(1);
                }
            }));
        _nodes.Add(node);
        return node.Services.GetRequiredService<IChatRateLimiter>();
    }
}
