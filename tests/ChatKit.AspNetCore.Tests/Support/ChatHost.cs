using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChatKit.AspNetCore.Tests.Support;

/// <summary>
/// A real ChatKit host for one test class: Kestrel on 127.0.0.1 and a free port, JWT bearer as in the sample, AddChatKit
/// with the in-memory store, MapChatKit. Subclasses change ChatKit's options or services.
/// </summary>
public class ChatHost : IAsyncLifetime
{
    private readonly SocketsHttpHandler _handler = new() { PooledConnectionLifetime = TimeSpan.FromMinutes(1) };
    private WebApplication? _app;

    /// <summary>The server's base address, e.g. http://127.0.0.1:41234/.</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>The host's services.</summary>
    public IServiceProvider Services => _app!.Services;

    /// <summary>Tells when the server has finished handling a connection's close (OnDisconnectedAsync returned).</summary>
    public DisconnectObserver Disconnects { get; } = new();

    /// <summary>Creates a Kestrel builder on 127.0.0.1:0 with the test JWT bearer and quiet logging.</summary>
    public static WebApplicationBuilder CreateBuilder(string hubPath = "/chat")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("CHATKIT_TEST_LOG") is { Length: > 0 } logPath)
        {
            builder.Logging.AddProvider(new FileLoggerProvider(logPath));
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
        }

        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        builder.Services.AddTestJwtBearer(hubPath);
        return builder;
    }

    /// <summary>The address a started app listens on.</summary>
    public static Uri AddressOf(IServiceProvider services) =>
        new(services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());

    /// <inheritdoc/>
    public virtual async ValueTask InitializeAsync()
    {
        var builder = CreateBuilder();
        builder.Services.AddChatKit(ConfigureChatKit);
        builder.Services.Configure<HubOptions<ChatHub>>(o => o.AddFilter(Disconnects));
        ConfigureServices(builder.Services);
        _app = builder.Build();
        _app.UseAuthentication();
        _app.UseAuthorization();
        ConfigureEndpoints(_app.MapChatKit());
        await _app.StartAsync();
        Address = AddressOf(_app.Services);
    }

    /// <inheritdoc/>
    public virtual async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _handler.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Changes ChatKit's options for this host.</summary>
    protected virtual void ConfigureChatKit(ChatKitOptions options)
    {
    }

    /// <summary>Adds or replaces services after AddChatKit.</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    /// <summary>Adds conventions to what MapChatKit returned.</summary>
    protected virtual void ConfigureEndpoints(IEndpointConventionBuilder chatKit)
    {
    }

    /// <summary>A user id no other test uses: <c>alice-1a2b3c4d</c>.</summary>
    public static string NewUser(string name) => $"{name}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>An HttpClient for the REST API as <paramref name="userId"/>, or anonymous.</summary>
    public HttpClient Http(string? userId = null, string? name = null)
    {
        var client = new HttpClient(_handler, disposeHandler: false) { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(20) };
        if (userId is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestAuth.Token(userId, name));
        }

        return client;
    }

    /// <summary>
    /// Opens a real SignalR connection as <paramref name="userId"/> (the token travels as access_token) and returns once
    /// the server has finished opening it.
    /// </summary>
    public async Task<ChatConnection> ConnectAsync(string userId, string? name = null)
    {
        var connection = new ChatConnection(this, userId, name);
        await connection.StartAsync();

        // start() completes with the handshake; the server joins the connection to its user's group in OnConnectedAsync,
        // which finishes before the server handles the connection's first call. A call that emits nothing (leaving a
        // room never joined) makes sure the connection receives every event from now on.
        await connection.CallAsync("leaveRoom", new { conversationId = "c_ready" });
        return connection;
    }

    /// <summary>Creates a conversation over REST as <paramref name="userId"/> and returns its JSON.</summary>
    public async Task<JsonElement> CreateConversationAsync(string userId, string type, string[] participantIds, string? name = null)
    {
        using var http = Http(userId);
        using var response = await http.PostAsJsonAsync("/chats/conversations", new { type, participantIds, name });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"creating a conversation failed: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Creates a direct conversation and returns its id.</summary>
    public async Task<string> DirectAsync(string userId, string otherId) =>
        (await CreateConversationAsync(userId, "direct", [otherId])).GetProperty("id").GetString()!;

    /// <summary>Creates a group owned by <paramref name="ownerId"/> and returns its id.</summary>
    public async Task<string> GroupAsync(string ownerId, params string[] memberIds) =>
        (await CreateConversationAsync(ownerId, "group", memberIds, "Team")).GetProperty("id").GetString()!;

    /// <summary>
    /// Makes an event that every connection of <paramref name="connection"/>'s user receives: a new direct conversation
    /// with a fresh user, whose <c>conversationCreated</c> is returned. Anything the server sent that connection earlier
    /// is recorded before it, so absence is proved by order, without sleeping.
    /// </summary>
    public async Task<ReceivedEvent> SyncAsync(ChatConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var id = await DirectAsync(connection.UserId, NewUser("marker"));
        return await connection.WaitForAsync("conversationCreated", e => e.GetProperty("id").GetString() == id);
    }
}

/// <summary>A hub filter that completes a task when the server has finished a connection's OnDisconnectedAsync.</summary>
public sealed class DisconnectObserver : IHubFilter
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _closed = new();

    /// <inheritdoc/>
    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        try
        {
            await next(context, exception);
        }
        finally
        {
            Get(context.Context.ConnectionId).TrySetResult();
        }
    }

    /// <summary>Waits until the server has handled the close of <paramref name="connectionId"/>.</summary>
    public Task WaitAsync(string connectionId) => Get(connectionId).Task.WaitAsync(TimeSpan.FromSeconds(10));

    private TaskCompletionSource Get(string connectionId) =>
        _closed.GetOrAdd(connectionId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}
