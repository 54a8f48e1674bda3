using Microsoft.EntityFrameworkCore;
using ChatKit.Testing.Servers;

namespace ChatKit.Storage.EfCore.Tests.Support;

/// <summary>Two nodes over one database of the shared server, shared by every test of a class and started on first use.</summary>
public sealed class PostgresNodesFixture : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private StoreNodes? _nodes;

    /// <summary>Returns the nodes, starting the server, the database and the nodes the first time.</summary>
    public async Task<StoreNodes> GetNodesAsync(PostgresServerFixture postgres)
    {
        var server = await postgres.GetServerAsync();
        await _gate.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            var database = PostgresServerFixture.NewDatabaseName();
            return _nodes ??= await StoreNodes.StartAsync((node, o) => o.UseNpgsql(PostgresServerFixture.ConnectionString(server, database, node)));
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
