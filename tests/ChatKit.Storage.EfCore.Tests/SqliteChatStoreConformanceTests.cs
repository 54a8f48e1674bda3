using ChatKit.Storage.EfCore.Tests.Support;

namespace ChatKit.Storage.EfCore.Tests;

/// <summary>The store contract on a SQLite file, through two nodes sharing it.</summary>
public sealed class SqliteChatStoreConformanceTests(SqliteNodesFixture fixture)
    : EfCoreChatStoreConformanceTests, IClassFixture<SqliteNodesFixture>
{
    protected override Task<StoreNodes> GetNodesAsync() => Task.FromResult(fixture.Nodes);
}
