using Microsoft.EntityFrameworkCore;
using ChatKit.Testing;
using ChatKit.Testing.Servers;
using Npgsql;

namespace ChatKit.Storage.EfCore.Tests.Support;

/// <summary>
/// One PostgreSQL server for the whole test assembly (started on first use, stopped at the end). Each test class gets its
/// own database, which ChatKit's schema initializer creates.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private PostgresServer? _server;

    /// <summary>The running server; skips the test (fails it in CI) when PostgreSQL is not installed.</summary>
    public async Task<PostgresServer> GetServerAsync()
    {
        if (!PostgresServer.IsInstalled)
        {
            ServiceAvailability.Missing(PostgresServer.MissingMessage);
        }

        await _gate.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            return _server ??= await PostgresServer.StartAsync(TestContext.Current.CancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// A connection string for a new database name; <paramref name="node"/> varies the text (the application name), so
    /// each node gets its own Npgsql pool, as separate processes would.
    /// </summary>
    public static string ConnectionString(PostgresServer server, string database, int node = 1) =>
        new NpgsqlConnectionStringBuilder(server.GetConnectionString(database)) { ApplicationName = $"chatkit-node-{node}" }.ToString();

    /// <summary>A database name no other test uses.</summary>
    public static string NewDatabaseName() => "chatkit_" + Guid.NewGuid().ToString("N")[..12];

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _gate.Dispose();
    }
}

/// <summary>Two nodes over one database of the shared server, shared by every test of a class and started on first use.</summary>
public sealed class PostgresNodesFixture : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private StoreNodes? _nodes;

    /// <summary>Returns the nodes, starting the server, the database and the nodes the first time.</summary>
    public async Task<StoreNodes> GetNodesAsync(PostgresFixture postgres)
    {
        var server = await postgres.GetServerAsync();
        await _gate.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            var database = PostgresFixture.NewDatabaseName();
            return _nodes ??= await StoreNodes.StartAsync((node, o) => o.UseNpgsql(PostgresFixture.ConnectionString(server, database, node)));
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_nodes is not null)
        {
            await _nodes.DisposeAsync();
        }

        _gate.Dispose();
    }
}
