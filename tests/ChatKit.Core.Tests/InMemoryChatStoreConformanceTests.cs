using ChatKit.Storage;
using ChatKit.Testing.Conformance;

namespace ChatKit.Core.Tests;

/// <summary>
/// The in-memory store against the store contract. Every test shares one store, as the database adapters' tests do, which
/// also proves that the suite's tests do not depend on an empty store. The second instance is the same one.
/// </summary>
public sealed class InMemoryChatStoreConformanceTests : ChatStoreConformanceTests
{
    private static readonly InMemoryChatStore Shared = new();

    protected override Task<IChatStore> CreateStoreAsync() => Task.FromResult<IChatStore>(Shared);
}
