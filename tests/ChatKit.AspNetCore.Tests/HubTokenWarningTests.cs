using System.Collections.Concurrent;
using System.Net.WebSockets;
using ChatKit.AspNetCore.Tests.Support;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace ChatKit.AspNetCore.Tests;

/// <summary>
/// A host whose authentication ignores <c>?access_token=</c> breaks browsers' WebSockets without a word: ChatKit says so
/// once in the host's log, and stays silent when the host reads the token or the token itself is bad.
/// </summary>
public sealed class HubTokenWarningTests
{
    private const string WarningName = "HubQueryTokenNotRead";

    [Fact]
    public async Task HostIgnoringTheQueryToken_FirstRefusedWebSocket_LogsOneWarningSayingWhatToAdd()
    {
        var logs = new CapturedLogs();
        await using var app = await StartAsync(logs, readQueryToken: false);
        var token = TestAuth.Token(ChatHost.NewUser("alice"), "Alice");

        var first = await ConnectWebSocketAsync(app, "/chat", token);
        var second = await ConnectWebSocketAsync(app, "/chat", token);
        var otherRoute = await GetAsync(app, "/other?access_token=" + token);

        Assert.Equal(401, first);
        Assert.Equal(401, second);
        Assert.Equal(401, otherRoute);
        var warning = Assert.Single(logs.Entries, e => e.EventName == WarningName);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("/chat", warning.Message, StringComparison.Ordinal);
        Assert.Contains("OnMessageReceived", warning.Message, StringComparison.Ordinal);
        Assert.Contains("access_token", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostReadingTheQueryToken_BadTokenOrNoToken_LogsNoWarning()
    {
        var logs = new CapturedLogs();
        await using var app = await StartAsync(logs, readQueryToken: true);

        var expired = await ConnectWebSocketAsync(app, "/chat", TestAuth.Token("alice", lifetime: TimeSpan.FromMinutes(-10)));
        var anonymous = await ConnectWebSocketAsync(app, "/chat", token: null);
        var valid = await ConnectWebSocketAsync(app, "/chat", TestAuth.Token(ChatHost.NewUser("alice")));

        Assert.Equal(401, expired);
        Assert.Equal(401, anonymous);
        Assert.Equal(404, valid); // authenticated: only the made-up connection id is unknown
        Assert.DoesNotContain(logs.Entries, e => e.EventName == WarningName);
    }

    [Fact]
    public async Task HostWithoutAuthenticationServices_StartsAndAnswers_WithoutAWarning()
    {
        var logs = new CapturedLogs();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders().AddProvider(logs);
        builder.Services.AddChatKit();
        await using var app = builder.Build();
        app.MapGet("/ping", () => "pong");
        app.MapChatKit();
        await app.StartAsync();

        var ping = await GetAsync(app, "/ping?access_token=x");

        Assert.Equal(200, ping);
        Assert.DoesNotContain(logs.Entries, e => e.EventName == WarningName);
    }

    private static async Task<WebApplication> StartAsync(CapturedLogs logs, bool readQueryToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders().AddProvider(logs);
        if (readQueryToken)
        {
            builder.Services.AddTestJwtBearer();
        }
        else
        {
            // The commonest set-up in SignalR questions: header tokens only.
            builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
            {
                o.MapInboundClaims = false;
                o.TokenValidationParameters = new TokenValidationParameters
                {
                    IssuerSigningKey = new SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(TestAuth.Secret)),
                    ValidateIssuer = false,
                    ValidateAudience = false,
                };
            });
            builder.Services.AddAuthorization();
        }

        builder.Services.AddChatKit();
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapChatKit();
        app.MapGet("/other", () => "not ChatKit's").RequireAuthorization();
        await app.StartAsync();
        return app;
    }

    /// <summary>Opens a WebSocket as a browser does (token in the query, no header) and returns the HTTP status.</summary>
    private static async Task<int> ConnectWebSocketAsync(WebApplication app, string path, string? token)
    {
        var address = new UriBuilder(ChatHost.AddressOf(app.Services)) { Scheme = "ws", Path = path };
        address.Query = token is null ? "id=none" : "id=none&access_token=" + Uri.EscapeDataString(token);
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        try
        {
            await socket.ConnectAsync(address.Uri, TestContext.Current.CancellationToken);
        }
        catch (WebSocketException)
        {
            return (int)socket.HttpStatusCode;
        }

        return (int)socket.HttpStatusCode;
    }

    private static async Task<int> GetAsync(WebApplication app, string pathAndQuery)
    {
        using var http = new HttpClient { BaseAddress = ChatHost.AddressOf(app.Services) };
        using var response = await http.GetAsync(pathAndQuery, TestContext.Current.CancellationToken);
        return (int)response.StatusCode;
    }

    private sealed class CapturedLogs : ILoggerProvider
    {
        private readonly ConcurrentQueue<(LogLevel Level, string? EventName, string Message)> _entries = new();

        public IReadOnlyList<(LogLevel Level, string? EventName, string Message)> Entries => [.. _entries];

        public ILogger CreateLogger(string categoryName) => new Logger(_entries);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<(LogLevel, string?, string)> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                entries.Enqueue((logLevel, eventId.Name, formatter(state, exception)));
        }
    }
}
