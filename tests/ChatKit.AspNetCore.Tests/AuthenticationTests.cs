using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using ChatKit.AspNetCore.Tests.Support;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChatKit.AspNetCore.Tests;

/// <summary>Every hub call and endpoint needs an authenticated user; the user comes from the token's claims.</summary>
public sealed class AuthenticationTests(ChatHost host) : IClassFixture<ChatHost>
{
    public static TheoryData<string, string> Endpoints => new()
    {
        { "POST", "/chats/conversations" },
        { "GET", "/chats/conversations" },
        { "GET", "/chats/conversations/c_1" },
        { "GET", "/chats/conversations/c_1/messages" },
        { "POST", "/chats/conversations/c_1/read" },
        { "DELETE", "/chats/messages/m_1" },
        { "POST", "/chats/conversations/c_1/participants" },
        { "DELETE", "/chats/conversations/c_1/participants/bob" },
        { "POST", "/chats/conversations/c_1/leave" },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Endpoint_WithoutOrWithInvalidToken_Returns401(string method, string path)
    {
        using var anonymous = host.Http();
        using var forged = host.Http();
        forged.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestAuth.Token("alice", secret: "another-signing-key-of-at-least-32-bytes!!"));
        using var expired = host.Http();
        expired.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestAuth.Token("alice", lifetime: TimeSpan.FromMinutes(-10)));

        foreach (var client in new[] { anonymous, forged, expired })
        {
            using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
        }
    }

    [Fact]
    public async Task Endpoint_WithTokenInQueryString_IsNotAcceptedOutsideTheHub()
    {
        using var http = host.Http();

        using var response = await http.GetAsync($"/chats/conversations?access_token={TestAuth.Token("alice")}");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Negotiate_WithoutValidToken_Returns401AndWithAccessTokenQuery_Succeeds()
    {
        using var http = host.Http();

        using var anonymous = await http.PostAsync("/chat/negotiate?negotiateVersion=1", null);
        using var forged = await http.PostAsync($"/chat/negotiate?negotiateVersion=1&access_token={TestAuth.Token("alice", secret: "another-signing-key-of-at-least-32-bytes!!")}", null);
        using var ok = await http.PostAsync($"/chat/negotiate?negotiateVersion=1&access_token={TestAuth.Token("alice")}", null);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var negotiation = JsonDocument.Parse(await ok.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains(negotiation.GetProperty("availableTransports").EnumerateArray(), t => t.GetProperty("transport").GetString() == "WebSockets");
    }

    [Fact]
    public async Task HubConnection_WithoutToken_FailsToStartWith401()
    {
        await using var connection = new HubConnectionBuilder().WithUrl(new Uri(host.Address, "/chat")).Build();

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => connection.StartAsync());

        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
    }

    [Fact]
    public async Task HubConnection_WebSocketsOnlyWithAccessToken_Works()
    {
        var alice = ChatHost.NewUser("alice");
        var id = await host.DirectAsync(alice, ChatHost.NewUser("bob"));
        await using var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(host.Address, "/chat"), o =>
            {
                o.AccessTokenProvider = () => Task.FromResult<string?>(TestAuth.Token(alice));
                o.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
            })
            .Build();

        await connection.StartAsync();
        var ack = await connection.InvokeAsync<JsonElement>("sendMessage", new { conversationId = id, content = "over a bare WebSocket" });

        Assert.Equal(1, ack.GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task Token_WithoutSubButWithNameIdentifier_UsesItAsUserId()
    {
        var alice = ChatHost.NewUser("alice");
        using var http = host.Http();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Bearer", TestAuth.Token(new Dictionary<string, object> { [System.Security.Claims.ClaimTypes.NameIdentifier] = alice }));

        var (response, body) = await http.PostJsonAsync("/chats/conversations", new { type = "direct", participantIds = new[] { "bob" } });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(alice, body.GetProperty("createdBy").GetString());
    }

    [Fact]
    public async Task Token_WithoutAnyUserIdClaim_Returns401ProblemAndHubRefusesTheConnection()
    {
        var token = TestAuth.Token(new Dictionary<string, object> { ["name"] = "Nobody" });
        using var http = host.Http();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        await using var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(host.Address, "/chat"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();

        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Closed += error =>
        {
            closed.TrySetResult(error);
            return Task.CompletedTask;
        };

        var (response, problem) = await http.GetJsonAsync("/chats/conversations");
        await connection.StartAsync();
        var error = await closed.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(401, problem.GetProperty("status").GetInt32());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(error);
        Assert.Equal(
            "The server closed the connection with the following error: Connection closed with an error. HubException: unauthenticated: the connection has no authenticated user",
            error.Message);
    }
}
