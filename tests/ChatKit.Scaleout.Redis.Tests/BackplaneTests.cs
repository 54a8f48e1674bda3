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
        RequireRedis();
        var prefix = RedisFixture.UniquePrefix();
        var a = await StartNodeAsync(prefix);
        var b = await StartNodeAsync(prefix);
        var alice = await ConnectAsync(a, "alice");
        var carol = await ConnectAsync(a, "carol");
        var bob = await ConnectAsync(b, "bob");
        await carol.Connection.InvokeAsync("Join", "room", Ct);
        var carolId = await carol.Connection.InvokeAsync<string>("WhoAmI", Ct);
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
    public async Task RedisFailsPartWayThroughASendToSeveralGroups_NoLocalConnectionHearsItTwice()
    {
        RequireRedis();
        await using var cutter = RedisLinkCutter.Start(Server.Port);
        var a = await StartNodeAsync(RedisFixture.UniquePrefix(), redisAddress: cutter.ConnectionString);
        var alice = await ConnectAsync(a, "alice");
        var bob = await ConnectAsync(a, "bob");
        var carol = await ConnectAsync(a, "carol");
        await bob.Connection.InvokeAsync("Join", "first", Ct);
        await carol.Connection.InvokeAsync("Join", "poison", Ct);
        await ProbeUntilReceivedAsync(() => alice.Connection.InvokeAsync("SendToGroup", "first", "probe", Ct), bob);
        // Late probes come before this, on the same channel.
        await alice.Connection.InvokeAsync("SendToGroup", "first", "ready", Ct);
        while (await bob.NextAsync() != "ready")
        {
        }

        // Redis takes the publish to "first", then the link drops before the one to "poison".
        var cut = cutter.CutBeforeAsync("group:poison");
        await alice.Connection.InvokeAsync("SendToGroups", new[] { "first", "poison" }, "once", Ct);
        await cut.WaitAsync(Wait, Ct);

        // Once the node is back on Redis, a marker published after it reaches bob after Redis' copy of "once"; any
        // local copy was written to bob during the send, before it too.
        var redis = a.Services.GetRequiredService<RedisConnection>();
        using (var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            cts.CancelAfter(Wait);
            while (!redis.IsConnected)
            {
                await Task.Delay(20, cts.Token);
            }
        }

        await alice.Connection.InvokeAsync("SendToUser", "bob", "marker", Ct);
        var received = new List<string>();
        while (received.LastOrDefault() != "marker")
        {
            received.Add(await bob.NextAsync());
        }

        Assert.Equal(["once", "marker"], received);
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
