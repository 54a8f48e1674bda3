using ChatKit.Testing.Conformance;

namespace ChatKit.Storage.Mongo.Tests;

/// <summary>
/// The shared store conformance suite against a real MongoDB server (<c>MONGODB_URI</c>), with the concurrency tests
/// split between two nodes that have their own clients. Skipped, with a message, when no server is configured.
/// </summary>
public sealed class MongoChatStoreConformanceTests(MongoServerFixture server) : ChatStoreConformanceTests, IClassFixture<MongoServerFixture>
{
    /// <inheritdoc/>
    protected override Task<IChatStore> CreateStoreAsync()
    {
        MongoAvailability.RequireServer();
        return Task.FromResult(server.First.Store);
    }

    /// <inheritdoc/>
    protected override Task<IChatStore> CreateSecondStoreAsync()
    {
        MongoAvailability.RequireServer();
        return Task.FromResult(server.Second.Store);
    }
}
