using System.Diagnostics;
using System.Net;
using System.Text.Json;
using ChatKit.Scaleout.Redis.Tests.Support;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChatKit.Scaleout.Redis.Tests;

/// <summary>
/// A member removed from a group hears nothing more of it, on every node: two full ChatKit hosts over one real
/// redis-server and one SQLite file; bob (several connections, each joined to the group's room) on node B, alice (the
/// owner, who removes him) on node A, carol on both nodes and dave on B as the members who stay. The events the staying
/// members receive are the signal that delivery happened; then bob's connections must have received none of them.
/// </summary>
public sealed class RemovalAcrossNodesTests : ClusterTest
{
    private const int BobConnections = 3;

    [Fact]
    public async Task RemovedMember_OnTheOtherNode_ReceivesNoTypingAndNoMessageOfTheConversation()
    {
        RequireRedis();
        var group = await StartGroupAsync();

        await RemoveBobAsync(group);
        var bobBefore = group.BobCounts();

        await RoundAsync(group, "after the removal");
        await RoundAsync(group, "and again");

        group.AssertBobGotNothingSince(bobBefore);
    }

    /// <summary>
    /// Node B cannot reach Redis when alice removes bob on node A, either because redis-server is down for every node
    /// (<paramref name="onlyNodeB"/> false) or because node B's link alone is cut while node A goes on through Redis.
    /// Nothing of the removal (the participantRemoved event, the taking of bob's connections out of his room group) can
    /// reach node B, and bob's connections on it stay open, still in that group.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RemovedMember_OnANodeCutOffFromRedisAtTheRemoval_ReceivesNothingOnceRedisReturns(bool onlyNodeB)
    {
        RequireRedis();
        var link = onlyNodeB ? Track(RedisLinkCutter.Start(Redis.Port)) : null;
        var group = await StartGroupAsync(link);

        if (link is null)
        {
            await Redis.StopAsync();
        }
        else
        {
            link.Block();
        }

        var clock = Stopwatch.StartNew();
        await RemoveBobAsync(group);
        var removal = clock.Elapsed;
        var bobBefore = group.BobCounts();
        // Node A goes on meanwhile: carol's message there reaches alice.
        var during = await SendAsync(group.CarolA, group.ConversationId, "while node B is cut off");
        await group.Alice.WaitForAsync("newMessage", m => MessageId(m) == during, Wait);

        if (link is null)
        {
            await Redis.RestartAsync(Ct);
        }
        else
        {
            link.Restore();
        }

        clock.Restart();
        await WaitForClusterAsync(group);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{(onlyNodeB ? "node B's link cut" : "redis-server stopped")}: removal acknowledged in {removal.TotalMilliseconds:0} ms; both nodes delivering to each other {clock.Elapsed.TotalMilliseconds:0} ms after Redis returned");

        // Everything of the conversation after Redis returned reaches the members who stay, typing included, on both nodes.
        await RoundAsync(group, "after Redis returned");
        await RoundAsync(group, "and again");

        group.AssertBobGotNothingSince(bobBefore);
        Assert.All(group.Bob, c => Assert.Equal(HubConnectionState.Connected, c.Connection.State));
        // Nor can he join its room again from the node that missed the removal.
        foreach (var connection in group.Bob)
        {
            var refused = await Assert.ThrowsAsync<HubException>(() =>
                connection.Connection.InvokeAsync<JsonElement>("joinRoom", new { conversationId = group.ConversationId }, Ct));
            Assert.StartsWith("not_found", refused.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// alice and carol on A; bob (<see cref="BobConnections"/> connections), carol and dave on B; one group, its room
    /// joined by every connection; bob shown to receive its typing and messages on each connection while a member.
    /// </summary>
    /// <param name="link">The relay node B reaches Redis through, or <see langword="null"/> for a direct connection.</param>
    private async Task<Group> StartGroupAsync(RedisLinkCutter? link = null)
    {
        var a = await StartNodeAsync();
        var b = link is null ? await StartNodeAsync() : await StartNodeThroughAsync(link.ConnectionString);
        var alice = await ConnectAsync(a, "alice");
        var carolA = await ConnectAsync(a, "carol");
        var carolB = await ConnectAsync(b, "carol");
        var dave = await ConnectAsync(b, "dave");
        var bob = new List<ChatClient>();
        for (var i = 0; i < BobConnections; i++)
        {
            bob.Add(await ConnectAsync(b, "bob"));
        }

        var created = await alice.Connection.InvokeAsync<JsonElement>(
            "createConversation", new { type = "group", name = "removal", participantIds = new[] { "bob", "carol", "dave" } }, Ct);
        var group = new Group(a, b, alice, carolA, carolB, dave, bob, created.GetProperty("id").GetString()!);
        foreach (var connection in group.All)
        {
            await connection.Connection.InvokeAsync<JsonElement>("joinRoom", new { conversationId = group.ConversationId }, Ct);
        }

        // While a member, bob hears the group's typing and messages on every connection: what the tests look for is there.
        await carolA.Connection.InvokeAsync("typing", new { conversationId = group.ConversationId }, Ct);
        var before = await SendAsync(carolA, group.ConversationId, "before the removal");
        foreach (var connection in bob)
        {
            await connection.WaitForAsync("userTyping", m => Of(m, group.ConversationId), Wait);
            await connection.WaitForAsync("newMessage", m => MessageId(m) == before, Wait);
        }

        await carolA.Connection.InvokeAsync("stopTyping", new { conversationId = group.ConversationId }, Ct);
        foreach (var connection in bob)
        {
            await connection.WaitForAsync("userStoppedTyping", m => Of(m, group.ConversationId), Wait);
        }

        return group;
    }

    private static async Task RemoveBobAsync(Group group)
    {
        using var http = group.A.Http("alice");
        using var removed = await http.DeleteAsync(new Uri($"/chats/conversations/{group.ConversationId}/participants/bob", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
    }

    /// <summary>
    /// carol types, stops and sends on node A and on node B; returns once every staying member's connection received
    /// each of those events (the typist's own connections excepted for typing).
    /// </summary>
    private static async Task RoundAsync(Group group, string text)
    {
        var id = group.ConversationId;
        var typingWatchers = new[] { group.Alice, group.Dave };
        var typing = typingWatchers.Select(w => w.Count("userTyping", m => Of(m, id))).ToArray();
        var stopped = typingWatchers.Select(w => w.Count("userStoppedTyping", m => Of(m, id))).ToArray();

        foreach (var carol in new[] { group.CarolA, group.CarolB })
        {
            await carol.Connection.InvokeAsync("typing", new { conversationId = id }, Ct);
            await carol.Connection.InvokeAsync("stopTyping", new { conversationId = id }, Ct);
        }

        var fromA = await SendAsync(group.CarolA, id, $"{text} (node A)");
        var fromB = await SendAsync(group.CarolB, id, $"{text} (node B)");

        // carol typed once on each node: alice and dave each see two starts and two stops.
        for (var i = 0; i < typingWatchers.Length; i++)
        {
            var watcher = typingWatchers[i];
            var (typed, stop) = (typing[i] + 2, stopped[i] + 2);
            await WaitUntilAsync(() => watcher.Count("userTyping", m => Of(m, id)) >= typed && watcher.Count("userStoppedTyping", m => Of(m, id)) >= stop);
        }

        foreach (var member in group.Staying)
        {
            await member.WaitForAsync("newMessage", m => MessageId(m) == fromA, Wait);
            await member.WaitForAsync("newMessage", m => MessageId(m) == fromB, Wait);
        }
    }

    /// <summary>
    /// Waits until both nodes deliver to each other again through the restarted Redis: probes with messages from node
    /// B to alice on node A and from node A to dave on node B until one arrives each way.
    /// </summary>
    private static async Task WaitForClusterAsync(Group group)
    {
        foreach (var (sender, reader) in new[] { (group.CarolB, group.Alice), (group.CarolA, group.Dave) })
        {
            await WaitUntilAsync(async () =>
            {
                var probe = await SendAsync(sender, group.ConversationId, "probe");
                try
                {
                    await reader.WaitForAsync("newMessage", m => MessageId(m) == probe, TimeSpan.FromSeconds(1));
                    return true;
                }
                catch (TimeoutException)
                {
                    return false;
                }
            });
        }
    }

    private static async Task<string> SendAsync(ChatClient sender, string conversationId, string content)
    {
        var ack = await sender.Connection.InvokeAsync<JsonElement>("sendMessage", new { conversationId, content, tempId = Guid.NewGuid().ToString("N") }, Ct);
        return ack.GetProperty("messageId").GetString()!;
    }

    private static bool Of(JsonElement payload, string conversationId) => payload.GetProperty("conversationId").GetString() == conversationId;

    private static string? MessageId(JsonElement payload) => payload.GetProperty("message").GetProperty("id").GetString();

    private sealed record Group(ChatNode A, ChatNode B, ChatClient Alice, ChatClient CarolA, ChatClient CarolB, ChatClient Dave, List<ChatClient> Bob, string ConversationId)
    {
        private static readonly string[] Heard = ["userTyping", "userStoppedTyping", "newMessage"];

        public IEnumerable<ChatClient> Staying => [Alice, CarolA, CarolB, Dave];

        public IEnumerable<ChatClient> All => Staying.Concat(Bob);

        /// <summary>How many typing and message events of the group each of bob's connections received so far.</summary>
        public int[][] BobCounts() => [.. Bob.Select(c => Heard.Select(name => c.Count(name, m => Of(m, ConversationId))).ToArray())];

        public void AssertBobGotNothingSince(int[][] before)
        {
            var now = BobCounts();
            for (var i = 0; i < Bob.Count; i++)
            {
                for (var e = 0; e < Heard.Length; e++)
                {
                    Assert.True(now[i][e] == before[i][e], $"bob's connection {i} received {now[i][e] - before[i][e]} {Heard[e]} of the group after his removal");
                }
            }
        }
    }
}
