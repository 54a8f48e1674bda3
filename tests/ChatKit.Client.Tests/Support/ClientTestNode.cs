using System.Collections.Concurrent;
using System.Net;
using ChatKit.Testing.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChatKit.Client.Tests.Support;

/// <summary>
/// A real ChatKit host on Kestrel (hub, REST, JWT bearer) on a real database, optionally behind Redis. It can cut the
/// connections of a user from the server side, and be stopped and started again on the same port.
/// </summary>
public sealed class ClientTestNode : IAsyncDisposable
{
    private static readonly TestJwtBearer Jwt = new("chatkit-client-tests-signing-key-of-32+bytes");
    private Action<DbContextOptionsBuilder>? _database;
    private readonly string? _redis;
    private readonly string _prefix;
    private WebApplication? _app;

    private ClientTestNode(Action<DbContextOptionsBuilder> database, string? redis, string prefix)
    {
        _database = database;
        _redis = redis;
        _prefix = prefix;
    }

    /// <summary>The node's address (the same across restarts).</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>The connections the server holds, by user.</summary>
    public ConnectionCutter Connections { get; } = new();

    /// <summary>Starts a node on a free port.</summary>
    public static async Task<ClientTestNode> StartAsync(Action<DbContextOptionsBuilder> database, string? redis = null, string? prefix = null)
    {
        var node = new ClientTestNode(database, redis, prefix ?? "t" + Guid.NewGuid().ToString("N")[..8] + ":");
        await node.StartAgainAsync(0);
        return node;
    }

    /// <summary>
    /// Changes the database the next <see cref="StartAgainAsync"/> uses; <see langword="null"/>: ChatKit's in-memory store
    /// (another deployment at the same address, whose cursors the old one's clients do not share).
    /// </summary>
    public void UseDatabase(Action<DbContextOptionsBuilder>? database) => _database = database;

    /// <summary>A bearer token for <paramref name="userId"/>.</summary>
    public static string Token(string userId) => Jwt.Token(userId, userId.ToUpperInvariant());

    /// <summary>A client for <paramref name="userId"/> with short reconnect waits (so the restart loop is used too).</summary>
    public ChatClient Client(string userId, IChatOutbox? outbox = null, int? syncLimit = null) => new(new ChatClientOptions
    {
        ServerUrl = Address,
        AccessTokenProvider = _ => ValueTask.FromResult<string?>(Token(userId)),
        ReconnectDelays = [TimeSpan.Zero, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200)],
        MaxRestartDelay = TimeSpan.FromMilliseconds(500),
        Outbox = outbox,
        SyncLimit = syncLimit,
        LoggerFactory = Environment.GetEnvironmentVariable("CHATKIT_TEST_LOGS") is { Length: > 0 }
            ? LoggerFactory.Create(b => b.AddSimpleConsole(o => o.TimestampFormat = "HH:mm:ss.fff ").SetMinimumLevel(LogLevel.Debug))
            : null,
    });

    /// <summary>Stops the server: its clients lose their connections, in-flight requests fail.</summary>
    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>Starts the server again on the same port (or a free one the first time).</summary>
    public async Task StartAgainAsync(int? port = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, port ?? Address.Port));
        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("CHATKIT_TEST_LOGS") is { Length: > 0 })
        {
            builder.Logging.AddSimpleConsole(o => o.TimestampFormat = "HH:mm:ss.fff ");
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
            builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        }

        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        Jwt.AddTo(builder.Services);
        var chat = builder.Services.AddChatKit(o =>
        {
            foreach (var operation in Enum.GetValues<ChatKit.Services.ChatOperation>())
            {
                o.RateLimitFor(operation).PermitLimit = 1_000_000;
            }
        });
        if (_database is not null)
        {
            chat.UseEntityFrameworkCore(_database);
        }

        if (_redis is not null)
        {
            chat.UseRedis(_redis, o => o.KeyPrefix = o.ChannelPrefix = _prefix);
        }

        builder.Services.Configure<HubOptions<ChatKit.AspNetCore.ChatHub>>(o => o.AddFilter(Connections));
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapChatKit();
        await app.StartAsync();
        Address = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());
        _app = app;
    }

    public ValueTask DisposeAsync() => new(StopAsync());
}

/// <summary>A hub filter that knows every open connection and can abort a user's from the server side.</summary>
public sealed class ConnectionCutter : IHubFilter
{
    private readonly ConcurrentDictionary<string, HubCallerContext> _open = new();

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        _open[context.Context.ConnectionId] = context.Context;
        await next(context);
    }

    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        _open.TryRemove(context.Context.ConnectionId, out _);
        await next(context, exception);
    }

    /// <summary>Aborts every open connection of <paramref name="userId"/>; returns how many.</summary>
    public int Abort(string userId)
    {
        var count = 0;
        foreach (var connection in _open.Values.Where(c => c.UserIdentifier == userId || c.User?.FindFirst("sub")?.Value == userId))
        {
            connection.Abort();
            count++;
        }

        return count;
    }
}
