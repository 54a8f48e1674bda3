using System.Net;
using System.Text;
using System.Text.Json;
using ChatKit.AspNetCore.Tests.Support;
using ChatKit.Testing.Servers;
using Microsoft.AspNetCore.SignalR;

namespace ChatKit.AspNetCore.Tests;

/// <summary>
/// <c>GET /chats/sync</c> and the hub's <c>sync</c> through a real host: the wire shape, the errors, and the property
/// that matters: a client that only syncs, at random points, ends in exactly the state of a client that stayed connected,
/// after random operations of several users, on every store.
/// </summary>
public sealed class SyncTests(PostgresServerFixture postgres) : IClassFixture<PostgresServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sync_WithoutCursor_ReturnsAFreshCursorOnly_ThenWhatHappenedSince()
    {
        await using var host = await StoreHost.StartAsync("InMemory", null);
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        using var http = host.Http(bob);
        var (response, fresh) = await http.GetJsonAsync("/chats/sync");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, fresh.GetProperty("events").GetArrayLength());
        Assert.False(fresh.GetProperty("limited").GetBoolean());

        await using var aliceConnection = await host.ConnectAsync(alice);
        await using var bobConnection = await host.ConnectAsync(bob);
        var id = await host.DirectAsync(alice, bob);
        var ack = await aliceConnection.SendAsync(id, "hello");
        var live = await bobConnection.WaitForAsync("newMessage");
        await aliceConnection.InvokeAsync("addReaction", new { messageId = ack.GetProperty("messageId").GetString(), emoji = "👍" });
        var liveReaction = await bobConnection.WaitForAsync("reactionAdded");

        var (_, sync) = await http.GetJsonAsync("/chats/sync?since=" + Uri.EscapeDataString(fresh.GetProperty("cursor").GetString()!));
        var events = sync.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(["conversationCreated", "newMessage", "reactionAdded"], events.Select(e => e.GetProperty("type").GetString()));
        Assert.Equal(live.Get("eventId"), events[1].GetProperty("data").GetProperty("eventId").GetString());
        Assert.Equal(ack.GetProperty("messageId").GetString(), live.Get("eventId"));
        Assert.Equal(liveReaction.Raw, events[2].GetProperty("data").GetRawText());
        Assert.Equal("hello", events[1].GetProperty("data").GetProperty("message").GetProperty("content").GetString());

        // The hub answers the same, and from the returned cursor there is nothing more.
        var hub = await bobConnection.InvokeAsync("sync", new { since = fresh.GetProperty("cursor").GetString() });
        Assert.Equal(sync.GetProperty("events").GetRawText(), hub.GetProperty("events").GetRawText());
        var (_, after) = await http.GetJsonAsync("/chats/sync?since=" + Uri.EscapeDataString(sync.GetProperty("cursor").GetString()!));
        Assert.Equal(0, after.GetProperty("events").GetArrayLength());
        Assert.False(after.GetProperty("limited").GetBoolean());
    }

    [Fact]
    public async Task Sync_BeyondTheLimit_IsLimitedWithACursorThatMissesNothingAfterIt()
    {
        await using var host = await StoreHost.StartAsync("InMemory", null);
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        using var http = host.Http(bob);
        var (_, fresh) = await http.GetJsonAsync("/chats/sync");
        await using var aliceConnection = await host.ConnectAsync(alice);
        var id = await host.DirectAsync(alice, bob);
        await aliceConnection.SendAsync(id, "one");
        await aliceConnection.SendAsync(id, "two");

        var (_, limited) = await http.GetJsonAsync($"/chats/sync?limit=2&since={Uri.EscapeDataString(fresh.GetProperty("cursor").GetString()!)}");
        Assert.True(limited.GetProperty("limited").GetBoolean());
        Assert.Equal(0, limited.GetProperty("events").GetArrayLength());
        await aliceConnection.SendAsync(id, "three");
        var (_, next) = await http.GetJsonAsync("/chats/sync?since=" + Uri.EscapeDataString(limited.GetProperty("cursor").GetString()!));
        Assert.Equal(["three"], next.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("data").GetProperty("message").GetProperty("content").GetString()));
    }

    [Fact]
    public async Task Sync_WithACursorOlderThanTheRetention_IsLimited()
    {
        await using var host = await StoreHost.StartAsync("InMemory", null, o =>
        {
            StoreHost.Unlimited(o);
            o.SyncRetention = TimeSpan.FromDays(1);
        });
        var bob = ChatHost.NewUser("bob");
        using var http = host.Http(bob);
        var (_, fresh) = await http.GetJsonAsync("/chats/sync");
        var cursor = fresh.GetProperty("cursor").GetString()!;

        // A cursor issued two days ago: the same position, an older issue time (the cursor is base64url "1.<ms>.<position>").
        var text = Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(cursor)).Split('.', 3);
        var old = System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"1.{long.Parse(text[1], System.Globalization.CultureInfo.InvariantCulture) - (long)TimeSpan.FromDays(2).TotalMilliseconds}.{text[2]}"));
        var (_, stale) = await http.GetJsonAsync("/chats/sync?since=" + Uri.EscapeDataString(old));

        Assert.True(stale.GetProperty("limited").GetBoolean());
        Assert.NotEqual(old, stale.GetProperty("cursor").GetString());
        Assert.False((await http.GetJsonAsync("/chats/sync?since=" + Uri.EscapeDataString(cursor))).Body.GetProperty("limited").GetBoolean());
    }

    [Theory]
    [InlineData("since=not-a-cursor", "since")]
    [InlineData("since=MS4xLg", "since")]
    [InlineData("limit=abc", "limit")]
    [InlineData("limit=0", "limit")]
    public async Task Sync_WithBadInput_IsValidationFailed(string query, string field)
    {
        await using var host = await StoreHost.StartAsync("InMemory", null);
        using var http = host.Http(ChatHost.NewUser("bob"));

        var (response, body) = await http.GetJsonAsync("/chats/sync?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("validation_failed", body.GetProperty("code").GetString());
        Assert.Contains(field, body.GetRawText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("InMemory", 11)]
    [InlineData("Sqlite", 12)]
    [InlineData("Postgres", 13)]
    public async Task Sync_AtRandomPoints_EndsInTheStateOfAClientThatStayedConnected(string store, int seed)
    {
        var folder = Directory.CreateTempSubdirectory("chatkit-sync-");
        var connectionString = store switch
        {
            "Sqlite" => $"Data Source={Path.Combine(folder.FullName, "chat.db")}",
            "Postgres" => PostgresServerFixture.ConnectionString(await postgres.GetServerAsync(), PostgresServerFixture.NewDatabaseName()),
            _ => null,
        };
        try
        {
            await using var host = await StoreHost.StartAsync(store, connectionString);
            for (var round = 0; round < 3; round++)
            {
                await RunRandomRoundAsync(host, seed * 100 + round, operations: 150);
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Random operations of four users, one at a time; the observer's live connection records every event, and a second
    /// client of the observer only syncs, at random points. Both views, and the events each saw, must end identical.
    /// </summary>
    private static async Task RunRandomRoundAsync(StoreHost host, int seed, int operations)
    {
        var random = new Random(seed);
        var users = new[] { "observer", "v", "w", "x" }.Select(ChatHost.NewUser).ToArray();
        var observer = users[0];
        using var syncHttp = host.Http(observer);
        var cursor = (await syncHttp.GetJsonAsync("/chats/sync")).Body.GetProperty("cursor").GetString()!;
        var connections = new List<ChatConnection>();
        foreach (var user in users)
        {
            connections.Add(await host.ConnectAsync(user));
        }

        try
        {
            var live = connections[0];
            var synced = new View(observer);
            var syncedIds = new List<string>();
            var conversations = new List<string>();
            var messages = new List<(string Id, string Conversation, string Sender)>();
            var log = new List<string>();

            async Task SyncAsync()
            {
                var (response, body) = await syncHttp.GetJsonAsync("/chats/sync?since=" + Uri.EscapeDataString(cursor));
                Assert.True(response.IsSuccessStatusCode, body.GetRawText());
                Assert.False(body.GetProperty("limited").GetBoolean(), $"seed {seed}: limited");
                foreach (var item in body.GetProperty("events").EnumerateArray())
                {
                    var data = item.GetProperty("data");
                    if (data.TryGetProperty("eventId", out var eventId))
                    {
                        syncedIds.Add(eventId.GetString()!);
                    }

                    synced.Apply(item.GetProperty("type").GetString()!, data);
                }

                cursor = body.GetProperty("cursor").GetString()!;
            }

            for (var i = 0; i < operations; i++)
            {
                var actorIndex = random.Next(users.Length);
                var actor = users[actorIndex];
                var hub = connections[actorIndex];
                using var http = host.Http(actor);
                var conversation = conversations.Count > 0 ? conversations[random.Next(conversations.Count)] : null;
                var message = messages.Count > 0 ? messages[random.Next(messages.Count)] : default;
                var other = users[random.Next(users.Length)];
                var op = random.Next(18);
                log.Add($"{op} by {actorIndex}");
                try
                {
                    switch (op)
                    {
                        case 0:
                            var members = users.Where(u => u != actor && random.Next(2) == 0).DefaultIfEmpty(users[(actorIndex + 1) % users.Length]).ToArray();
                            conversations.Add((await host.CreateConversationAsync(actor, "group", members, "G" + i)).GetProperty("id").GetString()!);
                            break;
                        case 1 when other != actor:
                            conversations.Add(await host.DirectAsync(actor, other));
                            break;
                        case 2 or 3 or 4 when conversation is not null:
                            var ack = await hub.SendAsync(conversation, $"m{i}");
                            messages.Add((ack.GetProperty("messageId").GetString()!, conversation, actor));
                            break;
                        case 5 when message.Id is not null:
                            await connections[Array.IndexOf(users, message.Sender)].InvokeAsync("editMessage", new { messageId = message.Id, content = $"edit {i}" });
                            break;
                        case 6 when message.Id is not null:
                            await http.DeleteJsonAsync($"/chats/messages/{message.Id}");
                            break;
                        case 7 or 8 when message.Id is not null:
                            await hub.InvokeAsync(op == 7 ? "addReaction" : "removeReaction", new { messageId = message.Id, emoji = random.Next(2) == 0 ? "👍" : "🎉" });
                            break;
                        case 9 when message.Id is not null:
                            await hub.CallAsync("markAsRead", new { conversationId = message.Conversation, messageId = message.Id });
                            break;
                        case 10 when conversation is not null:
                            await hub.CallAsync("markConversationAsRead", new { conversationId = conversation });
                            break;
                        case 11 when conversation is not null:
                            await hub.CallAsync("markAsDelivered", new { conversationId = conversation, seq = random.Next(20) });
                            break;
                        case 12 when conversation is not null:
                            await http.PostJsonAsync($"/chats/conversations/{conversation}/participants", new { userIds = new[] { other } });
                            break;
                        case 13 when conversation is not null:
                            await http.DeleteJsonAsync($"/chats/conversations/{conversation}/participants/{other}");
                            break;
                        case 14 when conversation is not null && random.Next(3) == 0:
                            await http.PostJsonAsync($"/chats/conversations/{conversation}/leave");
                            break;
                        case 15 when conversation is not null:
                            await http.SendJsonAsync(HttpMethod.Patch, $"/chats/conversations/{conversation}", new { name = $"N{i}" });
                            break;
                        case 16 when conversation is not null:
                            await http.SendJsonAsync(HttpMethod.Put, $"/chats/conversations/{conversation}/participants/{other}/role", new { role = random.Next(3) switch { 0 => "admin", 1 => "member", _ => "owner" } });
                            break;
                        case 17:
                            await SyncAsync();
                            break;
                    }
                }
                catch (HubException)
                {
                    // Refused (not a participant, not allowed, deleted...): nothing changed, nothing to compare.
                }
            }

            // A last event every connection of the observer receives, then sync until it is there too.
            var marker = await host.DirectAsync(observer, ChatHost.NewUser("marker"));
            await live.WaitForAsync("conversationCreated", e => e.GetProperty("id").GetString() == marker, TimeSpan.FromSeconds(30));
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct))
            {
                timeout.CancelAfter(TimeSpan.FromSeconds(60));
                while (!synced.Has(marker))
                {
                    await SyncAsync();
                    if (!synced.Has(marker))
                    {
                        await Task.Delay(20, timeout.Token);
                    }
                }
            }

            var connected = new View(observer);
            var liveIds = new List<string>();
            foreach (var received in live.Events.Where(e => ChatConnection.EventNames.Contains(e.Name) && IsDurable(e.Name)))
            {
                if (received.Payload.ValueKind == JsonValueKind.Object && received.Payload.TryGetProperty("eventId", out var eventId))
                {
                    liveIds.Add(eventId.GetString()!);
                }

                connected.Apply(received.Name, received.Payload);
            }

            var context = $"seed {seed}, operations [{string.Join("; ", log)}]";
            Assert.True(syncedIds.Count == syncedIds.Distinct().Count(), $"an event was synced twice; {context}");
            Assert.True(liveIds.SequenceEqual(syncedIds) || liveIds.Order(StringComparer.Ordinal).SequenceEqual(syncedIds.Order(StringComparer.Ordinal)), $"the synced events are not the live ones; {context}");
            Assert.Equal(connected.PerConversationOrder(), synced.PerConversationOrder());
            Assert.True(connected.Describe() == synced.Describe(), $"views differ; {context}\nconnected:\n{connected.Describe()}\nsynced:\n{synced.Describe()}");
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }
    }

    private static bool IsDurable(string name) =>
        name is not ("onlineUsers" or "messageSent" or "userTyping" or "userStoppedTyping" or "userStatusChanged");

    /// <summary>A client's view of its conversations, built only from the events it applies, in order.</summary>
    private sealed class View(string self)
    {
        private readonly Dictionary<string, (string? Name, SortedDictionary<string, string> Participants)> _conversations = new(StringComparer.Ordinal);
        private readonly Dictionary<string, (string Conversation, long Seq, string Content, bool Deleted, SortedSet<string> Reactions)> _messages = new(StringComparer.Ordinal);
        private readonly SortedDictionary<string, long> _read = new(StringComparer.Ordinal);
        private readonly SortedDictionary<string, long> _delivered = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<string>> _order = new(StringComparer.Ordinal);

        public bool Has(string conversationId) => _conversations.ContainsKey(conversationId);

        public void Apply(string type, JsonElement data)
        {
            var conversationId = type is "conversationCreated" or "conversationUpdated"
                ? data.GetProperty("id").GetString()!
                : data.GetProperty("conversationId").GetString()!;
            if (data.TryGetProperty("eventId", out var eventId))
            {
                (_order.TryGetValue(conversationId, out var list) ? list : _order[conversationId] = []).Add($"{type}:{eventId.GetString()}");
            }

            switch (type)
            {
                case "conversationCreated" or "conversationUpdated":
                    _conversations[conversationId] = (
                        data.GetProperty("name").GetString(),
                        new SortedDictionary<string, string>(
                            data.GetProperty("participants").EnumerateArray().ToDictionary(p => p.GetProperty("userId").GetString()!, p => p.GetProperty("role").GetString()!),
                            StringComparer.Ordinal));
                    break;
                case "participantsAdded":
                    var conversation = Conversation(conversationId);
                    foreach (var user in data.GetProperty("userIds").EnumerateArray())
                    {
                        conversation.Participants.TryAdd(user.GetString()!, "member");
                    }

                    break;
                case "participantRemoved":
                    var removed = data.GetProperty("userId").GetString()!;
                    if (removed == self)
                    {
                        _conversations.Remove(conversationId);
                        foreach (var id in _messages.Where(m => m.Value.Conversation == conversationId).Select(m => m.Key).ToList())
                        {
                            _messages.Remove(id);
                        }

                        foreach (var key in _read.Keys.Concat(_delivered.Keys).Where(k => k.StartsWith(conversationId + "|", StringComparison.Ordinal)).ToList())
                        {
                            _read.Remove(key);
                            _delivered.Remove(key);
                        }
                    }
                    else
                    {
                        Conversation(conversationId).Participants.Remove(removed);
                    }

                    break;
                case "newMessage" or "messageUpdated":
                    var message = data.GetProperty("message");
                    _messages[message.GetProperty("id").GetString()!] = (
                        conversationId,
                        message.GetProperty("seq").GetInt64(),
                        message.GetProperty("content").GetString()!,
                        message.GetProperty("deletedAt").ValueKind != JsonValueKind.Null,
                        new SortedSet<string>(
                            message.GetProperty("reactions").EnumerateArray().SelectMany(r => r.GetProperty("userIds").EnumerateArray().Select(u => $"{r.GetProperty("emoji").GetString()}|{u.GetString()}")),
                            StringComparer.Ordinal));
                    break;
                case "messageDeleted":
                    if (_messages.TryGetValue(data.GetProperty("messageId").GetString()!, out var deleted))
                    {
                        _messages[data.GetProperty("messageId").GetString()!] = deleted with { Content = string.Empty, Deleted = true };
                    }

                    break;
                case "reactionAdded" or "reactionRemoved":
                    if (_messages.TryGetValue(data.GetProperty("messageId").GetString()!, out var reacted))
                    {
                        var key = $"{data.GetProperty("emoji").GetString()}|{data.GetProperty("userId").GetString()}";
                        if (type == "reactionAdded")
                        {
                            reacted.Reactions.Add(key);
                        }
                        else
                        {
                            reacted.Reactions.Remove(key);
                        }
                    }

                    break;
                case "messageRead":
                    if (_messages.TryGetValue(data.GetProperty("messageId").GetString()!, out var read))
                    {
                        Raise(_read, $"{conversationId}|{data.GetProperty("readBy").GetString()}", read.Seq);
                    }

                    break;
                case "conversationRead":
                    Raise(_read, $"{conversationId}|{data.GetProperty("readBy").GetString()}", _messages.Values.Where(m => m.Conversation == conversationId).Select(m => m.Seq).DefaultIfEmpty(0).Max());
                    break;
                case "messageDelivered":
                    Raise(_delivered, $"{conversationId}|{data.GetProperty("userId").GetString()}", data.GetProperty("seq").GetInt64());
                    break;
            }
        }

        public string PerConversationOrder() =>
            string.Join("\n", _order.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}: {string.Join(", ", p.Value)}"));

        public string Describe()
        {
            var text = new StringBuilder();
            foreach (var (id, c) in _conversations.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                text.AppendLine($"conversation {id} '{c.Name}' [{string.Join(", ", c.Participants.Select(p => $"{p.Key}:{p.Value}"))}]");
            }

            foreach (var (id, m) in _messages.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                text.AppendLine($"message {id} {m.Conversation}#{m.Seq} '{m.Content}' deleted={m.Deleted} [{string.Join(", ", m.Reactions)}]");
            }

            text.AppendLine("read " + string.Join(", ", _read.Select(p => $"{p.Key}={p.Value}")));
            text.AppendLine("delivered " + string.Join(", ", _delivered.Select(p => $"{p.Key}={p.Value}")));
            return text.ToString();
        }

        private (string? Name, SortedDictionary<string, string> Participants) Conversation(string id) =>
            _conversations.TryGetValue(id, out var c) ? c : _conversations[id] = (null, new SortedDictionary<string, string>(StringComparer.Ordinal));

        private static void Raise(SortedDictionary<string, long> positions, string key, long seq) =>
            positions[key] = Math.Max(positions.GetValueOrDefault(key), seq);
    }
}
