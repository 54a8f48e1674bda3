using System.Text.Json;
using ChatKit.AspNetCore.Tests.Support;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChatKit.AspNetCore.Tests;

/// <summary>userStatusChanged, getOnlineUsers and onlineUsers.</summary>
public sealed class PresenceTests(ChatHost host) : IClassFixture<ChatHost>
{
    [Fact]
    public async Task Presence_TwoTabs_OnlineOnFirstOpenAndOfflineOnlyWhenLastCloses()
    {
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        var id = await host.DirectAsync(alice, bob);
        await using var aliceConnection = await host.ConnectAsync(alice);

        var bobTab1 = await host.ConnectAsync(bob);
        var online = await aliceConnection.WaitForAsync("userStatusChanged", e => e.GetProperty("userId").GetString() == bob);
        var bobTab2 = await host.ConnectAsync(bob);
        await bobTab2.SendAsync(id, "second tab is open");
        var afterSecondTab = await aliceConnection.WaitForAsync("newMessage");

        Assert.Equal("online", online.Get("status"));
        Assert.EndsWith("Z", online.Get("timestamp"), StringComparison.Ordinal);
        Assert.Single(aliceConnection.Before(afterSecondTab), e => e.Name == "userStatusChanged");

        // Closing one tab: the server has finished with it before the next step, so an offline would be recorded by now.
        var tab1Id = bobTab1.ConnectionId;
        await bobTab1.DisposeAsync();
        await host.Disconnects.WaitAsync(tab1Id);
        await bobTab2.SendAsync(id, "still here");
        var afterFirstClose = await aliceConnection.WaitForCountAsync("newMessage", 2);
        Assert.DoesNotContain(aliceConnection.Before(afterFirstClose[^1]), e => e.Name == "userStatusChanged" && e.Get("status") == "offline");

        await bobTab2.DisposeAsync();
        var offline = await aliceConnection.WaitForAsync("userStatusChanged", e => e.GetProperty("status").GetString() == "offline");
        Assert.Equal(bob, offline.Get("userId"));
        Assert.EndsWith("Z", offline.Get("timestamp"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UserStatusChanged_GoesOnlyToUsersWhoShareAConversation()
    {
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        var stranger = ChatHost.NewUser("stranger");
        await host.DirectAsync(alice, bob);
        await host.DirectAsync(stranger, ChatHost.NewUser("other"));
        await using var aliceConnection = await host.ConnectAsync(alice);
        await using var strangerConnection = await host.ConnectAsync(stranger);

        await using var bobConnection = await host.ConnectAsync(bob);

        await aliceConnection.WaitForAsync("userStatusChanged", e => e.GetProperty("userId").GetString() == bob);
        var marker = await host.SyncAsync(strangerConnection);
        Assert.DoesNotContain(strangerConnection.Before(marker), e => e.Name == "userStatusChanged" && e.Get("userId") == bob);
    }

    [Fact]
    public async Task GetOnlineUsers_ReturnsOnlineContactsAndSendsOnlineUsersToCallerOnly()
    {
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        var carol = ChatHost.NewUser("carol");
        var offlineContact = ChatHost.NewUser("dave");
        var stranger = ChatHost.NewUser("stranger");
        await host.DirectAsync(alice, bob);
        await host.GroupAsync(alice, carol, offlineContact);
        await using var aliceConnection = await host.ConnectAsync(alice);
        await using var bobConnection = await host.ConnectAsync(bob);
        await using var carolConnection = await host.ConnectAsync(carol);
        await using var strangerConnection = await host.ConnectAsync(stranger);

        var result = await aliceConnection.Hub.InvokeAsync<string[]>("getOnlineUsers");

        Assert.Equal(new[] { bob, carol }.Order(StringComparer.Ordinal), result.Order(StringComparer.Ordinal));
        var pushed = await aliceConnection.WaitForAsync("onlineUsers");
        Assert.Equal(JsonValueKind.Array, pushed.Payload.ValueKind);
        Assert.Equal(result.Order(StringComparer.Ordinal), pushed.Payload.EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal));
        var marker = await host.SyncAsync(bobConnection);
        Assert.DoesNotContain(bobConnection.Before(marker), e => e.Name == "onlineUsers");
    }

    [Fact]
    public async Task GetOnlineUsers_WithoutConversations_ReturnsEmptyList()
    {
        await using var loner = await host.ConnectAsync(ChatHost.NewUser("loner"));

        var result = await loner.Hub.InvokeAsync<string[]>("getOnlineUsers");

        Assert.Empty(result);
        var pushed = await loner.WaitForAsync("onlineUsers");
        Assert.Equal(0, pushed.Payload.GetArrayLength());
    }
}
