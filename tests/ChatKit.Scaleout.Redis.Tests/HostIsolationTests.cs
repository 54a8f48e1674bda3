using System.Collections.Concurrent;
using System.Text.Json;
using ChatKit.Scaleout.Redis.Tests.Support;
using ChatKit.Testing;
using ChatKit.Testing.Servers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatKit.Scaleout.Redis.Tests;

/// <summary>
/// ChatKit with <c>UseRedis()</c> inside a host that has a hub of its own, on two real Kestrel nodes sharing one
/// redis-server and one SQLite file: the host's hub keeps its own lifetime manager (its own Redis backplane and channel
/// prefix, or SignalR's default one) exactly as without ChatKit, and ChatKit still scales out across the nodes.
/// </summary>
public sealed class HostIsolationTests : ClusterTest
{
    private readonly string _hostPrefix = "host" + RedisFixture.UniquePrefix();

    [Fact]
    public async Task HostHubOnItsOwnRedisBackplane_KeepsItsManagerAndPrefix_AndChatKitStillScalesOut()
    {
        RequireRedis();
        void HostBackplane(IServiceCollection services) =>
            services.AddSignalR().AddStackExchangeRedis(Redis.ConnectionString, o => o.Configuration.ChannelPrefix = RedisChannel.Literal(_hostPrefix));
        var a = await StartNodeAsync(HostBackplane);
        var b = await StartNodeAsync(HostBackplane);

        // The host's registrations are intact: its hub has its own manager, its RedisOptions are its own.
        Assert.IsType<RedisHubLifetimeManager<HostHub>>(a.Services.GetRequiredService<HubLifetimeManager<HostHub>>());
        var hostOptions = a.Services.GetRequiredService<IOptions<RedisOptions>>().Value;
        Assert.Equal(_hostPrefix, hostOptions.Configuration.ChannelPrefix.ToString());
        Assert.Null(hostOptions.ConnectionFactory);

        // Every channel published on in Redis, whoever publishes.
        var watcher = Track(await ConnectionMultiplexer.ConnectAsync(Redis.ConnectionString));
        var channels = new ConcurrentQueue<string>();
        await watcher.GetSubscriber().SubscribeAsync(RedisChannel.Pattern("*"), (channel, _) => channels.Enqueue(channel.ToString()));

        // The host's hub, across its two nodes, through its own backplane and prefix.
        var x = await ConnectHostAsync(a);
        var y = await ConnectHostAsync(b);
        await y.Connection.InvokeAsync("Join", "lobby", Ct);
        await x.Connection.InvokeAsync("Say", "lobby", "hello", Ct);
        Assert.Equal("hello", await y.NextAsync());

        // ChatKit, across the same two nodes, through its own.
        var alice = await ConnectAsync(a, "alice");
        var bob = await ConnectAsync(b, "bob");
        var conversation = await alice.Connection.InvokeAsync<JsonElement>("createConversation", new { type = "direct", participantIds = new[] { "bob" } }, Ct);
        var conversationId = conversation.GetProperty("id").GetString();
        var ack = await alice.Connection.InvokeAsync<JsonElement>("sendMessage", new { conversationId, content = "hi bob", tempId = "t1" }, Ct);
        var messageId = ack.GetProperty("messageId").GetString();
        await bob.WaitForAsync("newMessage", m => m.GetProperty("message").GetProperty("id").GetString() == messageId);

        await WaitUntilAsync(() => channels.Any(c => c.StartsWith(_hostPrefix, StringComparison.Ordinal) && c.Contains(nameof(HostHub), StringComparison.Ordinal)));
        await WaitUntilAsync(() => channels.Any(c => c.StartsWith(Prefix, StringComparison.Ordinal) && c.Contains("ChatHub", StringComparison.Ordinal)));
        Assert.DoesNotContain(channels, c => c.Contains(nameof(HostHub), StringComparison.Ordinal) && !c.StartsWith(_hostPrefix, StringComparison.Ordinal));
        Assert.DoesNotContain(channels, c => c.Contains("ChatHub", StringComparison.Ordinal) && !c.StartsWith(Prefix, StringComparison.Ordinal));
    }

    [Fact]
    public async Task HostHubOnTheDefaultManager_StaysLocal_EvenWhileChatKitsRedisIsDown()
    {
        RequireRedis();
        var a = await StartNodeAsync(_ => { });
        Assert.IsType<DefaultHubLifetimeManager<HostHub>>(a.Services.GetRequiredService<HubLifetimeManager<HostHub>>());
        var x = await ConnectHostAsync(a);
        var y = await ConnectHostAsync(a);
        await y.Connection.InvokeAsync("Join", "lobby", Ct);

        await Redis.StopAsync();

        // Nothing of the host's hub goes near Redis: it works as it always did.
        await x.Connection.InvokeAsync("Say", "lobby", "still here", Ct);
        Assert.Equal("still here", await y.NextAsync());
        var z = await ConnectHostAsync(a);
        await z.Connection.InvokeAsync("Join", "lobby", Ct);
        await x.Connection.InvokeAsync("Say", "lobby", "and you", Ct);
        Assert.Equal("and you", await z.NextAsync());
    }

    private Task<ChatNode> StartNodeAsync(Action<IServiceCollection> host) =>
        StartNodeAsync(
            host: services =>
            {
                services.AddSignalR();
                host(services);
            },
            map: app => app.MapHub<HostHub>("/host"));

    private async Task<HostClient> ConnectHostAsync(ChatNode node)
    {
        var client = new HostClient(Track(new HubConnectionBuilder().WithUrl(new Uri(node.Address, "/host")).Build()));
        await client.Connection.StartAsync(Ct);
        return client;
    }

    private sealed class HostClient
    {
        private readonly BlockingCollection<string> _received = [];

        public HostClient(HubConnection connection)
        {
            Connection = connection;
            connection.On<string>("hostMessage", _received.Add);
        }

        public HubConnection Connection { get; }

        public Task<string> NextAsync() =>
            Task.Run(() => _received.TryTake(out var message, Wait) ? message : throw new TimeoutException("no message arrived"));
    }
}

/// <summary>The host's own hub, unrelated to ChatKit.</summary>
public sealed class HostHub : Hub
{
    public Task Join(string group) => Groups.AddToGroupAsync(Context.ConnectionId, group);

    public Task Say(string group, string text) => Clients.Group(group).SendAsync("hostMessage", text);
}
