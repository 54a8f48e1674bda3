using ChatKit.Storage.Mongo.Internal;
using ChatKit.Testing.Conformance;

namespace ChatKit.Storage.Mongo.Tests;

/// <summary>
/// The shared store conformance suite against a real MongoDB server (<c>MONGODB_URI</c>), with the concurrency tests
/// split between two nodes that have their own clients. Skipped, with a message, when no server is configured.
/// </summary>
public sealed class MongoChatStoreConformanceTests(MongoServerFixture server) : ChatStoreConformanceTests, IClassFixture<MongoServerFixture>, IAppendStepFaults
{
    /// <inheritdoc/>
    protected override IAppendStepFaults? AppendStepFaults => this;

    /// <inheritdoc/>
    public Task AbandonAppendAfterFirstStepAsync(string conversationId, CancellationToken cancellationToken) =>
        // The append's first step, exactly as the store runs it, and then nothing: as if its process died there.
        server.First.Context.Conversations.UpdateOneAsync(
            MongoDefinitions.ConversationById(conversationId), MongoDefinitions.AllocateSeq, cancellationToken: cancellationToken);

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
