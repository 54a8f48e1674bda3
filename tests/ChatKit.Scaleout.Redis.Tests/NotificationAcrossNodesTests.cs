using System.Text.Json;
using ChatKit.Notifications;
using ChatKit.Scaleout.Redis.Tests.Support;
using ChatKit.Testing;
using ChatKit.Testing.Notifications;
using ChatKit.Testing.Servers;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.Scaleout.Redis.Tests;

/// <summary>
/// Offline notifications with two full nodes on one real redis-server and one SQLite file: "offline" means no connection
/// on any node (Redis presence), so a user connected to the other node is not notified, and the two nodes' outbox
/// dispatchers never send one notification twice.
/// </summary>
public sealed class NotificationAcrossNodesTests : IAsyncLifetime
{
    private readonly string _prefix = RedisFixture.UniquePrefix();
    private readonly string _directory = Directory.CreateTempSubdirectory("chatkit-notify-nodes-").FullName;
    private RedisServer? _redis;
    private ChatNode? _a;
    private ChatNode? _b;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        if (!RedisServer.IsInstalled)
        {
            return;
        }

        var file = Path.Combine(_directory, "chat.db");
        _redis = await RedisServer.StartAsync();
        _a = await StartNodeAsync(file);
        _b = await StartNodeAsync(file);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in new[] { _a, _b })
        {
            if (node is not null)
            {
                await node.DisposeAsync();
            }
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A host's background work that outlived its shutdown timeout can still be using the SQLite file: a leftover
            // temp folder is harmless.
        }
    }

    [Fact]
    public async Task AUserConnectedToTheOtherNode_IsNotNotified_AndTheOfflineOneOnceWhicheverNodeSends()
    {
        if (_a is null || _b is null)
        {
            ServiceAvailability.Missing(RedisServer.MissingMessage);
            return;
        }

        await using var alice = await _a.ConnectAsync("alice", Ct);
        await using var carol = await _b.ConnectAsync("carol", Ct); // online on node B only
        var group = await alice.Connection.InvokeAsync<JsonElement>("createConversation", new { type = "group", name = "team", participantIds = new[] { "bob", "carol" } }, Ct);
        var groupId = group.GetProperty("id").GetString();

        var first = await alice.Connection.InvokeAsync<JsonElement>("sendMessage", new { conversationId = groupId, content = "one" }, Ct);
        var firstSent = await WaitForAsync(1);
        var second = await alice.Connection.InvokeAsync<JsonElement>("sendMessage", new { conversationId = groupId, content = "two" }, Ct);
        var all = await WaitForAsync(2); // a barrier: nothing else was sent for the first message

        Assert.Equal("bob", Assert.Single(firstSent).UserId);
        Assert.Equal(["bob", "bob"], all.Select(n => n.UserId));
        Assert.Equal(
            [first.GetProperty("messageId").GetString(), second.GetProperty("messageId").GetString()],
            all.Select(n => Assert.Single(n.Messages).Message.Id));
    }

    /// <summary>Waits until both nodes' channels together sent <paramref name="count"/> notifications; returns them.</summary>
    private async Task<IReadOnlyList<ChatNotification>> WaitForAsync(int count)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            var sent = new[] { _a!, _b! }.SelectMany(n => RecordingNotificationChannel.Of<RecordingNotificationChannel>(n.Services).Sent).ToList();
            if (sent.Count >= count)
            {
                return sent;
            }

            await Task.Delay(10, timeout.Token);
        }
    }

    private async Task<ChatNode> StartNodeAsync(string file) =>
        await ChatNode.StartAsync(
            _redis!.ConnectionString,
            _prefix,
            o => o.UseSqlite($"Data Source={file}"),
            host: services => services.AddChatKit()
                .AddNotificationChannel<RecordingNotificationChannel>()
                .ConfigureNotifications(n => n.BatchWindow = TimeSpan.Zero)
                .ConfigureOutbox(o => (o.PollInterval, o.RetryBaseDelay) = (TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(20))));
}
