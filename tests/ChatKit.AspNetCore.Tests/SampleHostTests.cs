using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text.Json;
using ChatKit.AspNetCore.Tests.Support;
using ChatKit.Testing.Hosting;
using ChatKit.Testing;
using ChatKit.Testing.Servers;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Options;

namespace ChatKit.AspNetCore.Tests;

/// <summary>samples/ChatKit.Sample, run in-process with the configuration keys of the contract's table.</summary>
public sealed class SampleHostTests
{
    private const string Secret = "sample-tests-signing-secret-of-more-than-32-bytes";
    private const string DevelopmentSecret = "chatkit-sample-development-secret-not-for-production";
    private const string DevTokens = "--DevTokens:Enabled=true";
    private static readonly Assembly Sample = Assembly.Load("ChatKit.Sample");

    [Fact]
    public async Task Development_DevTokenEndpoint_MintsTokensThatWorkForRestAndHub()
    {
        await using var sample = await StartAsync("Development", "--ChatKit:Storage=InMemory", DevTokens);
        using var http = new HttpClient { BaseAddress = sample.Address };

        var alice = await DevTokenAsync(http, "alice", "Alice");
        var (bad, problem) = await http.PostJsonAsync("/dev/token", new { userId = " " });
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", alice);
        var (created, conversation) = await http.PostJsonAsync("/chats/conversations", new { type = "direct", participantIds = new[] { "bob" } });
        await using var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(sample.Address, "/chat"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(alice))
            .Build();
        await connection.StartAsync();
        var ack = await connection.InvokeAsync<JsonElement>("sendMessage", new { conversationId = conversation.GetProperty("id").GetString(), content = "hi" });
        var (_, page) = await http.GetJsonAsync($"/chats/conversations/{conversation.GetProperty("id").GetString()}/messages");

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty("userId", out _));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("alice", conversation.GetProperty("createdBy").GetString());
        Assert.Equal(1, ack.GetProperty("seq").GetInt64());
        Assert.Equal("Alice", page.GetProperty("items")[0].GetProperty("sender").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Production_HasNoDevTokenEndpointAndAcceptsTokensSignedWithItsSecret()
    {
        await using var sample = await StartAsync("Production", "--ChatKit:Storage=InMemory", $"--Jwt:Secret={Secret}");
        using var http = new HttpClient { BaseAddress = sample.Address };

        var (devToken, _) = await http.PostJsonAsync("/dev/token", new { userId = "alice" });
        var (anonymous, _) = await http.GetJsonAsync("/chats/conversations");
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", SampleToken("alice", Secret));
        var (signed, _) = await http.GetJsonAsync("/chats/conversations");
        var (health, status) = await http.GetJsonAsync("/healthz");

        Assert.Equal(HttpStatusCode.NotFound, devToken.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.OK, signed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("ok", status.GetProperty("status").GetString());
    }

    [Fact]
    public async Task RedisConnectionString_TurnsScaleOutOn_AndHealthzReportsRedis()
    {
        if (!RedisServer.IsInstalled)
        {
            ServiceAvailability.Missing(RedisServer.MissingMessage);
        }

        await using var redis = await RedisServer.StartAsync(TestContext.Current.CancellationToken);
        await using var sample = await StartAsync("Development", "--ChatKit:Storage=InMemory", DevTokens, $"--ConnectionStrings:Redis={redis.ConnectionString}");
        using var http = new HttpClient { BaseAddress = sample.Address };
        var alice = await DevTokenAsync(http, "alice", null);
        await using var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(sample.Address, "/chat"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(alice))
            .Build();
        await connection.StartAsync(TestContext.Current.CancellationToken);

        // The Redis presence tracker keeps its connections in Redis: wait for the key space to fill.
        var keys = ":0\r\n";
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (keys == ":0\r\n" && !deadline.IsCancellationRequested)
        {
            keys = await redis.SendCommandAsync(["DBSIZE"], TestContext.Current.CancellationToken);
        }

        var (health, status) = await http.GetJsonAsync("/healthz");

        Assert.NotEqual(":0\r\n", keys);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("ok", status.GetProperty("status").GetString());
        Assert.Equal("healthy", status.GetProperty("checks").GetProperty("chatkit-redis").GetString());
    }

    [Fact]
    public async Task JwtIssuerAndAudience_WhenSet_AreValidated()
    {
        await using var sample = await StartAsync("Development", "--ChatKit:Storage=InMemory", DevTokens, "--Jwt:Issuer=https://login.example", "--Jwt:Audience=chat");
        using var http = new HttpClient { BaseAddress = sample.Address };
        var minted = await DevTokenAsync(http, "alice", null);

        using var withoutIssuer = new HttpRequestMessage(HttpMethod.Get, "/chats/conversations");
        withoutIssuer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestAuth.Token("alice", secret: "chatkit-sample-development-secret-not-for-production"));
        using var refused = await http.SendAsync(withoutIssuer);
        using var withIssuer = new HttpRequestMessage(HttpMethod.Get, "/chats/conversations");
        withIssuer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", minted);
        using var accepted = await http.SendAsync(withIssuer);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task ChatKitOptions_AreBoundFromTheChatKitSection()
    {
        await using var sample = await StartAsync("Development", "--ChatKit:Storage=InMemory", DevTokens, "--ChatKit:SendRateLimit:PermitLimit=1", "--ChatKit:SendRateLimit:Window=01:00:00", "--ChatKit:MaxContentLength=5");
        using var http = new HttpClient { BaseAddress = sample.Address };
        var token = await DevTokenAsync(http, "alice", null);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var (_, conversation) = await http.PostJsonAsync("/chats/conversations", new { type = "direct", participantIds = new[] { "bob" } });
        var id = conversation.GetProperty("id").GetString();
        await using var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(sample.Address, "/chat"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        await connection.StartAsync();

        var tooLong = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync<JsonElement>("sendMessage", new { conversationId = id, content = "123456" }));
        await connection.InvokeAsync<JsonElement>("sendMessage", new { conversationId = id, content = "12345" });
        var limited = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync<JsonElement>("sendMessage", new { conversationId = id, content = "again" }));

        Assert.Equal("validation_failed: content has at most 5 characters", tooLong.Message);
        Assert.Equal("rate_limited: too many messages; slow down", limited.Message);
    }

    [Fact]
    public async Task SqliteStorage_KeepsMessagesAcrossRestarts()
    {
        var folder = Directory.CreateTempSubdirectory("chatkit-sample-");
        try
        {
            var connectionString = $"--ConnectionStrings:Chat=Data Source={Path.Combine(folder.FullName, "chat.db")}";
            string id;
            string token;
            await using (var first = await StartAsync("Development", "--ChatKit:Storage=Sqlite", DevTokens, connectionString))
            {
                using var http = new HttpClient { BaseAddress = first.Address };
                token = await DevTokenAsync(http, "alice", null);
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
                var (_, conversation) = await http.PostJsonAsync("/chats/conversations", new { type = "direct", participantIds = new[] { "bob" } });
                id = conversation.GetProperty("id").GetString()!;
                await using var connection = new HubConnectionBuilder()
                    .WithUrl(new Uri(first.Address, "/chat"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
                    .Build();
                await connection.StartAsync();
                await connection.InvokeAsync<JsonElement>("sendMessage", new { conversationId = id, content = "kept" });
            }

            await using var second = await StartAsync("Development", "--ChatKit:Storage=Sqlite", DevTokens, connectionString);
            using var again = new HttpClient { BaseAddress = second.Address };
            again.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var (_, page) = await again.GetJsonAsync($"/chats/conversations/{id}/messages");

            Assert.Equal("kept", page.GetProperty("items")[0].GetProperty("content").GetString());
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("Production", "--ChatKit:Storage=InMemory", "Jwt__Secret is required outside Development (an HS256 key of at least 32 bytes).")]
    [InlineData("Development", "--Jwt:Secret=short", "Jwt__Secret must be at least 32 bytes.")]
    [InlineData("Development", "--ChatKit:Storage=Cassandra", "ChatKit__Storage is 'Cassandra'; use Sqlite, Postgres, Mongo or InMemory.")]
    [InlineData("Development", "--ChatKit:Storage=Postgres", "ChatKit__Storage=Postgres needs ConnectionStrings__Chat, e.g. Host=localhost;Database=chatkit;Username=chat;Password=...")]
    [InlineData("Development", "--ChatKit:Storage=Mongo", "ChatKit__Storage=Mongo needs ConnectionStrings__Chat, e.g. mongodb://localhost:27017/chatkit")]
    public async Task Misconfiguration_StopsStartUpWithASentence(string environment, string setting, string message)
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(environment, setting));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public async Task InvalidChatKitOption_StopsStartUp()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync("Development", "--ChatKit:Storage=InMemory", "--ChatKit:TypingTimeout=00:00:00"));

        Assert.Contains("ChatKit:TypingTimeout must be between 00:00:01 and 00:05:00; it is 00:00:00.", error.Failures);
    }

    [Fact]
    public async Task Development_WithoutTheDevTokensSetting_HasNoDevTokenEndpoint()
    {
        await using var sample = await StartAsync("Development", "--ChatKit:Storage=InMemory");
        using var http = new HttpClient { BaseAddress = sample.Address };

        var (devToken, _) = await http.PostJsonAsync("/dev/token", new { userId = "alice" });

        Assert.Equal(HttpStatusCode.NotFound, devToken.StatusCode);
    }

    [Fact]
    public async Task ByDefault_IssuerAudienceAndABoundedLifetime_AreRequired()
    {
        await using var sample = await StartAsync("Development", "--ChatKit:Storage=InMemory");
        using var http = new HttpClient { BaseAddress = sample.Address };

        var anyIssuer = await StatusWithAsync(http, TestAuth.Token("alice", secret: DevelopmentSecret));
        var wrongAudience = await StatusWithAsync(http, TestAuth.Token(new Dictionary<string, object> { ["sub"] = "alice", ["iss"] = "chatkit-sample", ["aud"] = "someone-else" }, DevelopmentSecret));
        var twelveHours = await StatusWithAsync(http, SampleToken("alice", DevelopmentSecret, TimeSpan.FromHours(12)));
        var oneHour = await StatusWithAsync(http, SampleToken("alice", DevelopmentSecret, TimeSpan.FromMinutes(59)));

        Assert.Equal(HttpStatusCode.Unauthorized, anyIssuer);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongAudience);
        Assert.Equal(HttpStatusCode.Unauthorized, twelveHours);
        Assert.Equal(HttpStatusCode.OK, oneHour);
    }

    [Fact]
    public async Task ThePage_HasSecurityHeaders()
    {
        await using var sample = await StartAsync("Production", "--ChatKit:Storage=InMemory", $"--Jwt:Secret={Secret}");
        using var http = new HttpClient { BaseAddress = sample.Address };

        // Every response carries them (the page itself is served from the sample's folder: the browser tests load it
        // under this policy, so a script the policy blocked would fail them).
        using var page = await http.GetAsync("/healthz");
        using var api = await http.GetAsync("/chats/conversations");
        var csp = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(page.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("nosniff", Assert.Single(api.Headers.GetValues("X-Content-Type-Options")));
    }

    /// <summary>A token the sample accepts by default: its issuer and audience, expiring within its lifetime.</summary>
    private static string SampleToken(string userId, string secret, TimeSpan? lifetime = null) =>
        TestAuth.Token(new Dictionary<string, object> { ["sub"] = userId, ["iss"] = "chatkit-sample", ["aud"] = "chatkit-sample" }, secret, lifetime ?? TimeSpan.FromMinutes(30));

    private static async Task<HttpStatusCode> StatusWithAsync(HttpClient http, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/chats/conversations");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    private static Task<ProgramHost> StartAsync(string environment, params string[] settings) =>
        ProgramHost.StartAsync(Sample, ["--urls", "http://127.0.0.1:0", "--environment", environment, "--Logging:LogLevel:Default=None", .. settings]);

    private static async Task<string> DevTokenAsync(HttpClient http, string userId, string? name)
    {
        var (response, body) = await http.PostJsonAsync("/dev/token", new { userId, name });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return body.GetProperty("token").GetString()!;
    }
}
