using ChatKit.AspNetCore.Tests.Support;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.AspNetCore.Tests;

/// <summary>A host that turned <see cref="ChatKitServerOptions.CloseOnAuthenticationExpiration"/> off.</summary>
public sealed class NoExpiryHost : ChatHost
{
    /// <inheritdoc/>
    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddChatKit().ConfigureServer(o => o.CloseOnAuthenticationExpiration = false);
}

/// <summary>A hub connection lives no longer than the token it opened with, unless the host says otherwise.</summary>
public sealed class AuthenticationExpiryTests(ChatHost host, NoExpiryHost noExpiry) : IClassFixture<ChatHost>, IClassFixture<NoExpiryHost>
{
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Connection_WhenItsTokenExpires_IsClosedAndOthersStayOpen()
    {
        var alice = ChatHost.NewUser("alice");
        var expires = DateTimeOffset.UtcNow.AddSeconds(4);
        await using var expiring = await ConnectAsync(host, alice, expires);
        await using var lasting = await host.ConnectAsync(alice);
        var closed = ClosedAsync(expiring);

        // The expiring connection works while its token is valid ...
        await expiring.InvokeAsync("leaveRoom", new { conversationId = "c_1" });
        await closed.WaitAsync(CloseTimeout);

        // ... is closed by the server once the token's exp has passed, and a connection with a valid token is not.
        Assert.True(DateTimeOffset.UtcNow >= expires.AddSeconds(-1), "closed before the token expired");
        Assert.Equal(HubConnectionState.Disconnected, expiring.State);
        await lasting.CallAsync("leaveRoom", new { conversationId = "c_1" });
    }

    [Fact]
    public async Task Connection_WithExpiryClosingTurnedOff_OutlivesItsToken()
    {
        // The host with the option off gets the token that expires first; the default host's close (an event) proves
        // the later expiry has passed and the server's expiry scan has run since.
        var alice = ChatHost.NewUser("alice");
        var now = DateTimeOffset.UtcNow;
        await using var kept = await ConnectAsync(noExpiry, alice, now.AddSeconds(2));
        await using var probe = await ConnectAsync(host, alice, now.AddSeconds(5));
        var keptClosed = ClosedAsync(kept);

        await ClosedAsync(probe).WaitAsync(CloseTimeout);

        await kept.InvokeAsync("leaveRoom", new { conversationId = "c_1" });
        Assert.False(keptClosed.IsCompleted);
        Assert.Equal(HubConnectionState.Connected, kept.State);
    }

    private static async Task<HubConnection> ConnectAsync(ChatHost target, string userId, DateTimeOffset expires)
    {
        var token = TestAuth.Token(userId, lifetime: expires - DateTimeOffset.UtcNow);
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(target.Address, "/chat"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        await connection.StartAsync();
        return connection;
    }

    private static Task ClosedAsync(HubConnection connection)
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        return closed.Task;
    }
}
