using System.Collections;
using ChatKit.AspNetCore;
using ChatKit.Scaleout.Redis.Tests.Support;
using ChatKit.Testing;
using ChatKit.Testing.Servers;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.Scaleout.Redis.Tests;

/// <summary>
/// <see cref="ChatKitServerOptions.EnableMessagePack"/> with the Redis backplane, which serialises each message once per
/// protocol: a MessagePack client on the other node, and one on the sender's own node (reached through Redis too), get
/// the message under the contract's names.
/// </summary>
public sealed class MessagePackAcrossNodesTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("chatkit-msgpack-").FullName;
    private RedisServer? _redis;
    private ChatNode? _a;
    private ChatNode? _b;

    public async ValueTask InitializeAsync()
    {
        if (!RedisServer.IsInstalled)
        {
            return;
        }

        var file = Path.Combine(_directory, "chat.db");
        var prefix = RedisFixture.UniquePrefix();
        _redis = await RedisServer.StartAsync();
        _a = await ChatNode.StartAsync(_redis.ConnectionString, prefix, o => o.UseSqlite($"Data Source={file}"), host: MessagePack);
        _b = await ChatNode.StartAsync(_redis.ConnectionString, prefix, o => o.UseSqlite($"Data Source={file}"), host: MessagePack);
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
            // A leftover temp folder is harmless.
        }
    }

    [Fact]
    public async Task NewMessage_ToMessagePackClients_OnBothNodes_CarriesTheContractsNames()
    {
        if (_a is null || _b is null)
        {
            ServiceAvailability.Missing(RedisServer.MissingMessage);
            return;
        }

        var ct = TestContext.Current.CancellationToken;
        await using var alice = await _a.ConnectAsync("alice", ct);
        var (bobOnB, bobReceived) = await ConnectPackedAsync(_b, "bob", ct);
        var (carolOnA, carolReceived) = await ConnectPackedAsync(_a, "carol", ct);
        await using var bobConnection = bobOnB;
        await using var carolConnection = carolOnA;
        var created = await alice.Connection.InvokeAsync<System.Text.Json.JsonElement>("createConversation", new { type = "group", participantIds = new[] { "bob", "carol" }, name = "Team" }, ct);

        await alice.Connection.InvokeAsync<System.Text.Json.JsonElement>("sendMessage", new { conversationId = created.GetProperty("id").GetString(), content = "hello", tempId = "t-1" }, ct);

        foreach (var received in new[] { bobReceived, carolReceived })
        {
            var payload = await received.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
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
