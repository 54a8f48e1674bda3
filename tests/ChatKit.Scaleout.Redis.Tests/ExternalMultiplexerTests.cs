using ChatKit.Presence;
using ChatKit.Scaleout.Redis.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace ChatKit.Scaleout.Redis.Tests;

/// <summary>UseRedis with a connection the host owns.</summary>
public sealed class ExternalMultiplexerTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UseRedis_WithTheHostsMultiplexer_UsesItAndLeavesItOpen()
    {
        await using var multiplexer = await ConnectionMultiplexer.ConnectAsync(redis.Server.ConnectionString);
        var prefix = RedisFixture.UniquePrefix();
        var services = new ServiceCollection();
        services.AddChatKitCore().UseRedis(multiplexer, o => o.KeyPrefix = prefix);
        var provider = services.BuildServiceProvider();

        Assert.True(await provider.GetRequiredService<IPresenceTracker>().AddConnectionAsync("alice", "c1", Ct));
        await provider.DisposeAsync();

        Assert.True(multiplexer.IsConnected);
        Assert.True(await multiplexer.GetDatabase().KeyExistsAsync(prefix + "presence:user:alice"));
    }
}
