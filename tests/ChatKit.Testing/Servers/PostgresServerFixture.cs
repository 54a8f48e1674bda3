using Npgsql;

namespace ChatKit.Testing.Servers;

/// <summary>
/// One PostgreSQL server for the tests that share the fixture (an assembly or a class fixture), started on first use
/// and stopped at the end; each test takes a database of its own with <see cref="NewDatabaseName"/>.
/// </summary>
public sealed class PostgresServerFixture : IAsyncLifetime
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

        await _gate.WaitAsync(TestContext.Current.CancellationToken).ConfigureAwait(false);
        try
        {
            return _server ??= await PostgresServer.StartAsync(TestContext.Current.CancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// A connection string for <paramref name="database"/>; <paramref name="node"/> varies the text (the application
    /// name), so each node gets its own Npgsql pool, as separate processes would.
    /// </summary>
    /// <param name="server">The server.</param>
    /// <param name="database">The database; ChatKit's schema initializer creates it.</param>
    /// <param name="node">Which node connects.</param>
    public static string ConnectionString(PostgresServer server, string database, int node = 1)
    {
        ArgumentNullException.ThrowIfNull(server);
        return new NpgsqlConnectionStringBuilder(server.GetConnectionString(database)) { ApplicationName = $"chatkit-node-{node}" }.ToString();
    }

    /// <summary>A database name no other test uses.</summary>
    public static string NewDatabaseName() => "chatkit_" + Guid.NewGuid().ToString("N")[..12];

    /// <inheritdoc/>
    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    /// <summary>Closes pooled connections, then stops the server and deletes its folder.</summary>
    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }

        _gate.Dispose();
    }
}
