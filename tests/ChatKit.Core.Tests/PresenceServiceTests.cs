using ChatKit.Core.Tests.Support;
using ChatKit.Events;
using static ChatKit.Core.Tests.Support.ChatHarness;

namespace ChatKit.Core.Tests;

public sealed class PresenceServiceTests
{
    [Fact]
    public async Task Connected_TwoConnections_GoOnlineOnceAndOfflineWhenTheLastCloses()
    {
        await using var chat = new ChatHarness();
        await chat.CreateDirectAsync(Alice, Bob);
        await chat.CreateGroupAsync(Carol, Alice, Dave);

        var connectedAt = chat.Now;
        await chat.Presence.ConnectedAsync(Alice, "conn-1", Ct);
        var online = Assert.Single(chat.Events.Of<UserStatusChangedEvent>());
        await chat.Presence.ConnectedAsync(Alice, "conn-2", Ct);
        chat.Time.Advance(TimeSpan.FromMinutes(1));
        await chat.Presence.DisconnectedAsync(Alice, "conn-1", Ct);

        Assert.Equal(Alice.Id, online.UserId);
        Assert.Equal(PresenceStatus.Online, online.Status);
        Assert.Equal(connectedAt, online.Timestamp);
        Assert.Equal([Bob.Id, Carol.Id, Dave.Id], online.ContactIds.Order(StringComparer.Ordinal));
        Assert.Single(chat.Events.Of<UserStatusChangedEvent>());
        Assert.Equal(["conn-2"], await chat.Presence.GetConnectionsAsync(Alice.Id, Ct));

        await chat.Presence.DisconnectedAsync(Alice, "conn-2", Ct);

        var statuses = chat.Events.Of<UserStatusChangedEvent>();
        Assert.Equal([PresenceStatus.Online, PresenceStatus.Offline], statuses.Select(e => e.Status));
        Assert.Equal(chat.Now, statuses[1].Timestamp);
        Assert.Equal([Bob.Id, Carol.Id, Dave.Id], statuses[1].ContactIds.Order(StringComparer.Ordinal));
        Assert.Empty(await chat.Presence.GetConnectionsAsync(Alice.Id, Ct));
    }

    [Fact]
    public async Task Connected_WithoutContacts_PublishesNothing()
    {
        await using var chat = new ChatHarness();

        await chat.Presence.ConnectedAsync(Eve, "conn-1", Ct);
        await chat.Presence.DisconnectedAsync(Eve, "conn-1", Ct);

        Assert.Empty(chat.Events.Events);
    }

    [Fact]
    public async Task Disconnected_UnknownConnection_PublishesNothing()
    {
        await using var chat = new ChatHarness();
        await chat.CreateDirectAsync(Alice, Bob);
        await chat.Presence.ConnectedAsync(Alice, "conn-1", Ct);

        await chat.Presence.DisconnectedAsync(Alice, "conn-unknown", Ct);

        Assert.Single(chat.Events.Of<UserStatusChangedEvent>());
        Assert.Equal(["conn-1"], await chat.Presence.GetConnectionsAsync(Alice.Id, Ct));
    }

    [Fact]
    public async Task GetOnlineContacts_ReturnsOnlineUsersWhoShareAConversation()
    {
        await using var chat = new ChatHarness();
        await chat.CreateDirectAsync(Alice, Bob);
        await chat.CreateGroupAsync(Carol, Alice, Dave);
        await chat.Presence.ConnectedAsync(Bob, "b1", Ct);
        await chat.Presence.ConnectedAsync(Dave, "d1", Ct);
        await chat.Presence.ConnectedAsync(Dave, "d2", Ct);
        await chat.Presence.ConnectedAsync(Eve, "e1", Ct);   // online, shares nothing with Alice
        await chat.Presence.ConnectedAsync(Alice, "a1", Ct); // the caller is not her own contact
        await chat.Presence.DisconnectedAsync(Dave, "d1", Ct);

        var online = await chat.Presence.GetOnlineContactsAsync(Alice, Ct);

        Assert.Equal([Bob.Id, Dave.Id], online.Order(StringComparer.Ordinal));
        Assert.Empty(await chat.Presence.GetOnlineContactsAsync(Eve, Ct));
    }

    [Fact]
    public async Task ConnectionsExpired_PublishesOffline()
    {
        await using var chat = new ChatHarness();
        await chat.CreateDirectAsync(Alice, Bob);

        await chat.Presence.ConnectionsExpiredAsync(Alice.Id, Ct);

        var offline = Assert.Single(chat.Events.Of<UserStatusChangedEvent>());
        Assert.Equal(PresenceStatus.Offline, offline.Status);
        Assert.Equal([Bob.Id], offline.ContactIds);
    }
}
