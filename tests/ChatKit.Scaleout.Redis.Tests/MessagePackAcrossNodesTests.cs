using System.Collections;
using ChatKit.AspNetCore;
using ChatKit.Scaleout.Redis.Tests.Support;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.Scaleout.Redis.Tests;

/// <summary>
/// <see cref="ChatKitServerOptions.EnableMessagePack"/> with the Redis backplane, which serialises each message once per
/// protocol: a MessagePack client on the other node, and one on the sender's own node (reached through Redis too), get
/// the message under the contract's names.
/// </summary>
public sealed class MessagePackAcrossNodesTests : ClusterTest
{
    [Fact]
    public async Task NewMessage_ToMessagePackClients_OnBothNodes_CarriesTheContractsNames()
    {
        RequireRedis();
        var a = await StartNodeAsync(host: MessagePack);
        var b = await StartNodeAsync(host: MessagePack);

        await using var alice = await a.ConnectAsync("alice", Ct);
        var (bobOnB, bobReceived) = await ConnectPackedAsync(b, "bob", Ct);
        var (carolOnA, carolReceived) = await ConnectPackedAsync(a, "carol", Ct);
        await using var bobConnection = bobOnB;
        await using var carolConnection = carolOnA;
        var created = await alice.Connection.InvokeAsync<System.Text.Json.JsonElement>("createConversation", new { type = "group", participantIds = new[] { "bob", "carol" }, name = "Team" }, Ct);

        await alice.Connection.InvokeAsync<System.Text.Json.JsonElement>("sendMessage", new { conversationId = created.GetProperty("id").GetString(), content = "hello", tempId = "t-1" }, Ct);

        foreach (var received in new[] { bobReceived, carolReceived })
        {
            var payload = await received.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
            var message = Assert.IsAssignableFrom<IDictionary>(payload["message"]);
            Assert.Equal("hello", message["content"]);
            Assert.Equal("t-1", message["tempId"]);
            Assert.Null(message["editedAt"]);
            Assert.IsType<DateTime>(message["createdAt"]);
            Assert.Equal("alice", Assert.IsAssignableFrom<IDictionary>(message["sender"])["id"]);
        }
    }

    private static void MessagePack(IServiceCollection services) =>
        services.Configure<ChatKitServerOptions>(o => o.EnableMessagePack = true);

    private static async Task<(HubConnection Connection, TaskCompletionSource<IDictionary> NewMessage)> ConnectPackedAsync(ChatNode node, string userId, CancellationToken ct)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(node.Address, "/chat"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(ChatNode.Token(userId)))
            .AddMessagePackProtocol()
            .Build();
        var received = new TaskCompletionSource<IDictionary>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.On<object>("newMessage", payload => received.TrySetResult((IDictionary)payload));
        await connection.StartAsync(ct);
        await connection.InvokeAsync<string[]>("getOnlineUsers", ct); // OnConnected (its user group, on every node) has run
        return (connection, received);
    }
}
