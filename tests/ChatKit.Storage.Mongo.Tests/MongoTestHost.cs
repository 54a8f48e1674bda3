using ChatKit.Storage.Mongo.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ChatKit.Storage.Mongo.Tests;

/// <summary>A node as a host would run it: ChatKit's services with <c>UseMongo</c>, its hosted services started.</summary>
internal sealed class MongoTestHost : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private MongoTestHost(ServiceProvider services)
    {
        _services = services;
    }

    public IChatStore Store => _services.GetRequiredService<IChatStore>();

    public MongoChatContext Context => _services.GetRequiredService<MongoChatContext>();

    /// <summary>Starts a node with its own client on <paramref name="connectionString"/>.</summary>
    public static async Task<MongoTestHost> StartAsync(string connectionString, string databaseName, Action<MongoChatStoreOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddChatKitCore().UseMongo(connectionString, databaseName, configure);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        foreach (var hosted in provider.GetServices<IHostedService>())
        {
            await hosted.StartAsync(TestContext.Current.CancellationToken);
        }

        return new MongoTestHost(provider);
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}

/// <summary>
/// A fresh database on the server <c>MONGODB_URI</c> names, with two nodes on it (separate clients), dropped at the
/// end. Does nothing when the variable is unset: each test then skips through <see cref="MongoAvailability"/>.
/// </summary>
public sealed class MongoServerFixture : IAsyncLifetime
{
    private MongoTestHost? _first;
    private MongoTestHost? _second;

    /// <summary>The nodes' <see cref="MongoChatStoreOptions.SeqGapTimeout"/>.</summary>
    public static readonly TimeSpan GapTimeout = TimeSpan.FromSeconds(2);

    public string DatabaseName { get; } = "chatkit_tests_" + Guid.NewGuid().ToString("N")[..12];

    internal MongoTestHost First => _first ?? throw new InvalidOperationException(MongoAvailability.MissingMessage);

    internal MongoTestHost Second => _second ?? throw new InvalidOperationException(MongoAvailability.MissingMessage);

    public async ValueTask InitializeAsync()
    {
        if (MongoAvailability.ConnectionString is not { } uri)
        {
            return;
        }

        // A short gap timeout, so a test that abandons an append half-way waits seconds, not the default 10.
        _first = await MongoTestHost.StartAsync(uri, DatabaseName, o => o.SeqGapTimeout = GapTimeout);
        _second = await MongoTestHost.StartAsync(uri, DatabaseName, o => o.SeqGapTimeout = GapTimeout);
    }

    public async ValueTask DisposeAsync()
    {
        if (_first is not null)
        {
            await _first.Context.Database.Client.DropDatabaseAsync(DatabaseName);
            await _first.DisposeAsync();
        }

        if (_second is not null)
        {
            await _second.DisposeAsync();
        }
    }
}
