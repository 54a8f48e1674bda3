using ChatKit.Storage;

namespace ChatKit.Testing.Conformance;

/// <summary>
/// The behaviour every <see cref="IChatStore"/> must have. An adapter's test project derives a class from this one and
/// supplies the store; xunit then runs every test below against it. A third party can prove its own adapter the same way.
/// </summary>
/// <remarks>
/// Tests use fresh random ids, so one store instance may serve every test of a class.
/// </remarks>
public abstract partial class ChatStoreConformanceTests
{
    /// <summary>Returns the store under test. Called once per test; may return a shared instance.</summary>
    protected abstract Task<IChatStore> CreateStoreAsync();

    /// <summary>
    /// Returns a second store instance over the same data (a separate DbContext, client or connection), for
    /// cross-instance concurrency tests. The in-memory store returns the same instance.
    /// </summary>
    protected virtual Task<IChatStore> CreateSecondStoreAsync() => CreateStoreAsync();
}
