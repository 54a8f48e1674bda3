using ChatKit.Testing.Servers;
using ChatKit.Storage.EfCore.Tests.Support;

namespace ChatKit.Storage.EfCore.Tests;

/// <summary>The store contract on a real PostgreSQL server started by the tests, through two nodes sharing one database.</summary>
public sealed class PostgresChatStoreConformanceTests(PostgresServerFixture postgres, PostgresNodesFixture nodes)
    : EfCoreChatStoreConformanceTests, IClassFixture<PostgresNodesFixture>
{
    protected override Task<StoreNodes> GetNodesAsync() => nodes.GetNodesAsync(postgres);
}
