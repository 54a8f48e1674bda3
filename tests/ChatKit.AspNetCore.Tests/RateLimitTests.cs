using System.Net;
using ChatKit.AspNetCore.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.SignalR;

namespace ChatKit.AspNetCore.Tests;

/// <summary>A host with a send limit of 3 messages per user per hour.</summary>
public sealed class RateLimitedHost : ChatHost
{
    /// <summary>The request header that makes the test filter throw rate_limited inside the REST group.</summary>
    public const string TriggerHeader = "X-Test-Rate-Limit";

    /// <inheritdoc/>
    protected override void ConfigureChatKit(ChatKitOptions options)
    {
        options.SendRateLimit.PermitLimit = 3;
        options.SendRateLimit.Window = TimeSpan.FromHours(1);
    }

    /// <inheritdoc/>
    protected override void ConfigureEndpoints(IEndpointConventionBuilder chatKit) =>

        // No REST endpoint of the contract sends messages, so none meets the send limit. This filter, added through the
        // convention builder MapChatKit returns, throws the rate_limited error a host's own limit would, inside the group's
        // error handling, to prove how REST reports it.
        chatKit.AddEndpointFilter((context, next) =>
            context.HttpContext.Request.Headers.ContainsKey(TriggerHeader)
                ? throw new ChatException(ChatErrorCode.RateLimited, "too many requests; slow down", retryAfter: TimeSpan.FromSeconds(89.2))
                : next(context));
}

/// <summary>The send rate limit on the hub, and rate_limited over REST.</summary>
public sealed class RateLimitTests(RateLimitedHost host) : IClassFixture<RateLimitedHost>
{
    [Fact]
    public async Task SendMessage_OverTheLimit_FailsWithRateLimitedAndStoresNothing()
    {
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        var id = await host.DirectAsync(alice, bob);
        await using var aliceConnection = await host.ConnectAsync(alice);
        await using var bobConnection = await host.ConnectAsync(bob);
        for (var i = 0; i < 3; i++)
        {
            await aliceConnection.SendAsync(id, $"{i}");
        }

        var error = await Assert.ThrowsAsync<HubException>(() => aliceConnection.SendAsync(id, "one too many"));
        var bobStillSends = await bobConnection.SendAsync(id, "the limit is per user");

        Assert.Equal("rate_limited: too many messages; slow down", error.Message);
        Assert.Equal(4, bobStillSends.GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task SendMessage_RetriesWithSameTempId_CountTowardTheLimit()
    {
        var alice = ChatHost.NewUser("alice");
        var id = await host.DirectAsync(alice, ChatHost.NewUser("bob"));
        await using var connection = await host.ConnectAsync(alice);

        var first = await connection.SendAsync(id, "hello", "t");
        await connection.SendAsync(id, "hello", "t");
        await connection.SendAsync(id, "hello", "t");
        var retry = await Assert.ThrowsAsync<HubException>(() => connection.SendAsync(id, "hello", "t"));

        Assert.Equal(1, first.GetProperty("seq").GetInt64());
        Assert.StartsWith("rate_limited: ", retry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RestRateLimited_Returns429ProblemWithRetryAfterInWholeSeconds()
    {
        using var http = host.Http(ChatHost.NewUser("alice"));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/chats/conversations");
        request.Headers.Add(RateLimitedHost.TriggerHeader, "1");

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(90), response.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.Equal("Too many requests", problem.GetProperty("title").GetString());
        Assert.Equal("rate_limited", problem.GetProperty("code").GetString());
        Assert.Equal("too many requests; slow down", problem.GetProperty("detail").GetString());
    }
}
