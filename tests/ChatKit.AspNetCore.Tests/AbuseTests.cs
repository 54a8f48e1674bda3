using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ChatKit.AspNetCore.Tests.Support;
using ChatKit.Testing.Servers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.AspNetCore.Tests;

/// <summary>A host with tight limits: 2 REST reads and 2 typing calls per user per hour, 2 connections per user, a 4 KB body cap.</summary>
public sealed class TightLimitsHost : ChatHost
{
    /// <inheritdoc/>
    protected override void ConfigureChatKit(ChatKitOptions options)
    {
        options.QueryRateLimit.PermitLimit = 2;
        options.QueryRateLimit.Window = TimeSpan.FromHours(1);
        options.TypingRateLimit.PermitLimit = 2;
        options.TypingRateLimit.Window = TimeSpan.FromHours(1);
        options.MaxConnectionsPerUser = 2;
    }

    /// <inheritdoc/>
    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddChatKit().ConfigureServer(server => server.MaxRequestBodySize = 4 * 1024);
}

/// <summary>Issue 12 §2 and §4 through a real host: limits answered with documented codes, text checked on real stores.</summary>
public sealed class AbuseTests(TightLimitsHost host, PostgresServerFixture postgres) : IClassFixture<TightLimitsHost>, IClassFixture<PostgresServerFixture>
{
    [Fact]
    public async Task RestReads_BeyondTheirLimit_Are429WithRetryAfter()
    {
        var alice = ChatHost.NewUser("alice");
        using var http = host.Http(alice);

        using var first = await http.GetAsync("/chats/conversations");
        using var second = await http.GetAsync("/chats/conversations");
        using var third = await http.GetAsync("/chats/conversations");
        using var otherUser = await host.Http(ChatHost.NewUser("bob")).GetAsync("/chats/conversations");
        var problem = JsonDocument.Parse(await third.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Equal("rate_limited", problem.GetProperty("code").GetString());
        Assert.True(third.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"Retry-After is {third.Headers.RetryAfter}");
        Assert.Equal(HttpStatusCode.OK, otherUser.StatusCode);
    }

    [Fact]
    public async Task Typing_BeyondItsLimit_IsRateLimitedAndTheConnectionStaysOpen()
    {
        var alice = ChatHost.NewUser("alice");
        var id = await host.DirectAsync(alice, ChatHost.NewUser("bob"));
        await using var connection = await host.ConnectAsync(alice);

        await connection.CallAsync("typing", new { conversationId = id });
        await connection.CallAsync("stopTyping", new { conversationId = id });
        var error = await Assert.ThrowsAsync<HubException>(() => connection.CallAsync("typing", new { conversationId = id }));
        var ack = await connection.SendAsync(id, "still here");

        Assert.StartsWith("rate_limited: ", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, ack.GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task Connections_BeyondMaxConnectionsPerUser_AreClosedWithRateLimited()
    {
        var alice = ChatHost.NewUser("alice");
        await using var first = await host.ConnectAsync(alice);
        await using var second = await host.ConnectAsync(alice);
        await using var third = new ChatConnection(host, alice);
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        third.Hub.Closed += error =>
        {
            closed.TrySetResult(error);
            return Task.CompletedTask;
        };

        // The handshake completes before OnConnectedAsync refuses the connection, so the refusal arrives as its close.
        try
        {
            await third.StartAsync();
        }
        catch (Exception ex) when (ex is HubException or InvalidOperationException or HttpRequestException)
        {
            closed.TrySetResult(ex);
        }

        var reason = await closed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await using var otherUser = await host.ConnectAsync(ChatHost.NewUser("bob"));

        Assert.Contains("rate_limited: too many open connections", reason?.Message, StringComparison.Ordinal);
        Assert.Equal(HubConnectionState.Connected, second.Hub.State);
        Assert.Equal(HubConnectionState.Connected, otherUser.Hub.State);
    }

    [Fact]
    public async Task RestBody_OverTheCap_Is413_WithOrWithoutContentLength()
    {
        var alice = ChatHost.NewUser("alice");
        using var http = host.Http(alice);
        var big = "{\"type\":\"group\",\"name\":\"" + new string('n', 5_000) + "\",\"participantIds\":[\"bob\"]}";

        using var declared = await http.PostAsync("/chats/conversations", new StringContent(big, Encoding.UTF8, "application/json"));
        using var chunkedContent = new StreamContent(new UnknownLengthStream(Encoding.UTF8.GetBytes(big)));
        chunkedContent.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var chunked = await http.PostAsync("/chats/conversations", chunkedContent);
        using var small = await http.PostAsJsonAsync("/chats/conversations", new { type = "direct", participantIds = new[] { ChatHost.NewUser("bob") } });

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, chunked.StatusCode);
        Assert.Equal("validation_failed", JsonDocument.Parse(await chunked.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.Created, small.StatusCode);
    }

    [Fact]
    public async Task RestBodyCap_AppliesToChatKitsRoutesOnly()
    {
        // The host's own endpoint next to ChatKit reads a body ten times ChatKit's cap: the server's limits are untouched.
        var builder = ChatHost.CreateBuilder();
        builder.Services.AddChatKit().ConfigureServer(server => server.MaxRequestBodySize = 4 * 1024);
        await using var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapChatKit();
        app.MapPost("/upload", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            return Results.Ok((await reader.ReadToEndAsync()).Length);
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        using var http = new HttpClient { BaseAddress = ChatHost.AddressOf(app.Services) };

        using var upload = await http.PostAsync("/upload", new StringContent(new string('x', 40 * 1024)));

        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        Assert.Equal((40 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture), await upload.Content.ReadAsStringAsync());
        await app.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public Task NulAndUnpairedSurrogates_OnSqlite_AreValidationFailedNever500() => TextOnStoreAsync("Sqlite");

    [Fact]
    public Task NulAndUnpairedSurrogates_OnPostgres_AreValidationFailedNever500() => TextOnStoreAsync("Postgres");

    private async Task TextOnStoreAsync(string store)
    {
        var folder = Directory.CreateTempSubdirectory("chatkit-text-");
        var connectionString = store == "Sqlite"
            ? $"Data Source={Path.Combine(folder.FullName, "chat.db")};Pooling=False"
            : PostgresServerFixture.ConnectionString(await postgres.GetServerAsync(), PostgresServerFixture.NewDatabaseName());
        await using var storeHost = await StoreHost.StartAsync(store, connectionString, _ => { });
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        using var http = storeHost.Http(alice);

        async Task<(int Status, string? Code)> PostAsync(string path, string json)
        {
            using var response = await http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
            var text = await response.Content.ReadAsStringAsync();
            return ((int)response.StatusCode, text.Length > 0 && JsonDocument.Parse(text).RootElement.TryGetProperty("code", out var code) ? code.GetString() : null);
        }

        var nulParticipant = await PostAsync("/chats/conversations", $"{{\"type\":\"direct\",\"participantIds\":[\"{bob}\\u0000\"]}}");
        var surrogateParticipant = await PostAsync("/chats/conversations", "{\"type\":\"direct\",\"participantIds\":[\"b\\ud800\"]}");
        var surrogateName = await PostAsync("/chats/conversations", $"{{\"type\":\"group\",\"name\":\"T\\udc00\",\"participantIds\":[\"{bob}\"]}}");
        var nulName = await PostAsync("/chats/conversations", $"{{\"type\":\"group\",\"name\":\"Te\\u0000am\",\"participantIds\":[\"{bob}\"]}}");
        var group = await storeHost.CreateConversationAsync(alice, "group", [bob], "Team");
        var groupId = group.GetProperty("id").GetString()!;
        var nulAdd = await PostAsync($"/chats/conversations/{groupId}/participants", "{\"userIds\":[\"x\\u0000\"]}");
        using var nulPath = await http.GetAsync("/chats/conversations/c%00x/messages");
        using var nulCursor = await http.GetAsync("/chats/conversations?cursor=" + Uri.EscapeDataString(Convert.ToBase64String(Encoding.UTF8.GetBytes("1.c\0x"))));
        using var nulUser = await storeHost.Http("nul\u0000user").GetAsync("/chats/conversations");
        await using var connection = await storeHost.ConnectAsync(alice, "Al\u0000ice" + new string('e', 2_000));
        var nulContent = await connection.SendAsync(groupId, "hi\u0000 there");
        var nulTempId = await Assert.ThrowsAsync<HubException>(() => connection.SendAsync(groupId, "x", "t\u0000"));
        var (_, page) = await http.GetJsonAsync($"/chats/conversations/{groupId}/messages");
        var stored = page.GetProperty("items")[0];

        Assert.Equal((400, "validation_failed"), nulParticipant);
        Assert.Equal(400, surrogateParticipant.Status);
        Assert.Equal(400, surrogateName.Status);
        Assert.Equal((201, null), nulName);
        Assert.Equal((400, "validation_failed"), nulAdd);
        Assert.Equal(HttpStatusCode.BadRequest, nulPath.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, nulCursor.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, nulUser.StatusCode);
        Assert.Equal(1, nulContent.GetProperty("seq").GetInt64());
        Assert.StartsWith("validation_failed: ", nulTempId.Message, StringComparison.Ordinal);
        Assert.Equal("hi there", stored.GetProperty("content").GetString());
        Assert.Equal("Alice" + new string('e', 95), stored.GetProperty("sender").GetProperty("name").GetString());
    }
}
