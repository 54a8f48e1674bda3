using ChatKit.Testing;
using ChatKit.Testing.Servers;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.Scaleout.Redis.Tests.Support;

/// <summary>
/// A test with its own redis-server and one SQLite file, on which it starts full ChatKit nodes (<see cref="ChatNode"/>)
/// that share both; everything it starts is disposed after it, Redis last.
/// </summary>
public abstract class ClusterTest : IAsyncLifetime
{
    protected static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly string _directory = Directory.CreateTempSubdirectory("chatkit-cluster-").FullName;
    private readonly List<IAsyncDisposable> _disposables = [];
    private RedisServer? _redis;

    /// <summary>ChatKit's key and channel prefix in this test.</summary>
    protected string Prefix { get; } = RedisFixture.UniquePrefix();

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected RedisServer Redis => _redis ?? throw new InvalidOperationException("not started");

    public async ValueTask InitializeAsync()
    {
        if (RedisServer.IsInstalled)
        {
            _redis = await RedisServer.StartAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_redis is { IsRunning: true })
            {
                // A test that failed while Redis was frozen must not leave it frozen for the clean-up.
                _redis.Resume();
            }

            for (var i = _disposables.Count - 1; i >= 0; i--)
            {
                await _disposables[i].DisposeAsync();
            }
        }
        finally
        {
            if (_redis is not null)
            {
                await _redis.DisposeAsync();
            }
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }

        GC.SuppressFinalize(this);
    }

    protected void RequireRedis()
    {
        if (_redis is null)
        {
            ServiceAvailability.Missing(RedisServer.MissingMessage);
        }
    }

    /// <summary>Disposes <paramref name="disposable"/> after the test, before Redis stops.</summary>
    protected T Track<T>(T disposable)
        where T : IAsyncDisposable
    {
        _disposables.Add(disposable);
        return disposable;
    }

    /// <summary>Starts a node on this test's Redis (plus <paramref name="connectionOptions"/>) and SQLite file.</summary>
    protected async Task<ChatNode> StartNodeAsync(
        string connectionOptions = "",
        Action<ChatKitOptions>? chat = null,
        Action<IServiceCollection>? host = null,
        Action<WebApplication>? map = null) =>
        Track(await ChatNode.StartAsync(Redis.ConnectionString + connectionOptions, Prefix, UseDatabase, chat, host, map));

    /// <summary>Starts a node that reaches this test's Redis at <paramref name="redisConnectionString"/> (a relay, say).</summary>
    protected async Task<ChatNode> StartNodeThroughAsync(string redisConnectionString) =>
        Track(await ChatNode.StartAsync(redisConnectionString, Prefix, UseDatabase));

    private void UseDatabase(DbContextOptionsBuilder options) => options.UseSqlite($"Data Source={Path.Combine(_directory, "chat.db")}");

    protected async Task<ChatClient> ConnectAsync(ChatNode node, string userId)
    {
        var client = new ChatClient(node, userId);
        Track(client);
        await client.StartAsync(Ct);
        return client;
    }

    protected static Task WaitUntilAsync(Func<bool> condition) => WaitUntilAsync(() => Task.FromResult(condition()));

    protected static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(Wait);
        while (!await condition())
        {
            await Task.Delay(25, cts.Token);
        }
    }
}
