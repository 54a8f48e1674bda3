using System.Collections.Concurrent;
using ChatKit.Scaleout.Redis.Internal;
using ChatKit.Scaleout.Redis.Tests.Support;
using ChatKit.Testing;
using ChatKit.Testing.Servers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.Scaleout.Redis.Tests;

/// <summary>
/// The backplane UseRedis installs, on two Kestrel servers sharing one redis-server, with a small test hub: delivery
/// across nodes, isolation by channel prefix, and local delivery while Redis is away.
/// </summary>
public sealed class BackplaneTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly List<IAsyncDisposable> _disposables = [];
    private RedisServer? _server;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private RedisServer Server => _server ?? throw new InvalidOperationException("not started");

    public async ValueTask InitializeAsync()
    {
        if (RedisServer.IsInstalled)
        {
            _server = await RedisServer.StartAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            for (var i = _disposables.Count - 1; i >= 0; i--)
            {
                await _disposables[i].DisposeAsync();
            }
        }
        finally
        {
            if (_server is not null)
            {
                await _server.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task SendToUser_ConnectedToTheOtherNode_IsDelivered()
    {
        RequireRedis();
        var prefix = RedisFixture.UniquePrefix();
        var a = await StartNodeAsync(prefix);
        var b = await StartNodeAsync(prefix);
        var alice = await ConnectAsync(a, "alice");
        var bob = await ConnectAsync(b, "bob");

        await alice.Connection.InvokeAsync("SendToUser", "bob", "hi bob", Ct);

        Assert.Equal("hi bob", await bob.NextAsync());
    }

    [Fact]
    public async Task ChannelPrefix_IsolatesTwoApplicationsOnOneRedis()
    {
        RequireRedis();
        var app1 = await StartNodeAsync(RedisFixture.UniquePrefix());
        var app2 = await StartNodeAsync(RedisFixture.UniquePrefix());
        var app1Bob = await ConnectAsync(app1, "bob");
        var app2Bob = await ConnectAsync(app2, "bob");
        var app2Alice = await ConnectAsync(app2, "alice");

        await app2Alice.Connection.InvokeAsync("SendToUser", "bob", "app2 only", Ct);

        Assert.Equal("app2 only", await app2Bob.NextAsync());
        // The same hub and user on app1 heard nothing: a marker sent on app1 afterwards arrives first.
        var app1Alice = await ConnectAsync(app1, "alice");
        await app1Alice.Connection.InvokeAsync("SendToUser", "bob", "app1 marker", Ct);
        Assert.Equal("app1 marker", await app1Bob.NextAsync());
    }

    [Fact]
    public async Task RedisDown_DeliveryToThisNodesConnectionsContinues()
    {
        RequireRedis();
        var prefix = RedisFixture.UniquePrefix();
        var a = await StartNodeAsync(prefix);
        var alice = await ConnectAsync(a, "alice");
        var bob = await ConnectAsync(a, "bob");
        await bob.Connection.InvokeAsync("Join", "room", Ct);

        await Server.StopAsync();
        // Once the node knows Redis is gone it delivers locally. A send racing that discovery may be written to the dying
        // link, and such a send is not delivered twice (clients recover it by seq), so the test sends after it.
        var redis = a.Services.GetRequiredService<RedisConnection>();
        using (var known = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            known.CancelAfter(Wait * 3);
            while (redis.IsConnected)
            {
                await Task.Delay(20, known.Token);
            }
        }

        await alice.Connection.InvokeAsync("SendToUser", "bob", "to the user", Ct);
        Assert.Equal("to the user", await bob.NextAsync());
        await alice.Connection.InvokeAsync("SendToGroup", "room", "to the room", Ct);
        Assert.Equal("to the room", await bob.NextAsync());
        // A connection opened during the outage, and the group it joins, work locally too.
        var carol = await ConnectAsync(a, "carol");
        await carol.Connection.InvokeAsync("Join", "room", Ct);
        await alice.Connection.InvokeAsync("SendToGroup", "room", "carol too", Ct);
        Assert.Equal("carol too", await carol.NextAsync());
    }

    [Fact]
    public async Task RedisReturns_ConnectionsAndGroupsFromTheOutage_HearTheOtherNodeAgain()
    {
        RequireRedis();
        var prefix = RedisFixture.UniquePrefix();
        var a = await StartNodeAsync(prefix);
        var b = await StartNodeAsync(prefix);
        var bob = await ConnectAsync(b, "bob");

        await Server.StopAsync();
        var carol = await ConnectAsync(a, "carol");
        await carol.Connection.InvokeAsync("Join", "room", Ct);
        await Server.RestartAsync(Ct);

        // Probe until the nodes are reconnected and node a has given carol to the backplane again.
        await ProbeUntilReceivedAsync(() => bob.Connection.InvokeAsync("SendToUser", "carol", "probe", Ct), carol);
        await ProbeUntilReceivedAsync(() => bob.Connection.InvokeAsync("SendToGroup", "room", "probe", Ct), carol);
    }

    [Fact]
    public async Task NodeStartedWhileRedisIsDown_JoinsTheBackplaneWhenRedisAppears()
    {
        RequireRedis();
        var prefix = RedisFixture.UniquePrefix();
        await Server.StopAsync();
        // A short first-connect attempt, so the test does not wait the default 5 s for it to give up.
        var a = await StartNodeAsync(prefix, ",connectTimeout=1000");
        var carol = await ConnectAsync(a, "carol");
        await carol.Connection.InvokeAsync("Join", "room", Ct);

        await Server.RestartAsync(Ct);
        var b = await StartNodeAsync(prefix);
        var bob = await ConnectAsync(b, "bob");

        await ProbeUntilReceivedAsync(() => bob.Connection.InvokeAsync("SendToUser", "carol", "probe", Ct), carol);
        await ProbeUntilReceivedAsync(() => bob.Connection.InvokeAsync("SendToGroup", "room", "probe", Ct), carol);
    }

    [Fact]
    public async Task ConnectionRemovedFromAGroupByTheOtherNode_IsRemovedForLocalDeliveryToo()
    {
        var (a, alice, carol, carolId, bob) = await AliceAndCarolOnAThenBobOnBAsync();
        await carol.Connection.InvokeAsync("Join", "room", Ct);
        var manager = (ResilientHubLifetimeManager<EchoHub>)a.Services.GetRequiredService<HubLifetimeManager<EchoHub>>();
        Assert.True(manager.IsInLocalGroup(carolId, "room"));

        await bob.Connection.InvokeAsync("Kick", carolId, "room", Ct);

        // Node a hears of it, so delivery on node a alone (while Redis is away) no longer includes carol either.
        using (var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            cts.CancelAfter(Wait);
            while (manager.IsInLocalGroup(carolId, "room"))
            {
                await Task.Delay(20, cts.Token);
            }
        }

        await Server.StopAsync();
        await alice.Connection.InvokeAsync("SendToGroup", "room", "not for carol", Ct);
        await alice.Connection.InvokeAsync("SendToUser", "carol", "marker", Ct);
        Assert.Equal("marker", await carol.NextAsync());
    }

    [Fact]
    public async Task ConnectionAddedToAGroupByTheOtherNode_HearsTheGroupFromBothNodes()
    {
        var (_, alice, carol, carolId, bob) = await AliceAndCarolOnAThenBobOnBAsync();

        await bob.Connection.InvokeAsync("Invite", carolId, "room", Ct);

        // The addition was announced before Invite returned: sends to the group after it reach carol, from either node.
        await bob.Connection.InvokeAsync("SendToGroup", "room", "from b", Ct);
        Assert.Equal("from b", await carol.NextAsync());
        await alice.Connection.InvokeAsync("SendToGroup", "room", "from a", Ct);
        Assert.Equal("from a", await carol.NextAsync());
    }

    [Fact]
    public async Task RedisLinkDropsDuringASendToSeveralGroups_EachLocalConnectionHearsItOnce()
    {
        RequireRedis();
        await using var cutter = RedisLinkCutter.Start(Server.Port);
        var prefix = RedisFixture.UniquePrefix();
        var a = await StartNodeAsync(prefix, redisAddress: cutter.ConnectionString);
        var b = await StartNodeAsync(prefix);
        var alice = await ConnectAsync(a, "alice");
        var bob = await ConnectAsync(a, "bob");
        var carol = await ConnectAsync(a, "carol");
        var dave = await ConnectAsync(b, "dave");
        await bob.Connection.InvokeAsync("Join", "first", Ct);
        await carol.Connection.InvokeAsync("Join", "poison", Ct);
        // Node a hears node b through Redis; late probes come before "ready", on the same channel.
        await ProbeUntilReceivedAsync(() => dave.Connection.InvokeAsync("SendToGroup", "first", "probe", Ct), bob);
        await dave.Connection.InvokeAsync("SendToGroup", "first", "ready", Ct);
        while (await bob.NextAsync() != "ready")
        {
        }

        // The one publish of the send (it names both groups) is where the link drops.
        var cut = cutter.CutBeforeAsync("poison");
        await alice.Connection.InvokeAsync("SendToGroups", new[] { "first", "poison" }, "once", Ct);
        await cut.WaitAsync(Wait, Ct);

        // Node b's markers reach node a through Redis after anything Redis got of "once"; the local copies were written
        // during the send, before them.
        var received = await ReceivedUntilMarkerAsync(dave, bob, "first");
        Assert.Equal(["once", "marker"], received);
        Assert.Equal(["once", "marker"], await ReceivedUntilMarkerAsync(dave, carol, "poison"));
    }

    [Fact]
    public async Task SendToSeveralGroups_IsOnePublish_AndEachConnectionOnEitherNodeHearsItOnce()
    {
        RequireRedis();
        var prefix = RedisFixture.UniquePrefix();
        var a = await StartNodeAsync(prefix);
        var b = await StartNodeAsync(prefix);
        var alice = await ConnectAsync(a, "alice");
        var bob = await ConnectAsync(a, "bob");
        var dave = await ConnectAsync(b, "dave");
        foreach (var (client, groups) in new[] { (bob, new[] { "g1", "g2" }), (dave, new[] { "g2", "g3" }) })
        {
            foreach (var group in groups)
            {
                await client.Connection.InvokeAsync("Join", group, Ct);
            }
        }

        await ProbeUntilReceivedAsync(() => alice.Connection.InvokeAsync("SendToGroup", "g3", "probe", Ct), dave);
        await ProbeUntilReceivedAsync(() => dave.Connection.InvokeAsync("SendToGroup", "g1", "probe", Ct), bob);
        await dave.Connection.InvokeAsync("SendToGroups", new[] { "g1", "g3" }, "ready", Ct);
        while (await bob.NextAsync() != "ready")
        {
        }

        while (await dave.NextAsync() != "ready")
        {
        }

        var before = await Server.CommandCallsAsync("publish", Ct);
        await alice.Connection.InvokeAsync("SendToGroups", new[] { "g1", "g2", "g3" }, "once", Ct);
        Assert.Equal(1, await Server.CommandCallsAsync("publish", Ct) - before);
        Assert.Equal(["once", "marker"], await ReceivedUntilMarkerAsync(dave, bob, "g1"));
        Assert.Equal(["once", "marker"], await ReceivedUntilMarkerAsync(alice, dave, "g3"));
    }

    /// <summary>
    /// Sends "marker" from <paramref name="sender"/> to a group of <paramref name="receiver"/> until it arrives (the
    /// nodes may still be reconnecting to Redis); returns what the receiver got until the first marker, the marker
    /// included.
    /// </summary>
    private static async Task<List<string>> ReceivedUntilMarkerAsync(Client sender, Client receiver, string group)
    {
        var received = new List<string>();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(Wait);
        while (received.LastOrDefault() != "marker")
        {
            await sender.Connection.InvokeAsync("SendToGroup", group, "marker", cts.Token);
            while (await receiver.TryNextAsync(TimeSpan.FromMilliseconds(200)) is { } message)
            {
                received.Add(message);
                if (message == "marker")
                {
                    break;
                }
            }
        }

        return received;
    }

    /// <summary>Two nodes on one prefix: alice and carol on the first, bob on the second; carol's connection id.</summary>
    private async Task<(KestrelNode A, Client Alice, Client Carol, string CarolId, Client Bob)> AliceAndCarolOnAThenBobOnBAsync()
    {
        RequireRedis();
        var prefix = RedisFixture.UniquePrefix();
        var a = await StartNodeAsync(prefix);
        var b = await StartNodeAsync(prefix);
        var alice = await ConnectAsync(a, "alice");
        var carol = await ConnectAsync(a, "carol");
        var bob = await ConnectAsync(b, "bob");
        return (a, alice, carol, await carol.Connection.InvokeAsync<string>("WhoAmI", Ct), bob);
    }

    private void RequireRedis()
    {
        if (_server is null)
        {
            ServiceAvailability.Missing(RedisServer.MissingMessage);
        }
    }

    private async Task<KestrelNode> StartNodeAsync(string prefix, string connectionOptions = "", string? redisAddress = null)
    {
        var node = await KestrelNode.StartAsync(
            services =>
            {
                services.AddSingleton<IUserIdProvider, QueryUserIdProvider>();
                services.AddChatKitCore().UseRedis((redisAddress ?? Server.ConnectionString) + connectionOptions, o =>
                {
                    PresenceNode.Fast(o);
                    o.KeyPrefix = prefix;
                    o.ChannelPrefix = prefix;
                });
                // UseRedis gives ChatKit's own hub this manager; the test hub gets the same one here.
                services.AddSingleton<HubLifetimeManager<EchoHub>, ResilientHubLifetimeManager<EchoHub>>();
            },
            app => app.MapHub<EchoHub>("/echo"));
        _disposables.Add(node);
        return node;
    }

    private async Task<Client> ConnectAsync(KestrelNode node, string user)
    {
        var connection = new HubConnectionBuilder().WithUrl(node.Url($"/echo?user={user}")).Build();
        var client = new Client(connection);
        _disposables.Add(connection);
        await connection.StartAsync(Ct);
        return client;
    }

    private static async Task ProbeUntilReceivedAsync(Func<Task> send, Client receiver)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(Wait);
        while (true)
        {
            try
            {
                await send();
            }
            catch (HubException)
            {
                // The sending node's Redis is not back yet.
            }

            if (await receiver.TryNextAsync(TimeSpan.FromMilliseconds(200)) is not null)
            {
                return;
            }

            cts.Token.ThrowIfCancellationRequested();
        }
    }

    /// <summary>A client and the messages it received, in order.</summary>
    private sealed class Client
    {
        private readonly BlockingCollection<string> _received = [];

        public Client(HubConnection connection)
        {
            Connection = connection;
            connection.On<string>("message", _received.Add);
        }

        public HubConnection Connection { get; }

        public async Task<string> NextAsync() =>
            await TryNextAsync(Wait) ?? throw new TimeoutException("no message arrived");

        public Task<string?> TryNextAsync(TimeSpan timeout) =>
            Task.Run(() => _received.TryTake(out var message, timeout) ? message : null);
    }
}

/// <summary>A hub that relays text to users and groups.</summary>
public sealed class EchoHub : Hub
{
    public string WhoAmI() => Context.ConnectionId;

    public Task Kick(string connectionId, string group) => Groups.RemoveFromGroupAsync(connectionId, group);

    public Task Invite(string connectionId, string group) => Groups.AddToGroupAsync(connectionId, group);

    public Task Join(string group) => Groups.AddToGroupAsync(Context.ConnectionId, group);

    public Task SendToUser(string user, string message) => Clients.User(user).SendAsync("message", message);

    public Task SendToGroup(string group, string message) => Clients.Group(group).SendAsync("message", message);

    public Task SendToGroups(string[] groups, string message) => Clients.Groups(groups).SendAsync("message", message);

    public Task SendToConnection(string connectionId, string message) => Clients.Client(connectionId).SendAsync("message", message);
}

/// <summary>Test identity: the user id is the <c>user</c> query parameter.</summary>
public sealed class QueryUserIdProvider : IUserIdProvider
{
    public string? GetUserId(HubConnectionContext connection) =>
        connection.GetHttpContext()?.Request.Query["user"].ToString();
}
