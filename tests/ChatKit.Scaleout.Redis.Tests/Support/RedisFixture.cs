using ChatKit.Testing;
using ChatKit.Testing.Servers;

namespace ChatKit.Scaleout.Redis.Tests.Support;

/// <summary>
/// One redis-server per test class. Tests isolate themselves with a fresh key prefix, so they can share it; tests that
/// stop Redis start their own with <see cref="RedisServer.StartAsync"/>.
/// </summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private RedisServer? _server;

    /// <summary>The running server; skips the test (fails it in CI) when redis-server is not installed.</summary>
    public RedisServer Server
    {
        get
        {
            if (_server is null)
            {
                ServiceAvailability.Missing(RedisServer.MissingMessage);
            }

            return _server!;
        }
    }

    public async ValueTask InitializeAsync()
    {
        if (RedisServer.IsInstalled)
        {
            _server = await RedisServer.StartAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>A key and channel prefix no other test uses.</summary>
    public static string UniquePrefix() => $"t{Guid.NewGuid():N}:";
}
