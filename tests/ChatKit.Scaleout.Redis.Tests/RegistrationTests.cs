using ChatKit.Presence;
using ChatKit.Scaleout.Redis.Internal;
using ChatKit.Scaleout.Redis.Tests.Support;
using ChatKit.Services;
using ChatKit.AspNetCore;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatKit.Scaleout.Redis.Tests;

/// <summary>What UseRedis registers, and the start-up validation of its options. No Redis needed.</summary>
public sealed class RegistrationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void UseRedis_ReplacesTrackerRateLimiterAndHubLifetimeManager()
    {
        var services = new ServiceCollection();
        services.AddChatKitCore().UseRedis("127.0.0.1:1,abortConnect=false");

        Assert.Equal(typeof(RedisChatRateLimiter), services.Single(d => d.ServiceType == typeof(IChatRateLimiter)).ImplementationType);
        Assert.Single(services, d => d.ServiceType == typeof(IPresenceTracker));
        Assert.Equal(typeof(ResilientHubLifetimeManager<ChatHub>), services.Single(d => d.ServiceType == typeof(HubLifetimeManager<ChatHub>)).ImplementationType);
        using var provider = services.BuildServiceProvider();
        Assert.IsType<RedisPresenceTracker>(provider.GetRequiredService<IPresenceTracker>());
    }

    [Fact]
    public void UseRedis_LeavesTheHostsLifetimeManagersAndRedisOptionsAlone()
    {
        var services = new ServiceCollection();
        services.AddSignalR().AddStackExchangeRedis("127.0.0.1:3,abortConnect=false", o => o.Configuration.ChannelPrefix = RedisChannel.Literal("host:"));
        var before = services.Where(d => d.ServiceType == typeof(HubLifetimeManager<>) || d.ServiceType == typeof(IConfigureOptions<RedisOptions>)).ToList();

        services.AddChatKitCore().UseRedis("127.0.0.1:1,abortConnect=false", o => o.ChannelPrefix = "chat:");

        Assert.Equal(before, services.Where(d => d.ServiceType == typeof(HubLifetimeManager<>) || d.ServiceType == typeof(IConfigureOptions<RedisOptions>)));
        using var provider = services.BuildServiceProvider();
        var hostOptions = provider.GetRequiredService<IOptions<RedisOptions>>().Value;
        Assert.Equal("host:", hostOptions.Configuration.ChannelPrefix.ToString());
        Assert.Null(hostOptions.ConnectionFactory);
    }

    [Fact]
    public void UseRedis_CalledTwice_LastConnectionWins_AndRegistersEverythingOnce()
    {
        var services = new ServiceCollection();
        var builder = services.AddChatKitCore();
        builder.UseRedis("127.0.0.1:1,abortConnect=false");
        builder.UseRedis(new ConfigurationOptions { EndPoints = { "127.0.0.1:2" } });

        using var provider = services.BuildServiceProvider();
        Assert.Equal("127.0.0.1:2", provider.GetRequiredService<RedisConnection>().Configuration.EndPoints.Single().ToString());
        Assert.Single(provider.GetServices<IHostedService>().OfType<RedisPresenceMaintenance>());
        var health = provider.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value;
        Assert.Single(health.Registrations, r => r.Name == ChatKitRedisOptions.HealthCheckName);
    }

    [Fact]
    public void UseRedis_SetsTheChannelPrefixAndKeepsStartingWhileRedisIsDown()
    {
        var services = new ServiceCollection();
        services.AddChatKitCore().UseRedis("127.0.0.1:1", o => o.ChannelPrefix = "app1:");

        using var provider = services.BuildServiceProvider();
        var configuration = provider.GetRequiredService<RedisConnection>().Configuration;
        Assert.Equal("app1:", configuration.ChannelPrefix.ToString());
        Assert.False(configuration.AbortOnConnectFail);
    }

    [Theory]
    [InlineData("NodeTimeout", "ChatKit:Redis:NodeTimeout")]
    [InlineData("HeartbeatInterval", "ChatKit:Redis:HeartbeatInterval")]
    [InlineData("KeyPrefix", "ChatKit:Redis:KeyPrefix")]
    [InlineData("NodeId", "ChatKit:Redis:NodeId")]
    public async Task HostStart_WithAnOptionOutOfRange_FailsNamingTheOption(string option, string key)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddChatKitCore().UseRedis("127.0.0.1:1,abortConnect=false", o =>
        {
            switch (option)
            {
                case "NodeTimeout": o.NodeTimeout = o.HeartbeatInterval; break;
                case "HeartbeatInterval": o.HeartbeatInterval = TimeSpan.Zero; break;
                case "KeyPrefix": o.KeyPrefix = ""; break;
                case "NodeId": o.NodeId = "has space"; break;
            }
        });
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validator_AcceptsTheDefaults() =>
        Assert.True(new ChatKitRedisOptionsValidator().Validate(null, new ChatKitRedisOptions()).Succeeded);
}
