using System.Text.Json;
using ChatKit.Scaleout.Redis.Tests.Support;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChatKit.Scaleout.Redis.Tests;

/// <summary>
/// A message to a room spread over several full ChatKit hosts (one real redis-server, one SQLite file): every member's
/// connection, on whichever node, hears it exactly once, and Redis is asked to PUBLISH once per message however many
/// members the room has (counted by redis-server itself, <c>INFO commandstats</c>).
/// </summary>
public sealed class FanOutTests : ClusterTest
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task MessagesToARoomSpanningTheNodes_ReachEveryMemberConnectionExactlyOnce_WithOnePublishEach(int nodeCount)
    {
        var (connections, senders, conversationId) = await RoomOverNodesAsync(nodeCount);

        var publishesBefore = await Redis.CommandCallsAsync("publish", Ct);
        const int perSender = 4;
        var sent = new List<string>();
        for (var round = 0; round < perSender; round++)
        {
            foreach (var sender in senders)
            {
                var ack = await sender.Connection.InvokeAsync<JsonElement>("sendMessage", new { conversationId, content = $"{sender.UserId} {round}", tempId = Guid.NewGuid().ToString("N") }, Ct);
                sent.Add(ack.GetProperty("messageId").GetString()!);
            }
        }

        // A last message from every node, after all the others: once every node's arrived everywhere, Redis has run every
        // publish, and any second copy of an earlier message has arrived (a node receives in the order Redis took them).
        var markers = new List<string>();
        foreach (var sender in senders)
        {
            var ack = await sender.Connection.InvokeAsync<JsonElement>("sendMessage", new { conversationId, content = "marker", tempId = Guid.NewGuid().ToString("N") }, Ct);
            markers.Add(ack.GetProperty("messageId").GetString()!);
        }

        foreach (var connection in connections)
        {
            foreach (var marker in markers)
            {
                await connection.WaitForAsync("newMessage", m => m.GetProperty("message").GetProperty("id").GetString() == marker, Wait);
            }
        }

        Assert.Equal(sent.Count + markers.Count, await Redis.CommandCallsAsync("publish", Ct) - publishesBefore);
        foreach (var connection in connections)
        {
            var received = connection.All("newMessage").Select(m => m.GetProperty("message").GetProperty("id").GetString()!).ToList();
            Assert.All(sent.Concat(markers), id => Assert.Equal(1, received.Count(r => r == id)));
            Assert.Equal(sent.Count + markers.Count, received.Count);
        }
    }

    [Fact]
    public async Task TypingInARoomSpanningThreeNodes_IsOnePublish_AndReachesEveryOtherMemberConnectionOnce()
    {
        // A long typing timeout: no userStoppedTyping may be published while the test counts.
        var (connections, senders, conversationId) = await RoomOverNodesAsync(3, o => o.TypingTimeout = TimeSpan.FromMinutes(5));
        foreach (var connection in connections)
        {
            await connection.Connection.InvokeAsync<JsonElement>("joinRoom", new { conversationId }, Ct);
        }

        var typist = senders[2];
        var publishesBefore = await Redis.CommandCallsAsync("publish", Ct);
        await typist.Connection.InvokeAsync("typing", new { conversationId }, Ct);
        var others = connections.Where(c => c.UserId != typist.UserId).ToList();
        foreach (var connection in others)
        {
            await connection.WaitForAsync("userTyping", t => t.GetProperty("userId").GetString() == typist.UserId, Wait);
        }

        Assert.Equal(1, await Redis.CommandCallsAsync("publish", Ct) - publishesBefore);
        Assert.All(others, c => Assert.Equal(1, c.Count("userTyping")));
        Assert.All(connections.Where(c => c.UserId == typist.UserId), c => Assert.Equal(0, c.Count("userTyping")));
    }

    /// <summary>
    /// Starts the nodes and a group of six members spread over them (alice and dave with a second connection on another
    /// node), created by alice and known to every connection; returns the connections, one per node to send from (the
    /// first connection on each), and the conversation.
    /// </summary>
    private async Task<(List<ChatClient> Connections, ChatClient[] Senders, string ConversationId)> RoomOverNodesAsync(int nodeCount, Action<ChatKitOptions>? chat = null)
    {
        RequireRedis();
        var nodes = new List<ChatNode>();
        for (var i = 0; i < nodeCount; i++)
        {
            nodes.Add(await StartNodeAsync(chat: chat));
        }

        var users = new[] { "alice", "bob", "carol", "dave", "erin", "frank" };
        var connections = new List<ChatClient>();
        for (var i = 0; i < users.Length; i++)
        {
            connections.Add(await ConnectAsync(nodes[i % nodeCount], users[i]));
        }

        connections.Add(await ConnectAsync(nodes[1], "alice"));
        connections.Add(await ConnectAsync(nodes[nodeCount - 1], "dave"));
        var senders = connections.Take(nodeCount).ToArray();
        var room = await senders[0].Connection.InvokeAsync<JsonElement>("createConversation", new { type = "group", participantIds = users[1..], name = "fan-out" }, Ct);
        var conversationId = room.GetProperty("id").GetString()!;
        foreach (var connection in connections)
        {
            await connection.WaitForAsync("conversationCreated", c => c.GetProperty("id").GetString() == conversationId, Wait);
        }

        return (connections, senders, conversationId);
    }
}
