using ChatKit.AspNetCore;
using ChatKit.Presence;
using ChatKit.Scaleout.Redis;
using ChatKit.Scaleout.Redis.Internal;
using ChatKit.Services;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Runs ChatKit on several nodes that share one Redis.</summary>
public static class ChatKitRedisBuilderExtensions
{
    /// <summary>
    /// Scales ChatKit out through Redis: SignalR's Redis backplane carries every event to the node that holds the
    /// recipient's connection, presence becomes cluster-wide (a user is online while any node holds a connection of
    /// theirs, and a node that dies takes its users offline within a bounded time), the send rate limit is counted
    /// across nodes, and a health check named <see cref="ChatKitRedisOptions.HealthCheckName"/> reports whether Redis
    /// is reachable. Every node also needs the same shared store (EF Core or MongoDB), not the in-memory one. Only
    /// ChatKit's own hub moves onto this backplane: the host's other hubs, its SignalR <c>RedisOptions</c> and any
    /// backplane it registered (its own Redis, Azure SignalR) are left as they are.
    /// </summary>
    /// <param name="builder">The builder <c>AddChatKit()</c> returned.</param>
    /// <param name="connectionString">A StackExchange.Redis connection string, for example <c>redis:6379,password=…</c>.</param>
    /// <param name="configure">Changes the options (prefixes, heartbeat, node timeout), or <see langword="null"/>.</param>
    /// <returns>The builder.</returns>
    public static ChatKitBuilder UseRedis(this ChatKitBuilder builder, string connectionString, Action<ChatKitRedisOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var configuration = ConfigurationOptions.Parse(connectionString);
        return builder.UseRedis(configuration, configure);
    }

    /// <summary>
    /// Scales ChatKit out through Redis with StackExchange.Redis options (see the connection string overload). ChatKit
    /// opens one connection from a copy of <paramref name="configuration"/>, with <c>AbortOnConnectFail=false</c>,
    /// fail-fast commands while disconnected, and <see cref="ChatKitRedisOptions.ChannelPrefix"/> as the channel prefix,
    /// and shares it between the backplane, presence, rate limits and the health check.
    /// </summary>
    /// <param name="builder">The builder <c>AddChatKit()</c> returned.</param>
    /// <param name="configuration">Where Redis is and how to connect.</param>
    /// <param name="configure">Changes the options, or <see langword="null"/>.</param>
    /// <returns>The builder.</returns>
    public static ChatKitBuilder UseRedis(this ChatKitBuilder builder, ConfigurationOptions configuration, Action<ChatKitRedisOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        var copy = configuration.Clone();
        return Register(builder, configure, sp => new RedisConnection(
            copy,
            sp.GetRequiredService<IOptions<ChatKitRedisOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<RedisConnection>>()));
    }

    /// <summary>
    /// Scales ChatKit out through a Redis connection the host already has (see the connection string overload). ChatKit
    /// uses it as it is and never disposes it: its own <c>ChannelPrefix</c> applies (not
    /// <see cref="ChatKitRedisOptions.ChannelPrefix"/>), and it should be opened with <c>AbortOnConnectFail=false</c>.
    /// </summary>
    /// <param name="builder">The builder <c>AddChatKit()</c> returned.</param>
    /// <param name="multiplexer">The connection to share.</param>
    /// <param name="configure">Changes the options, or <see langword="null"/>.</param>
    /// <returns>The builder.</returns>
    public static ChatKitBuilder UseRedis(this ChatKitBuilder builder, IConnectionMultiplexer multiplexer, Action<ChatKitRedisOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(multiplexer);
        return Register(builder, configure, sp => new RedisConnection(
            multiplexer,
            sp.GetRequiredService<IOptions<ChatKitRedisOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<RedisConnection>>()));
    }

    private static ChatKitBuilder Register(ChatKitBuilder builder, Action<ChatKitRedisOptions>? configure, Func<IServiceProvider, RedisConnection> connection)
    {
        var services = builder.Services;
        services.AddOptions<ChatKitRedisOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChatKitRedisOptions>, ChatKitRedisOptionsValidator>());
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);

        // The last UseRedis wins.
        services.RemoveAll<RedisConnection>();
        services.AddSingleton(connection);

        // Presence: the Redis tracker replaces the in-memory one; the heartbeat and reaper run as a hosted service.
        services.TryAddSingleton<RedisPresenceTracker>();
        services.Replace(ServiceDescriptor.Singleton<IPresenceTracker>(sp => sp.GetRequiredService<RedisPresenceTracker>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, RedisPresenceMaintenance>());

        // The send limit, counted across nodes.
        services.Replace(ServiceDescriptor.Singleton<IChatRateLimiter, RedisChatRateLimiter>());

        // SignalR's own Redis backplane, on the shared connection, behind a manager that keeps local delivery going
        // while Redis is away. For ChatHub only, with options of its own: the host's other hubs keep their lifetime
        // manager (the default one, their own Redis backplane, Azure SignalR), and the host's RedisOptions stay its own.
        services.AddSignalR();
        services.RemoveAll<HubLifetimeManager<ChatHub>>();
        services.AddSingleton<HubLifetimeManager<ChatHub>, ResilientHubLifetimeManager<ChatHub>>();

        // Reachability, under a documented name, added once.
        services.AddHealthChecks();
        services.Configure<HealthCheckServiceOptions>(options =>
        {
            if (!options.Registrations.Any(r => r.Name == ChatKitRedisOptions.HealthCheckName))
            {
                options.Registrations.Add(new HealthCheckRegistration(
                    ChatKitRedisOptions.HealthCheckName,
                    sp => new RedisHealthCheck(sp.GetRequiredService<RedisConnection>()),
                    failureStatus: null,
                    tags: ["chatkit", "redis"]));
            }
        });
        return builder;
    }
}
