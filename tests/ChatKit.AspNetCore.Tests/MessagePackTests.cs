using System.Buffers;
using System.Collections;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatKit.AspNetCore.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.AspNetCore.Tests;

/// <summary>A host with <see cref="ChatKitServerOptions.EnableMessagePack"/> on.</summary>
public sealed class MessagePackChatHost : ChatHost
{
    /// <inheritdoc/>
    protected override void ConfigureServices(IServiceCollection services) =>
        services.Configure<ChatKitServerOptions>(o => o.EnableMessagePack = true);
}

/// <summary>
/// ChatKit's hub over MessagePack, with the real .NET client's MessagePack protocol: every hub method binds its arguments,
/// and every result and event carries exactly what the JSON protocol carries (the contract's names, nulls, nested
/// objects), dates as MessagePack timestamps. Each event is received by the same user on a MessagePack connection and on
/// a JSON connection, and the two are compared.
/// </summary>
public sealed class MessagePackTests(MessagePackChatHost host) : IClassFixture<MessagePackChatHost>
{
    [Fact]
    public async Task EveryMethodAndEvent_OverMessagePack_CarriesWhatJsonCarries()
    {
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        var carol = ChatHost.NewUser("carol");
        await using var packed = await PackedConnection.ConnectAsync(host.Address, alice);
        await using var json = await host.ConnectAsync(alice);

        // createConversation: its result over MessagePack is the conversationCreated both connections receive.
        var created = await packed.InvokeAsync("createConversation", new { type = "group", participantIds = new[] { bob }, name = "Team" });
        var id = (string)created["id"]!;
        var createdEvent = await SameOnBothAsync(packed, json, "conversationCreated", e => (string?)e["id"] == id);
        AssertSame(created, createdEvent);
        Assert.Null(created["lastMessage"]);
        Assert.IsType<DateTime>(Raw(packed, "conversationCreated")["createdAt"]);

        // joinRoom (a nested conversation with its participants and their dates), on both protocols.
        var joinedPacked = await packed.InvokeAsync("joinRoom", new { conversationId = id });
        var joinedJson = await json.InvokeAsync("joinRoom", new { conversationId = id });
        AssertSame(joinedPacked, JsonNode.Parse(joinedJson.GetRawText())!);

        // bob comes online: alice, his contact, hears of it (userStatusChanged, with a date).
        await using var bobs = await host.ConnectAsync(bob);
        await SameOnBothAsync(packed, json, "userStatusChanged", e => (string?)e["userId"] == bob);

        // sendMessage with and without a tempId: the ack, messageSent to the caller, newMessage to every connection.
        var ack = await packed.InvokeAsync("sendMessage", new { conversationId = id, content = "hello", tempId = "t-1" });
        Assert.Equal(["createdAt", "message", "messageId", "seq", "tempId"], ack.AsObject().Select(p => p.Key).Order());
        Assert.Equal("t-1", (string?)ack["tempId"]);
        Assert.Equal(1, (long)ack["seq"]!);
        var messageId = (string)ack["messageId"]!;
        var sent = await packed.WaitForAsync("messageSent", e => (string?)e["messageId"] == messageId);
        Assert.Equal("t-1", (string?)sent["tempId"]);
        var message = await SameOnBothAsync(packed, json, "newMessage", e => (string?)e["message"]!["id"] == messageId);
        Assert.Equal("hello", (string?)message["message"]!["content"]);
        Assert.Equal(alice, (string?)message["message"]!["sender"]!["id"]);
        Assert.Null(message["message"]!["editedAt"]);
        var untagged = await packed.InvokeAsync("sendMessage", new { conversationId = id, content = "no tempId" });
        Assert.Null(untagged["tempId"]);
        var second = await SameOnBothAsync(packed, json, "newMessage", e => (long?)e["message"]!["seq"] == 2);
        Assert.Null(second["message"]!["tempId"]);

        // typing and stopTyping from bob reach alice's joined connections.
        await bobs.CallAsync("typing", new { conversationId = id });
        await SameOnBothAsync(packed, json, "userTyping", e => (string?)e["userId"] == bob);
        await bobs.CallAsync("stopTyping", new { conversationId = id });
        await SameOnBothAsync(packed, json, "userStoppedTyping", e => (string?)e["userId"] == bob);

        // markAsRead and markConversationAsRead, called over MessagePack.
        await packed.CallAsync("markAsRead", new { conversationId = id, messageId });
        await SameOnBothAsync(packed, json, "messageRead", e => (string?)e["messageId"] == messageId);
        await packed.CallAsync("markConversationAsRead", new { conversationId = id });
        await SameOnBothAsync(packed, json, "conversationRead", e => (string?)e["conversationId"] == id);

        // getOnlineUsers: the result and the onlineUsers event (a list of ids).
        var online = await packed.Hub.InvokeAsync<string[]>("getOnlineUsers");
        Assert.Equal([bob], online);
        var onlineEvent = await packed.WaitForAsync("onlineUsers", _ => true);
        Assert.Equal([bob], onlineEvent.AsArray().Select(n => (string?)n));

        // Events of REST calls: messageDeleted, participantsAdded, participantRemoved.
        using var http = host.Http(alice);
        using (var deleted = await http.DeleteAsync($"/chats/messages/{messageId}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        await SameOnBothAsync(packed, json, "messageDeleted", e => (string?)e["messageId"] == messageId);
        using (var added = await http.PostAsJsonAsync($"/chats/conversations/{id}/participants", new { userIds = new[] { carol } }))
        {
            Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        }

        var participantsAdded = await SameOnBothAsync(packed, json, "participantsAdded", e => (string?)e["conversationId"] == id);
        Assert.Equal([carol], participantsAdded["userIds"]!.AsArray().Select(n => (string?)n));
        using (var removed = await http.DeleteAsync($"/chats/conversations/{id}/participants/{carol}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }

        await SameOnBothAsync(packed, json, "participantRemoved", e => (string?)e["userId"] == carol);

        // leaveRoom, and a refusal: the contract's code: sentence, as over JSON.
        await packed.CallAsync("leaveRoom", new { conversationId = id });
        var refused = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => packed.InvokeAsync("sendMessage", new { conversationId = "c_missing", content = "x" }));
        Assert.Equal("not_found: conversation c_missing does not exist", refused.Message);
    }

    [Fact]
    public async Task HostHub_NextToChatKitsMessagePack_StaysOnTheHostsProtocols()
    {
        var builder = ChatHost.CreateBuilder();
        builder.Services.AddChatKit();
        builder.Services.Configure<ChatKitServerOptions>(o => o.EnableMessagePack = true);
        await using var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapHub<HostHub>("/host");
        app.MapChatKit();
        await app.StartAsync();
        var address = ChatHost.AddressOf(app.Services);

        await using var own = new HubConnectionBuilder().WithUrl(new Uri(address, "/host"), HttpTransportType.WebSockets).AddMessagePackProtocol().Build();
        await using var ownJson = new HubConnectionBuilder().WithUrl(new Uri(address, "/host"), HttpTransportType.WebSockets).Build();
        await using var chat = await PackedConnection.ConnectAsync(address, ChatHost.NewUser("alice"));

        await Assert.ThrowsAnyAsync<Exception>(() => own.StartAsync());
        await ownJson.StartAsync();
        Assert.Equal("hi", await ownJson.InvokeAsync<string>("Echo", "hi"));
        Assert.Empty(await chat.Hub.InvokeAsync<string[]>("getOnlineUsers"));
    }

    private static async Task<JsonNode> SameOnBothAsync(PackedConnection packed, ChatConnection json, string name, Func<JsonNode, bool> match)
    {
        var overPack = await packed.WaitForAsync(name, match);
        var overJson = await json.WaitForAsync(name, e => match(JsonNode.Parse(e.GetRawText())!));
        AssertSame(overPack, JsonNode.Parse(overJson.Raw)!);
        return overPack;
    }

    private static void AssertSame(JsonNode expected, JsonNode actual) =>
        Assert.True(JsonNode.DeepEquals(expected, actual), $"MessagePack: {expected.ToJsonString()}\nJSON:        {actual.ToJsonString()}");

    private static IDictionary Raw(PackedConnection connection, string name) => (IDictionary)connection.RawOf(name);

    /// <summary>A real .NET client on MessagePack; events arrive untyped (maps, arrays, timestamps) and are kept as JSON for comparison.</summary>
    private sealed class PackedConnection : IAsyncDisposable
    {
        private readonly Lock _gate = new();
        private readonly List<(string Name, object Raw, JsonNode Node)> _events = [];
        private readonly SemaphoreSlim _signal = new(0);

        private PackedConnection(Uri address, string userId)
        {
            Hub = new HubConnectionBuilder()
                .WithUrl(new Uri(address, "/chat"), HttpTransportType.WebSockets, o => o.AccessTokenProvider = () => Task.FromResult<string?>(TestAuth.Token(userId)))
                .AddMessagePackProtocol()
                .Build();
            foreach (var name in ChatConnection.EventNames)
            {
                Hub.On<object>(name, payload =>
                {
                    lock (_gate)
                    {
                        _events.Add((name, payload, ToJson(payload)));
                    }

                    _signal.Release();
                });
            }
        }

        public HubConnection Hub { get; }

        public static async Task<PackedConnection> ConnectAsync(Uri address, string userId)
        {
            var connection = new PackedConnection(address, userId);
            await connection.Hub.StartAsync();
            await connection.CallAsync("leaveRoom", new { conversationId = "c_ready" }); // OnConnected has run
            return connection;
        }

        public async Task<JsonNode> InvokeAsync(string method, object args) => ToJson(await Hub.InvokeAsync<object>(method, args));

        public Task CallAsync(string method, object args) => Hub.InvokeAsync(method, args);

        public object RawOf(string name)
        {
            lock (_gate)
            {
                return _events.First(e => e.Name == name).Raw;
            }
        }

        public async Task<JsonNode> WaitForAsync(string name, Func<JsonNode, bool> match)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (true)
            {
                lock (_gate)
                {
                    foreach (var e in _events)
                    {
                        if (e.Name == name && match(e.Node))
                        {
                            return e.Node;
                        }
                    }
                }

                try
                {
                    await _signal.WaitAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    lock (_gate)
                    {
                        Assert.Fail($"no matching '{name}' over MessagePack; received: {string.Join(", ", _events.Select(e => e.Name))}");
                    }
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Hub.DisposeAsync();
            _signal.Dispose();
        }

        /// <summary>An untyped MessagePack value as the JSON protocol writes it: a timestamp as System.Text.Json writes a UTC DateTime.</summary>
        private static JsonNode ToJson(object? value)
        {
            var buffer = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                Write(writer, value);
            }

            return JsonNode.Parse(buffer.WrittenSpan)!;
        }

        private static void Write(Utf8JsonWriter writer, object? value)
        {
            switch (value)
            {
                case null:
                    writer.WriteNullValue();
                    break;
                case string s:
                    writer.WriteStringValue(s);
                    break;
                case bool b:
                    writer.WriteBooleanValue(b);
                    break;
                case DateTime d:
                    Assert.Equal(DateTimeKind.Utc, d.Kind);
                    writer.WriteStringValue(d);
                    break;
                case IDictionary map:
                    writer.WriteStartObject();
                    foreach (DictionaryEntry entry in map)
                    {
                        writer.WritePropertyName(Assert.IsType<string>(entry.Key));
                        Write(writer, entry.Value);
                    }

                    writer.WriteEndObject();
                    break;
                case IEnumerable list:
                    writer.WriteStartArray();
                    foreach (var item in list)
                    {
                        Write(writer, item);
                    }

                    writer.WriteEndArray();
                    break;
                case float or double:
                    writer.WriteNumberValue(Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture));
                    break;
                default:
                    writer.WriteNumberValue(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
                    break;
            }
        }
    }
}
