using ChatKit.Storage.EfCore.Internal;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ChatKit.Storage.EfCore.Tests.Support;

/// <summary>
/// One application node: its own service provider with ChatKit on EF Core (its own pooled DbContext factory and its own
/// connection pool), started like a host starts it (hosted services run, so the schema is created). Two nodes over one
/// database behave like two processes sharing it.
/// </summary>
public sealed class StoreNode : IAsyncDisposable
{
    private readonly ServiceProvider _provider;
    private readonly List<IHostedService> _started;

    private StoreNode(ServiceProvider provider, List<IHostedService> started, QueryCounter queries)
    {
        _provider = provider;
        _started = started;
        Queries = queries;
    }

    /// <summary>The node's services.</summary>
    public IServiceProvider Services => _provider;

    /// <summary>The node's store.</summary>
    public IChatStore Store => _provider.GetRequiredService<IChatStore>();

    /// <summary>Every SQL command the node's ChatKit context sends.</summary>
    public QueryCounter Queries { get; }

    /// <summary>A node on ChatKit's own context, configured by <paramref name="database"/> (provider and connection string).</summary>
    public static Task<StoreNode> StartAsync(
        Action<DbContextOptionsBuilder> database,
        Action<EfCoreChatStoreOptions>? options = null,
        Action<IServiceCollection>? services = null)
    {
        var queries = new QueryCounter();
        return StartAsync(
            builder => builder.UseEntityFrameworkCore(
                o =>
                {
                    database(o);
                    o.AddInterceptors(queries);
                },
                options),
            services,
            queries);
    }

    /// <summary>A node whose ChatKit registration (and any other service) the caller writes.</summary>
    public static async Task<StoreNode> StartAsync(
        Action<ChatKitBuilder> chatKit,
        Action<IServiceCollection>? services = null,
        QueryCounter? queries = null)
    {
        var collection = new ServiceCollection();
        services?.Invoke(collection);
        chatKit(collection.AddChatKitCore());
        var provider = collection.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        var started = new List<IHostedService>();
        try
        {
            foreach (var hosted in provider.GetServices<IHostedService>())
            {
                await hosted.StartAsync(TestContext.Current.CancellationToken);
                started.Add(hosted);
            }
        }
        catch
        {
            await provider.DisposeAsync();
            throw;
        }

        return new StoreNode(provider, started, queries ?? new QueryCounter());
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _started.Count - 1; i >= 0; i--)
        {
            await _started[i].StopAsync(CancellationToken.None);
        }

        await _provider.DisposeAsync();
    }
}

/// <summary>Two nodes over one database, started together (so their schema creation races, as at a cluster's first start).</summary>
public sealed class StoreNodes : IAsyncDisposable
{
    private StoreNodes(StoreNode first, StoreNode second)
    {
        First = first;
        Second = second;
    }

    public StoreNode First { get; }

    public StoreNode Second { get; }

    /// <summary>Starts two nodes; <paramref name="database"/> receives the node number (1 or 2).</summary>
    public static async Task<StoreNodes> StartAsync(Action<int, DbContextOptionsBuilder> database)
    {
        var first = StoreNode.StartAsync(o => database(1, o));
        var second = StoreNode.StartAsync(o => database(2, o));
        await Task.WhenAll(first, second);
        return new StoreNodes(await first, await second);
    }

    public async ValueTask DisposeAsync()
    {
        await First.DisposeAsync();
        await Second.DisposeAsync();
    }
}
