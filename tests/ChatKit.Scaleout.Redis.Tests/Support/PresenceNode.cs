using ChatKit.Events;
using ChatKit.Presence;
using ChatKit.Scaleout.Redis.Internal;
using ChatKit.Services;
using ChatKit.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ChatKit.Scaleout.Redis.Tests.Support;

/// <summary>
/// One ChatKit node without a transport: Core's services with the Redis tracker and its heartbeat and reaper, sharing
/// a store with the other nodes of the test, and recording the events it publishes.
/// </summary>
public sealed class PresenceNode : IAsyncDisposable
{
    private readonly ServiceProvider _provider;
    private readonly IHostedService[] _hosted;
    private bool _disposed;

    private PresenceNode(ServiceProvider provider, RecordingPublisher publisher)
    {
        _provider = provider;
        Events = publisher;
        _hosted = [.. provider.GetServices<IHostedService>()];
        Tracker = provider.GetRequiredService<IPresenceTracker>();
        Presence = provider.GetRequiredService<PresenceService>();
        Chat = provider.GetRequiredService<ChatService>();
        Maintenance = provider.GetServices<IHostedService>().OfType<RedisPresenceMaintenance>().Single();
    }

    public RecordingPublisher Events { get; }

    public IPresenceTracker Tracker { get; }

    public PresenceService Presence { get; }

    public ChatService Chat { get; }

    internal RedisPresenceMaintenance Maintenance { get; }

    public IServiceProvider Services => _provider;

    /// <summary>
    /// Fast timings for tests: a dead node is noticed within NodeTimeout + ReaperInterval = 2.2 s, and a live node has
    /// ten heartbeats' margin before it is taken for dead (a busy 2-core machine can delay a timer by a second).
    /// </summary>
    public static void Fast(ChatKitRedisOptions options)
    {
        options.HeartbeatInterval = TimeSpan.FromMilliseconds(200);
        options.NodeTimeout = TimeSpan.FromSeconds(2);
        options.ReaperInterval = TimeSpan.FromMilliseconds(200);
    }

    public static async Task<PresenceNode> StartAsync(string connectionString, string prefix, IChatStore store, string nodeId, Action<ChatKitRedisOptions>? configure = null, Action<IServiceCollection>? configureServices = null)
    {
        var publisher = new RecordingPublisher();
        var services = new ServiceCollection();
        services.AddSingleton(store);
        services.AddSingleton<IChatEventPublisher>(publisher);
        services.AddChatKitCore().UseRedis(connectionString, o =>
        {
            Fast(o);
            o.KeyPrefix = prefix;
            o.ChannelPrefix = prefix;
            o.NodeId = nodeId;
            configure?.Invoke(o);
        });
        configureServices?.Invoke(services);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        var node = new PresenceNode(provider, publisher);
        foreach (var hosted in node._hosted)
        {
            await hosted.StartAsync(CancellationToken.None);
        }

        return node;
    }

    /// <summary>Dies without a word: the heartbeat and reaper stop, nothing is removed from Redis.</summary>
    public ValueTask CrashAsync() => DisposeAsync();

    /// <summary>Waits until this node's reaper has completed <paramref name="passes"/> more passes.</summary>
    public async Task WaitForReaperPassesAsync(int passes, TimeSpan timeout)
    {
        var target = Maintenance.ReaperPasses + passes;
        using var cts = new CancellationTokenSource(timeout);
        while (Maintenance.ReaperPasses < target)
        {
            await Task.Delay(20, cts.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _provider.DisposeAsync();
    }
}
