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
        RequireRedis();
        var nodes = new List<ChatNode>();
        for (var i = 0; i < nodeCount; i++)
        {
            nodes.Add(await StartNodeAsync());
        }

        // Six members, some with connections on two nodes; each node holds connections of several members.
        var users = new[] { "alice", "bob", "carol", "dave", "erin", "frank" };
        var connections = new List<ChatClient>();
        for (var i = 0; i < users.Length; i++)
        {
            connections.Add(await ConnectAsync(nodes[i % nodeCount], users[i]));
        }

        connections.Add(await ConnectAsync(nodes[1], "alice"));
        connections.Add(await ConnectAsync(nodes[nodeCount - 1], "dave"));
        var senders = connections.Take(nodeCount).ToArray(); // one per node
        var room = await senders[0].Connection.InvokeAsync<JsonElement>("createConversation", new { type = "group", participantIds = users[1..], name = "fan-out" }, Ct);
        var conversationId = room.GetProperty("id").GetString()!;
        foreach (var connection in connections)
        {
            await connection.WaitForAsync("conversationCreated", c => c.GetProperty("id").GetString() == conversationId, Wait);
        }

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
}
