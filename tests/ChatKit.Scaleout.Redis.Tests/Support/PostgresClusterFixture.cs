using ChatKit.Testing;
using ChatKit.Testing.Servers;

namespace ChatKit.Scaleout.Redis.Tests.Support;

/// <summary>One PostgreSQL server for a test class, started on first use; skips (fails in CI) when PostgreSQL is missing.</summary>
public sealed class PostgresClusterFixture : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private PostgresServer? _server;

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

    public async ValueTask DisposeAsync()
    {
        Npgsql.NpgsqlConnection.ClearAllPools();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _gate.Dispose();
    }
}
