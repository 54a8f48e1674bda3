using System.Net.Http.Json;
using System.Text.Json;
using ChatKit.AspNetCore.Tests.Support;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChatKit.AspNetCore.Tests;

/// <summary>The hub's sendMessage, markAsRead and markConversationAsRead, and what they deliver to whom.</summary>
public sealed class MessagingHubTests(ChatHost host) : IClassFixture<ChatHost>
{
    [Fact]
    public async Task SendMessage_ReturnsAckAndDeliversNewMessageToEveryConnectionOfEveryParticipant()
    {
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        var id = await host.DirectAsync(alice, bob);
        await using var alice1 = await host.ConnectAsync(alice, "Alice");
        await using var alice2 = await host.ConnectAsync(alice);
        await using var bob1 = await host.ConnectAsync(bob);
        await using var bob2 = await host.ConnectAsync(bob);

        var ack = await alice1.SendAsync(id, "  Hello\u0007 Bob\n\t!  ", "t-1");

        Assert.Equal("t-1", ack.GetProperty("tempId").GetString());
        var messageId = ack.GetProperty("messageId").GetString()!;
        Assert.StartsWith("m_", messageId, StringComparison.Ordinal);
        Assert.Equal(1, ack.GetProperty("seq").GetInt64());
        Assert.EndsWith("Z", ack.GetProperty("createdAt").GetString(), StringComparison.Ordinal);
        foreach (var connection in new[] { alice1, alice2, bob1, bob2 })
        {
            var received = await connection.WaitForAsync("newMessage");
            Assert.Equal(id, received.Get("conversationId"));
            var message = received.Payload.GetProperty("message");
            Assert.Equal(messageId, message.GetProperty("id").GetString());
            Assert.Equal(id, message.GetProperty("conversationId").GetString());
            Assert.Equal(1, message.GetProperty("seq").GetInt64());
            Assert.Equal(alice, message.GetProperty("sender").GetProperty("id").GetString());
            Assert.Equal("Alice", message.GetProperty("sender").GetProperty("name").GetString());
            Assert.Equal("Hello Bob\n\t!", message.GetProperty("content").GetString());
            Assert.Equal("text", message.GetProperty("type").GetString());
            Assert.Equal("t-1", message.GetProperty("tempId").GetString());
            Assert.Equal(ack.GetProperty("createdAt").GetString(), message.GetProperty("createdAt").GetString());
            Assert.Equal(JsonValueKind.Null, message.GetProperty("editedAt").ValueKind);
            Assert.Equal(JsonValueKind.Null, message.GetProperty("deletedAt").ValueKind);
        }

        // messageSent goes to the calling connection only.
        var sent = await alice1.WaitForAsync("messageSent");
        Assert.Equal("t-1", sent.Get("tempId"));
        Assert.Equal(messageId, sent.Get("messageId"));
        foreach (var other in new[] { alice2, bob1, bob2 })
        {
            var marker = await host.SyncAsync(other);
            Assert.DoesNotContain(other.Before(marker), e => e.Name == "messageSent");
        }
    }

    [Fact]
    public async Task SendMessage_TwoConnectionsOfOneUser_EachGetNewMessageExactlyOnce()
    {
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        var id = await host.GroupAsync(alice, bob);
        await using var aliceConnection = await host.ConnectAsync(alice);
        await using var bobTab1 = await host.ConnectAsync(bob);
        await using var bobTab2 = await host.ConnectAsync(bob);

        // Joining the room too must not double the delivery: newMessage goes to the user, not the room.
        await bobTab1.InvokeAsync("joinRoom", new { conversationId = id });
        await aliceConnection.SendAsync(id, "once");

        foreach (var tab in new[] { bobTab1, bobTab2 })
        {
            var marker = await host.SyncAsync(tab);
            Assert.Single(tab.Before(marker), e => e.Name == "newMessage");
        }
    }

    [Fact]
    public async Task SendMessage_WithUsedTempId_ReturnsFirstMessageAndDeliversOnce()
    {
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        var id = await host.DirectAsync(alice, bob);
        await using var aliceConnection = await host.ConnectAsync(alice);
        await using var bobConnection = await host.ConnectAsync(bob);

        var first = await aliceConnection.SendAsync(id, "hello", "retry-me");
        var retry = await aliceConnection.SendAsync(id, "hello, edited in the retry", "retry-me");
        var next = await aliceConnection.SendAsync(id, "next", "another");

        Assert.Equal(first.GetProperty("messageId").GetString(), retry.GetProperty("messageId").GetString());
        Assert.Equal(1, retry.GetProperty("seq").GetInt64());
        Assert.Equal(first.GetProperty("createdAt").GetString(), retry.GetProperty("createdAt").GetString());
        Assert.Equal(2, next.GetProperty("seq").GetInt64());
        var nextDelivered = await bobConnection.WaitForAsync("newMessage", e => e.GetProperty("message").GetProperty("seq").GetInt64() == 2);
        Assert.Single(bobConnection.Before(nextDelivered), e => e.Name == "newMessage");
        using var http = host.Http(bob);
        var page = await http.GetFromJsonAsync<JsonElement>($"/chats/conversations/{id}/messages");
        Assert.Equal(["hello", "next"], page.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("content").GetString()));
    }

    [Fact]
    public async Task SendMessage_SameTempIdFromAnotherSenderOrConversation_IsANewMessage()
    {
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        var group = await host.GroupAsync(alice, bob);
        var direct = await host.DirectAsync(alice, bob);
        await using var aliceConnection = await host.ConnectAsync(alice);
        await using var bobConnection = await host.ConnectAsync(bob);

        var a = await aliceConnection.SendAsync(group, "a", "same");
        var b = await bobConnection.SendAsync(group, "b", "same");
        var c = await aliceConnection.SendAsync(direct, "c", "same");

        Assert.Equal(3, new[] { a, b, c }.Select(x => x.GetProperty("messageId").GetString()).Distinct().Count());
        Assert.Equal(2, b.GetProperty("seq").GetInt64());
        Assert.Equal(1, c.GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task SendMessage_WithoutTempId_AcknowledgesWithNullTempId()
    {
        var alice = ChatHost.NewUser("alice");
        var id = await host.DirectAsync(alice, ChatHost.NewUser("bob"));
        await using var connection = await host.ConnectAsync(alice);

        var ack = await connection.InvokeAsync("sendMessage", new { conversationId = id, content = "no temp id" });

        Assert.Equal(JsonValueKind.Null, ack.GetProperty("tempId").ValueKind);
        var sent = await connection.WaitForAsync("messageSent");
        Assert.Equal(JsonValueKind.Null, sent.Payload.GetProperty("tempId").ValueKind);
    }

    [Fact]
    public async Task SendMessage_ConcurrentSenders_GetGaplessSeq()
    {
        const int senders = 5;
        const int perSender = 20;
        var users = Enumerable.Range(0, senders).Select(i => ChatHost.NewUser($"s{i}")).ToArray();
        var id = await host.GroupAsync(users[0], users[1..]);
        var connections = await Task.WhenAll(users.Select(u => host.ConnectAsync(u)));
        try
        {
            var acks = await Task.WhenAll(connections.Select(async (connection, n) =>
            {
                var seqs = new List<long>();
                for (var i = 0; i < perSender; i++)
                {
                    var ack = await connection.SendAsync(id, $"{n}-{i}", $"{n}-{i}");
                    seqs.Add(ack.GetProperty("seq").GetInt64());
                }

                return seqs;
            }));

            Assert.Equal(Enumerable.Range(1, senders * perSender).Select(i => (long)i), acks.SelectMany(s => s).Order());
            Assert.All(acks, seqs => Assert.Equal(seqs.Order(), seqs));
            var delivered = await connections[0].WaitForCountAsync("newMessage", senders * perSender);
            Assert.Equal(
                Enumerable.Range(1, senders * perSender).Select(i => (long)i),
                delivered.Select(e => e.Payload.GetProperty("message").GetProperty("seq").GetInt64()).Order());
            using var http = host.Http(users[0]);
            var page = await http.GetFromJsonAsync<JsonElement>($"/chats/conversations/{id}/messages?limit=100");
            Assert.Equal(
                Enumerable.Range(1, senders * perSender).Select(i => (long)i),
                page.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("seq").GetInt64()));
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task SendMessage_ContentLimits_AcceptUpTo4000CharactersAfterNormalisation()
    {
        var alice = ChatHost.NewUser("alice");
        var id = await host.DirectAsync(alice, ChatHost.NewUser("bob"));
        await using var connection = await host.ConnectAsync(alice);

        // 4,000 characters that JSON escapes (non-ASCII, \uXXXX on the .NET client) still fit the 32 KB frame.
        var longest = await connection.SendAsync(id, new string('界', 4000));
        var padded = await connection.SendAsync(id, "   " + new string('a', 4000) + "\u0001\u0002   ");
        var tooLong = await Assert.ThrowsAsync<HubException>(() => connection.SendAsync(id, new string('a', 4001)));
        var empty = await Assert.ThrowsAsync<HubException>(() => connection.SendAsync(id, " \u0000\u0007 \r "));
        var missing = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync("sendMessage", new { conversationId = id }));
        var system = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync("sendMessage", new { conversationId = id, content = "x", type = "system" }));
        var unknownType = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync("sendMessage", new { conversationId = id, content = "x", type = "image" }));
        var longTempId = await Assert.ThrowsAsync<HubException>(() => connection.SendAsync(id, "x", new string('t', 129)));
        var okTempId = await connection.SendAsync(id, "x", new string('t', 128));
        var explicitText = await connection.InvokeAsync("sendMessage", new { conversationId = id, content = "typed", type = "text" });

        Assert.Equal(1, longest.GetProperty("seq").GetInt64());
        Assert.Equal(2, padded.GetProperty("seq").GetInt64());
        Assert.Equal("validation_failed: content has at most 4000 characters", tooLong.Message);
        Assert.Equal("validation_failed: content is empty", empty.Message);
        Assert.Equal("validation_failed: content is required", missing.Message);
        Assert.Equal("validation_failed: users may only send text messages", system.Message);
        Assert.StartsWith("validation_failed: ", unknownType.Message, StringComparison.Ordinal);
        Assert.Equal("validation_failed: tempId has 1 to 128 characters", longTempId.Message);
        Assert.Equal(3, okTempId.GetProperty("seq").GetInt64());
        Assert.Equal(4, explicitText.GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task SendMessage_FrameOver32Kilobytes_ClosesTheConnection()
    {
        var alice = ChatHost.NewUser("alice");
        var id = await host.DirectAsync(alice, ChatHost.NewUser("bob"));
        await using var connection = await host.ConnectAsync(alice);
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Hub.Closed += error =>
        {
            closed.TrySetResult(error);
            return Task.CompletedTask;
        };

        var send = connection.SendAsync(id, new string('a', 40 * 1024));

        var reason = await closed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Assert.ThrowsAnyAsync<Exception>(() => send);
        Assert.Equal("The server closed the connection with the following error: Connection closed with an error.", reason?.Message);
        Assert.Equal(HubConnectionState.Disconnected, connection.Hub.State);
    }

    [Fact]
    public async Task SendMessage_MalformedArgument_GetsSignalRsGenericInvocationError()
    {
        var alice = ChatHost.NewUser("alice");
        var id = await host.DirectAsync(alice, ChatHost.NewUser("bob"));
        await using var connection = await host.ConnectAsync(alice);

        var notAnObject = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync("sendMessage", "hello"));
        var wrongType = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync("sendMessage", new { conversationId = 42, content = "x" }));
        var ack = await connection.SendAsync(id, "the connection is still usable");

        var noArgument = await Assert.ThrowsAsync<HubException>(() => connection.Hub.InvokeAsync<JsonElement>("sendMessage"));
        var twoArguments = await Assert.ThrowsAsync<HubException>(() => connection.Hub.InvokeAsync<JsonElement>("sendMessage", new { conversationId = id, content = "x" }, 2));
        var unknownMethod = await Assert.ThrowsAsync<HubException>(() => connection.CallAsync("deleteEverything", new { }));

        Assert.Equal("Failed to invoke 'SendMessage' due to an error on the server.", notAnObject.Message);
        Assert.Equal("Failed to invoke 'SendMessage' due to an error on the server.", wrongType.Message);
        Assert.Equal("Failed to invoke 'SendMessage' due to an error on the server.", noArgument.Message);
        Assert.Equal("Failed to invoke 'SendMessage' due to an error on the server.", twoArguments.Message);
        Assert.Equal("Failed to invoke 'deleteEverything' due to an error on the server. HubException: Method does not exist.", unknownMethod.Message);
        Assert.Equal(1, ack.GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task MarkAsRead_EmitsMessageReadToParticipantsAndNeverMovesBackward()
    {
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        var id = await host.DirectAsync(alice, bob);
        await using var aliceConnection = await host.ConnectAsync(alice);
        await using var bobConnection = await host.ConnectAsync(bob);
        var m1 = (await aliceConnection.SendAsync(id, "1")).GetProperty("messageId").GetString();
        var m2 = (await aliceConnection.SendAsync(id, "2")).GetProperty("messageId").GetString();
        await aliceConnection.SendAsync(id, "3");

        await bobConnection.CallAsync("markAsRead", new { conversationId = id, messageId = m2 });
        var afterM2 = await UnreadAsync(bob, id);
        await bobConnection.CallAsync("markAsRead", new { conversationId = id, messageId = m1 });
        var afterM1 = await UnreadAsync(bob, id);

        Assert.Equal(1, afterM2);
        Assert.Equal(1, afterM1);
        foreach (var connection in new[] { aliceConnection, bobConnection })
        {
            var receipts = await connection.WaitForCountAsync("messageRead", 2);
            Assert.Equal([m2, m1], receipts.Select(r => r.Get("messageId")));
            Assert.All(receipts, r =>
            {
                Assert.Equal(id, r.Get("conversationId"));
                Assert.Equal(bob, r.Get("readBy"));
                Assert.EndsWith("Z", r.Get("readAt"), StringComparison.Ordinal);
            });
        }
    }

    [Fact]
    public async Task MarkAsRead_MessageOfAnotherConversation_FailsWithNotFound()
    {
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        var first = await host.DirectAsync(alice, bob);
        var second = await host.GroupAsync(alice, bob);
        await using var connection = await host.ConnectAsync(alice);
        var inSecond = (await connection.SendAsync(second, "x")).GetProperty("messageId").GetString();

        var wrongConversation = await Assert.ThrowsAsync<HubException>(() => connection.CallAsync("markAsRead", new { conversationId = first, messageId = inSecond }));
        var unknown = await Assert.ThrowsAsync<HubException>(() => connection.CallAsync("markAsRead", new { conversationId = first, messageId = "m_nope" }));
        var missing = await Assert.ThrowsAsync<HubException>(() => connection.CallAsync("markAsRead", new { conversationId = first }));

        Assert.Equal($"not_found: message {inSecond} does not exist", wrongConversation.Message);
        Assert.Equal("not_found: message m_nope does not exist", unknown.Message);
        Assert.Equal("validation_failed: messageId is required", missing.Message);
    }

    [Fact]
    public async Task MarkConversationAsRead_ZeroesUnreadAndEmitsConversationReadEvenWhenNothingMoves()
    {
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        var id = await host.DirectAsync(alice, bob);
        await using var aliceConnection = await host.ConnectAsync(alice);
        await using var bobConnection = await host.ConnectAsync(bob);
        await aliceConnection.SendAsync(id, "1");
        await aliceConnection.SendAsync(id, "2");

        var before = await UnreadAsync(bob, id);
        await bobConnection.CallAsync("markConversationAsRead", new { conversationId = id });
        await bobConnection.CallAsync("markConversationAsRead", new { conversationId = id });

        Assert.Equal(2, before);
        Assert.Equal(0, await UnreadAsync(bob, id));
        foreach (var connection in new[] { aliceConnection, bobConnection })
        {
            var receipts = await connection.WaitForCountAsync("conversationRead", 2);
            Assert.All(receipts, r =>
            {
                Assert.Equal(id, r.Get("conversationId"));
                Assert.Equal(bob, r.Get("readBy"));
                Assert.EndsWith("Z", r.Get("readAt"), StringComparison.Ordinal);
            });
        }
    }

    [Fact]
    public async Task UnreadCount_CountsOtherSendersAfterReadPositionAndSkipsDeleted()
    {
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        var id = await host.DirectAsync(alice, bob);
        await using var aliceConnection = await host.ConnectAsync(alice);
        await using var bobConnection = await host.ConnectAsync(bob);
        await aliceConnection.SendAsync(id, "1");
        var toDelete = (await aliceConnection.SendAsync(id, "2")).GetProperty("messageId").GetString();
        await aliceConnection.SendAsync(id, "3");

        var three = await UnreadAsync(bob, id);
        using (var http = host.Http(alice))
        {
            (await http.DeleteAsync($"/chats/messages/{toDelete}")).EnsureSuccessStatusCode();
        }

        var two = await UnreadAsync(bob, id);
        await bobConnection.SendAsync(id, "bob's reply moves bob's own read position");

        Assert.Equal(3, three);
        Assert.Equal(2, two);
        Assert.Equal(0, await UnreadAsync(bob, id));
        Assert.Equal(1, await UnreadAsync(alice, id));
    }

    private async Task<int> UnreadAsync(string userId, string conversationId)
    {
        using var http = host.Http(userId);
        var conversation = await http.GetFromJsonAsync<JsonElement>($"/chats/conversations/{conversationId}");
        return conversation.GetProperty("unreadCount").GetInt32();
    }
}
