using ChatKit.AspNetCore.Tests.Support;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace ChatKit.AspNetCore.Tests;

/// <summary>A host whose clock is a FakeTimeProvider, so the typing timeout fires when a test advances it.</summary>
public sealed class FakeClockHost : ChatHost
{
    /// <summary>The typing timeout of this host.</summary>
    public static readonly TimeSpan TypingTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The clock ChatKit runs on.</summary>
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    /// <inheritdoc/>
    protected override void ConfigureChatKit(ChatKitOptions options) => options.TypingTimeout = TypingTimeout;

    /// <inheritdoc/>
    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);
}

/// <summary>typing and stopTyping: who hears them, the timeout, and disconnects.</summary>
/// <remarks>One clock per class: tests that advance it run one after another, and each uses its own users.</remarks>
public sealed class TypingTests(FakeClockHost host) : IClassFixture<FakeClockHost>
{
    [Fact]
    public async Task Typing_ReachesOtherParticipantsJoinedConnectionsOnly()
    {
        var (id, alice, bob) = await ConversationAsync();
        await using var aliceTyping = await host.ConnectAsync(alice, "Alice");
        await using var aliceJoined = await host.ConnectAsync(alice);
        await using var bobJoined1 = await host.ConnectAsync(bob);
        await using var bobJoined2 = await host.ConnectAsync(bob);
        await using var bobNotJoined = await host.ConnectAsync(bob);
        foreach (var connection in new[] { aliceTyping, aliceJoined, bobJoined1, bobJoined2 })
        {
            await connection.InvokeAsync("joinRoom", new { conversationId = id });
        }

        await aliceTyping.CallAsync("typing", new { conversationId = id });

        foreach (var connection in new[] { bobJoined1, bobJoined2 })
        {
            var typing = await connection.WaitForAsync("userTyping");
            Assert.Equal(alice, typing.Get("userId"));
            Assert.Equal(id, typing.Get("conversationId"));
            Assert.Equal("Alice", typing.Get("username"));
        }

        foreach (var connection in new[] { aliceTyping, aliceJoined, bobNotJoined })
        {
            var marker = await host.SyncAsync(connection);
            Assert.DoesNotContain(connection.Before(marker), e => e.Name == "userTyping");
        }
    }

    [Fact]
    public async Task Typing_Repeated_PublishesOnceAndStopTypingAlwaysPublishes()
    {
        var (id, alice, bob) = await ConversationAsync();
        await using var aliceConnection = await host.ConnectAsync(alice);
        await using var bobConnection = await host.ConnectAsync(bob);
        await bobConnection.InvokeAsync("joinRoom", new { conversationId = id });

        await aliceConnection.CallAsync("typing", new { conversationId = id });
        await aliceConnection.CallAsync("typing", new { conversationId = id });
        await aliceConnection.CallAsync("typing", new { conversationId = id });
        await aliceConnection.CallAsync("stopTyping", new { conversationId = id });
        await aliceConnection.CallAsync("stopTyping", new { conversationId = id });

        var stops = await bobConnection.WaitForCountAsync("userStoppedTyping", 2);
        Assert.All(stops, s =>
        {
            Assert.Equal(alice, s.Get("userId"));
            Assert.Equal(id, s.Get("conversationId"));
        });
        var marker = await host.SyncAsync(bobConnection);
        Assert.Single(bobConnection.Before(marker), e => e.Name == "userTyping");
        Assert.Equal(["userTyping", "userStoppedTyping", "userStoppedTyping"], bobConnection.Before(marker).Where(e => e.Name.Contains("yping", StringComparison.Ordinal)).Select(e => e.Name));
    }

    [Fact]
    public async Task Typing_QuietForTheTimeout_SendsUserStoppedTyping()
    {
        var (id, alice, bob) = await ConversationAsync();
        await using var aliceConnection = await host.ConnectAsync(alice);
        await using var bobConnection = await host.ConnectAsync(bob);
        await bobConnection.InvokeAsync("joinRoom", new { conversationId = id });
        await aliceConnection.CallAsync("typing", new { conversationId = id });
        await bobConnection.WaitForAsync("userTyping");

        // Just short of the timeout nothing happens ...
        host.Clock.Advance(FakeClockHost.TypingTimeout - TimeSpan.FromMilliseconds(1));
        var marker = await host.SyncAsync(bobConnection);
        Assert.DoesNotContain(bobConnection.Before(marker), e => e.Name == "userStoppedTyping");

        // ... and at the timeout the server sends userStoppedTyping by itself.
        host.Clock.Advance(TimeSpan.FromMilliseconds(1));
        var stopped = await bobConnection.WaitForAsync("userStoppedTyping");
        Assert.Equal(alice, stopped.Get("userId"));
        Assert.Equal(id, stopped.Get("conversationId"));
    }

    [Fact]
    public async Task Typing_RepeatedCall_ExtendsTheTimeout()
    {
        var (id, alice, bob) = await ConversationAsync();
        await using var aliceConnection = await host.ConnectAsync(alice);
        await using var bobConnection = await host.ConnectAsync(bob);
        await bobConnection.InvokeAsync("joinRoom", new { conversationId = id });
        var almost = FakeClockHost.TypingTimeout - TimeSpan.FromSeconds(1);

        await aliceConnection.CallAsync("typing", new { conversationId = id });
        host.Clock.Advance(almost);
        await aliceConnection.CallAsync("typing", new { conversationId = id });
        host.Clock.Advance(almost);

        var marker = await host.SyncAsync(bobConnection);
        Assert.DoesNotContain(bobConnection.Before(marker), e => e.Name == "userStoppedTyping");
        host.Clock.Advance(TimeSpan.FromSeconds(1));
        await bobConnection.WaitForAsync("userStoppedTyping");
        Assert.Single(bobConnection.Events, e => e.Name == "userTyping");
    }

    [Fact]
    public async Task Typing_TypistDisconnects_SendsUserStoppedTyping()
    {
        var (id, alice, bob) = await ConversationAsync();
        var aliceConnection = await host.ConnectAsync(alice);
        await using var bobConnection = await host.ConnectAsync(bob);
        await bobConnection.InvokeAsync("joinRoom", new { conversationId = id });
        await aliceConnection.CallAsync("typing", new { conversationId = id });
        await bobConnection.WaitForAsync("userTyping");

        await aliceConnection.DisposeAsync();

        var stopped = await bobConnection.WaitForAsync("userStoppedTyping");
        Assert.Equal(alice, stopped.Get("userId"));
        Assert.Equal(id, stopped.Get("conversationId"));
    }

    [Fact]
    public async Task Typing_AfterLeaveRoom_IsNotHeard()
    {
        var (id, alice, bob) = await ConversationAsync();
        await using var aliceConnection = await host.ConnectAsync(alice);
        await using var bobConnection = await host.ConnectAsync(bob);
        await bobConnection.InvokeAsync("joinRoom", new { conversationId = id });
        await bobConnection.CallAsync("leaveRoom", new { conversationId = id });

        await aliceConnection.CallAsync("typing", new { conversationId = id });
        await aliceConnection.CallAsync("stopTyping", new { conversationId = id });

        var marker = await host.SyncAsync(bobConnection);
        Assert.DoesNotContain(bobConnection.Before(marker), e => e.Name is "userTyping" or "userStoppedTyping");
    }

    [Fact]
    public async Task Typing_WithoutConversationId_FailsWithValidationFailed()
    {
        await using var connection = await host.ConnectAsync(ChatHost.NewUser("alice"));

        var typing = await Assert.ThrowsAsync<HubException>(() => connection.CallAsync("typing", new { }));
        var stop = await Assert.ThrowsAsync<HubException>(() => connection.CallAsync("stopTyping", new { conversationId = " " }));

        Assert.Equal("validation_failed: conversationId is required", typing.Message);
        Assert.Equal("validation_failed: conversationId is required", stop.Message);
    }

    private async Task<(string Id, string Alice, string Bob)> ConversationAsync()
    {
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        return (await host.DirectAsync(alice, bob), alice, bob);
    }
}
