using System.Collections.Concurrent;
using ChatKit.AspNetCore.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatKit.AspNetCore.Tests;

/// <summary>A hub of the host's own, next to ChatKit's: its own error texts (one of them shaped like a ChatKit code).</summary>
#pragma warning disable CA1822 // SignalR binds instance methods only.
public sealed class HostHub : Hub
{
    /// <summary>Returns its argument.</summary>
    public string Echo(string text) => text;

    /// <summary>Returns the length of its argument (larger than ChatKit's 32 KB frame limit in the test).</summary>
    public int Length(string text) => text?.Length ?? 0;

    /// <summary>Refuses with the host's own HubException text, which happens to look like ChatKit's.</summary>
    public void Refuse() => throw new HubException("conflict: the seat is taken");

    /// <summary>Fails with an exception whose text the host's detailed errors reveal.</summary>
    public void Crash() => throw new InvalidOperationException("host crash detail");
}
#pragma warning restore CA1822

/// <summary>
/// The host's own protocol resolver, registered after <c>AddChatKit()</c>: it resolves the registered protocols by name,
/// as SignalR's does, and records each name it was asked for.
/// </summary>
public sealed class HostProtocolResolver(IEnumerable<IHubProtocol> protocols) : IHubProtocolResolver
{
    /// <summary>The protocol names asked for, one per connection handshake.</summary>
    public ConcurrentQueue<string> Asked { get; } = new();

    /// <inheritdoc/>
    public IReadOnlyList<IHubProtocol> AllProtocols { get; } = [.. protocols];

    /// <inheritdoc/>
    public IHubProtocol? GetProtocol(string protocolName, IReadOnlyList<string>? supportedProtocols)
    {
        Asked.Enqueue(protocolName);
        return AllProtocols.FirstOrDefault(p =>
            string.Equals(p.Name, protocolName, StringComparison.OrdinalIgnoreCase)
            && (supportedProtocols is null || supportedProtocols.Contains(protocolName, StringComparer.OrdinalIgnoreCase)));
    }
}

/// <summary>
/// ChatKit changes nothing host-wide in SignalR: a host's own hub, with its own HubException texts, global and per-hub
/// options, and even its own protocol resolver, behaves exactly as it does without ChatKit, and ChatKit's errors still
/// reach ChatKit's clients as <c>code: sentence</c>.
/// </summary>
public sealed class HostHubIsolationTests
{
    private const int LargeText = 40_000;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task HostHub_WithChatKitNextToIt_BehavesAsWithout(bool hostResolver)
    {
        var without = await RunHostHubAsync(withChatKit: false, hostResolver);
        var with = await RunHostHubAsync(withChatKit: true, hostResolver);

        // What the host's hub does on its own (global EnableDetailedErrors, its own 1 MB frame limit) ...
        Assert.Equal("hi", without.Echo);
        Assert.Equal(LargeText, without.Length);
        Assert.Equal("An unexpected error occurred invoking 'Refuse' on the server. HubException: conflict: the seat is taken", without.Refuse);
        Assert.Equal("An unexpected error occurred invoking 'Crash' on the server. InvalidOperationException: host crash detail", without.Crash);
        Assert.Equal(["Error Refuse", "Error Crash"], without.DispatcherLogs);

        // ... is exactly what it does next to ChatKit.
        Assert.Equal(without, with with { ChatKitError = null });
        Assert.Null(without.ChatKitError);
        Assert.Equal("not_found: conversation c_missing does not exist", with.ChatKitError);
    }

    [Fact]
    public async Task ChatHub_WithHostProtocolResolver_NegotiatesThroughItAndKeepsCodes()
    {
        await using var app = await StartAsync(withChatKit: true, hostResolver: true, new CapturedLogs());
        var resolver = Assert.IsType<HostProtocolResolver>(app.Services.GetRequiredService<IHubProtocolResolver>());
        var alice = ChatHost.NewUser("alice");
        await using var chat = await ConnectChatAsync(app, alice);

        var error = await Assert.ThrowsAsync<HubException>(() => chat.InvokeAsync<object>("joinRoom", new { conversationId = "c_missing" }));

        Assert.Equal("not_found: conversation c_missing does not exist", error.Message);
        Assert.Contains("json", resolver.Asked);
    }

    [Fact]
    public async Task ChatHub_OverAProtocolTheHostAdded_KeepsCodes()
    {
        await using var app = await StartAsync(withChatKit: true, hostResolver: false, new CapturedLogs(), messagePack: true);
        var address = ChatHost.AddressOf(app.Services);
        var alice = ChatHost.NewUser("alice");
        await using var chat = new HubConnectionBuilder()
            .WithUrl(new Uri(address, "/chat"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(TestAuth.Token(alice)))
            .AddMessagePackProtocol()
            .Build();
        await using var own = new HubConnectionBuilder().WithUrl(new Uri(address, "/host")).AddMessagePackProtocol().Build();
        await chat.StartAsync();
        await own.StartAsync();

        var online = await chat.InvokeAsync<string[]>("getOnlineUsers");
        var refused = await Assert.ThrowsAsync<HubException>(() => chat.InvokeAsync<object>("joinRoom", (object?)null));
        var ownRefused = await Assert.ThrowsAsync<HubException>(() => own.InvokeAsync("Refuse"));

        Assert.Empty(online);
        Assert.Equal("validation_failed: conversationId is required", refused.Message);
        Assert.Equal("An unexpected error occurred invoking 'Refuse' on the server. HubException: conflict: the seat is taken", ownRefused.Message);
    }

    [Fact]
    public void AddChatKit_LeavesTheHostsProtocolResolverAlone()
    {
        var services = new ServiceCollection();
        services.AddSignalR();
        var before = services.Single(d => d.ServiceType == typeof(IHubProtocolResolver));

        services.AddChatKit();

        // ChatKit's own resolver is keyed by its hub (for its backplane), never the host's unkeyed one.
        Assert.Same(before, services.Single(d => d.ServiceType == typeof(IHubProtocolResolver) && !d.IsKeyedService));
        Assert.Equal(typeof(ChatHub), services.Single(d => d.ServiceType == typeof(IHubProtocolResolver) && d.IsKeyedService).ServiceKey);
        Assert.Single(services, d => d.ServiceType == typeof(HubConnectionHandler<ChatHub>));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task HostStatusCodePages_WithChatKitNextToThem_AnswerAsWithout(bool withChatKit)
    {
        var builder = ChatHost.CreateBuilder();
        if (withChatKit)
        {
            builder.Services.AddChatKit();
        }

        await using var app = builder.Build();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/host/missing", () => Results.NotFound());
        if (withChatKit)
        {
            app.MapChatKit();
        }

        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = ChatHost.AddressOf(app.Services) };

        // The host registered no IProblemDetailsService: its status code pages stay plain text, ChatKit or not.
        using var own = await http.GetAsync(new Uri("/host/missing", UriKind.Relative));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, own.StatusCode);
        Assert.Equal("text/plain", own.Content.Headers.ContentType?.MediaType);
        Assert.Null(app.Services.GetService<IProblemDetailsService>());

        if (withChatKit)
        {
            // ChatKit's own errors are still problem+json with their code and trace id.
            http.DefaultRequestHeaders.Authorization = new("Bearer", TestAuth.Token(ChatHost.NewUser("alice")));
            using var chatKit = await http.GetAsync(new Uri("/chats/conversations/c_missing", UriKind.Relative));
            Assert.Equal(System.Net.HttpStatusCode.NotFound, chatKit.StatusCode);
            Assert.Equal("application/problem+json", chatKit.Content.Headers.ContentType?.MediaType);
            using var body = System.Text.Json.JsonDocument.Parse(await chatKit.Content.ReadAsStringAsync());
            Assert.Equal("not_found", body.RootElement.GetProperty("code").GetString());
            Assert.False(string.IsNullOrEmpty(body.RootElement.GetProperty("traceId").GetString()));
        }
    }

    private static async Task<HostHubResult> RunHostHubAsync(bool withChatKit, bool hostResolver)
    {
        var logs = new CapturedLogs();
        await using var app = await StartAsync(withChatKit, hostResolver, logs);
        var address = ChatHost.AddressOf(app.Services);
        var connection = new HubConnectionBuilder().WithUrl(new Uri(address, "/host")).Build();
        await using (connection)
        {
            await connection.StartAsync();
            var echo = await connection.InvokeAsync<string>("Echo", "hi");
            var length = await connection.InvokeAsync<int>("Length", new string('x', LargeText));
            var refuse = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync("Refuse"));
            var crash = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync("Crash"));

            string? chatKitError = null;
            if (withChatKit)
            {
                await using var chat = await ConnectChatAsync(app, ChatHost.NewUser("alice"));
                chatKitError = (await Assert.ThrowsAsync<HubException>(() => chat.InvokeAsync<object>("joinRoom", new { conversationId = "c_missing" }))).Message;
            }

            var dispatcherLogs = logs.Entries
                .Where(e => e.Category == "Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher" && e.Level >= LogLevel.Warning)
                .Select(e => $"{e.Level} {(e.Message.Contains("Refuse", StringComparison.Ordinal) ? "Refuse" : e.Message.Contains("Crash", StringComparison.Ordinal) ? "Crash" : e.Message)}")
                .ToArray();
            return new HostHubResult(echo, length, refuse.Message, crash.Message, dispatcherLogs, chatKitError);
        }
    }

    private static async Task<WebApplication> StartAsync(bool withChatKit, bool hostResolver, CapturedLogs logs, bool messagePack = false)
    {
        var builder = ChatHost.CreateBuilder();
        builder.Logging.AddProvider(logs).AddFilter<CapturedLogs>(null, LogLevel.Debug);

        // The host's own SignalR settings: detailed errors for every hub, a 1 MB frame limit for its hub.
        var signalR = builder.Services.AddSignalR(o => o.EnableDetailedErrors = true)
            .AddHubOptions<HostHub>(o => o.MaximumReceiveMessageSize = 1024 * 1024);
        if (messagePack)
        {
            signalR.AddMessagePackProtocol();
        }

        if (withChatKit)
        {
            builder.Services.AddChatKit();
        }

        if (hostResolver)
        {
            builder.Services.AddSingleton<IHubProtocolResolver, HostProtocolResolver>();
        }

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapHub<HostHub>("/host");
        if (withChatKit)
        {
            app.MapChatKit();
        }

        await app.StartAsync();
        return app;
    }

    private static async Task<HubConnection> ConnectChatAsync(WebApplication app, string userId)
    {
        var chat = new HubConnectionBuilder()
            .WithUrl(new Uri(ChatHost.AddressOf(app.Services), "/chat"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(TestAuth.Token(userId)))
            .Build();
        await chat.StartAsync();
        return chat;
    }

    private sealed record HostHubResult(string Echo, int Length, string Refuse, string Crash, string[] DispatcherLogs, string? ChatKitError)
    {
        public bool Equals(HostHubResult? other) =>
            other is not null && Echo == other.Echo && Length == other.Length && Refuse == other.Refuse && Crash == other.Crash
            && DispatcherLogs.SequenceEqual(other.DispatcherLogs) && ChatKitError == other.ChatKitError;

        public override int GetHashCode() => HashCode.Combine(Echo, Length, Refuse, Crash, ChatKitError);
    }
}
