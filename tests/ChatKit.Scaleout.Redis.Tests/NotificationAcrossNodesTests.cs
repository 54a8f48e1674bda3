using System.Text.Json;
using ChatKit.Notifications;
using ChatKit.Scaleout.Redis.Tests.Support;
using ChatKit.Testing.Notifications;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.Scaleout.Redis.Tests;

/// <summary>
/// Offline notifications with two full nodes on one real redis-server and one SQLite file: "offline" means no connection
/// on any node (Redis presence), so a user connected to the other node is not notified, and the two nodes' outbox
/// dispatchers never send one notification twice.
/// </summary>
public sealed class NotificationAcrossNodesTests : ClusterTest
{
    [Fact]
    public async Task AUserConnectedToTheOtherNode_IsNotNotified_AndTheOfflineOneOnceWhicheverNodeSends()
    {
        RequireRedis();
        var a = await StartNotifyingNodeAsync();
        var b = await StartNotifyingNodeAsync();

        await using var alice = await a.ConnectAsync("alice", Ct);
        await using var carol = await b.ConnectAsync("carol", Ct); // online on node B only
        var group = await alice.Connection.InvokeAsync<JsonElement>("createConversation", new { type = "group", name = "team", participantIds = new[] { "bob", "carol" } }, Ct);
        var groupId = group.GetProperty("id").GetString();

        var first = await alice.Connection.InvokeAsync<JsonElement>("sendMessage", new { conversationId = groupId, content = "one" }, Ct);
        var firstSent = await WaitForAsync(a, b, 1);
        var second = await alice.Connection.InvokeAsync<JsonElement>("sendMessage", new { conversationId = groupId, content = "two" }, Ct);
        var all = await WaitForAsync(a, b, 2); // a barrier: nothing else was sent for the first message

        Assert.Equal("bob", Assert.Single(firstSent).UserId);
        Assert.Equal(["bob", "bob"], all.Select(n => n.UserId));
        Assert.Equal(
            [first.GetProperty("messageId").GetString(), second.GetProperty("messageId").GetString()],
            all.Select(n => Assert.Single(n.Messages).Message.Id));
    }

    /// <summary>Waits until both nodes' channels together sent <paramref name="count"/> notifications; returns them.</summary>
    private static async Task<IReadOnlyList<ChatNotification>> WaitForAsync(ChatNode a, ChatNode b, int count)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            var sent = new[] { a, b }.SelectMany(n => RecordingNotificationChannel.Of<RecordingNotificationChannel>(n.Services).Sent).ToList();
            if (sent.Count >= count)
            {
                return sent;
            }

            await Task.Delay(10, timeout.Token);
        }
    }

    /// <summary>A node on this test's Redis and SQLite file whose offline notifications go to a recording channel at once.</summary>
    private Task<ChatNode> StartNotifyingNodeAsync() =>
        StartNodeAsync(host: services => services.AddChatKit()
            .AddNotificationChannel<RecordingNotificationChannel>()
            .ConfigureNotifications(n => n.BatchWindow = TimeSpan.Zero)
            .ConfigureOutbox(o => (o.PollInterval, o.RetryBaseDelay) = (TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(20))));
}
