using System.Net;
using System.Text.Json;
using ChatKit.AspNetCore.Tests.Support;
using Microsoft.AspNetCore.SignalR;

namespace ChatKit.AspNetCore.Tests;

/// <summary>
/// v2 on a real host: markAsDelivered and the positions in the Conversation resource, PATCH of a group, roles and
/// ownership, metadata, and the system messages that record membership and group changes.
/// </summary>
public sealed class GroupAdministrationTests(ChatHost host) : IClassFixture<ChatHost>
{
    private static long PositionOf(JsonElement conversation, string userId, string property) =>
        conversation.GetProperty("participants").EnumerateArray().Single(p => p.GetProperty("userId").GetString() == userId).GetProperty(property).GetInt64();

    private static string RoleOf(JsonElement conversation, string userId) =>
        conversation.GetProperty("participants").EnumerateArray().Single(p => p.GetProperty("userId").GetString() == userId).GetProperty("role").GetString()!;

    [Fact]
    public async Task MarkAsDelivered_TellsTheParticipantsOnce_AndPositionsSurviveAReload()
    {
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        var id = await host.DirectAsync(alice, bob);
        await using var aliceConnection = await host.ConnectAsync(alice);
        await using var bobConnection = await host.ConnectAsync(bob);
        await aliceConnection.SendAsync(id, "one");
        var second = await aliceConnection.SendAsync(id, "two");

        await bobConnection.CallAsync("markAsDelivered", new { conversationId = id, seq = 2 });
        var delivered = await aliceConnection.WaitForAsync("messageDelivered");
        Assert.Equal(["conversationId", "userId", "seq", "eventId"], delivered.Payload.EnumerateObject().Select(p => p.Name));
        Assert.StartsWith("e_", delivered.Get("eventId"), StringComparison.Ordinal);
        Assert.Equal((id, bob, 2L), (delivered.Get("conversationId"), delivered.Get("userId"), delivered.Payload.GetProperty("seq").GetInt64()));

        // Again, or lower: the position did not move, so nobody hears anything.
        await bobConnection.CallAsync("markAsDelivered", new { conversationId = id, seq = 2 });
        await bobConnection.CallAsync("markAsDelivered", new { conversationId = id, seq = 1 });
        var marker = await host.SyncAsync(aliceConnection);
        Assert.Single(aliceConnection.Before(marker), e => e.Name == "messageDelivered");

        await bobConnection.CallAsync("markAsRead", new { conversationId = id, messageId = second.GetProperty("messageId").GetString() });
        using var http = host.Http(alice);
        var (_, reloaded) = await http.GetJsonAsync($"/chats/conversations/{id}");
        Assert.Equal((2L, 2L), (PositionOf(reloaded, bob, "lastReadSeq"), PositionOf(reloaded, bob, "lastDeliveredSeq")));
        Assert.Equal((2L, 2L), (PositionOf(reloaded, alice, "lastReadSeq"), PositionOf(reloaded, alice, "lastDeliveredSeq")));
        var (_, list) = await http.GetJsonAsync("/chats/conversations");
        var listed = list.GetProperty("items").EnumerateArray().Single(c => c.GetProperty("id").GetString() == id);
        Assert.Equal(2L, PositionOf(listed, bob, "lastReadSeq"));

        var missing = await Assert.ThrowsAsync<HubException>(() => bobConnection.CallAsync("markAsDelivered", new { conversationId = id }));
        var negative = await Assert.ThrowsAsync<HubException>(() => bobConnection.CallAsync("markAsDelivered", new { conversationId = id, seq = -1 }));
        var outsider = await host.ConnectAsync(ChatHost.NewUser("eve"));
        await using (outsider)
        {
            var notFound = await Assert.ThrowsAsync<HubException>(() => outsider.CallAsync("markAsDelivered", new { conversationId = id, seq = 1 }));
            Assert.StartsWith("not_found: ", notFound.Message);
        }

        Assert.StartsWith("validation_failed: ", missing.Message);
        Assert.StartsWith("validation_failed: ", negative.Message);
    }

    [Fact]
    public async Task Patch_RenamesWithASystemMessage_UpdatesMetadata_AndTellsEveryParticipant()
    {
        var owner = ChatHost.NewUser("owner");
        var member = ChatHost.NewUser("member");
        var id = await host.GroupAsync(owner, member);
        await using var memberConnection = await host.ConnectAsync(member);
        using var http = host.Http(owner, "Olivia");

        var (response, body) = await http.SendJsonAsync(HttpMethod.Patch, $"/chats/conversations/{id}", new { name = "Launch", metadata = new { color = "red", n = 2 } });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Launch", body.GetProperty("name").GetString());
        Assert.Equal("""{"color":"red","n":2}""", body.GetProperty("metadata").GetRawText());
        var updated = await memberConnection.WaitForAsync("conversationUpdated");
        Assert.Equal("Launch", updated.Get("name"));
        Assert.Equal("red", updated.Payload.GetProperty("metadata").GetProperty("color").GetString());
        var notice = (await memberConnection.WaitForAsync("newMessage")).Payload.GetProperty("message");
        Assert.Equal("system", notice.GetProperty("type").GetString());
        Assert.Equal("Olivia renamed the group to \"Launch\"", notice.GetProperty("content").GetString());
        Assert.Equal(owner, notice.GetProperty("sender").GetProperty("id").GetString());
        Assert.Equal(
            """{"event":"conversation_renamed","actorId":"OWNER","userIds":[],"name":"Launch","role":null}""".Replace("OWNER", owner, StringComparison.Ordinal),
            notice.GetProperty("system").GetRawText());
        Assert.Equal(notice.GetRawText(), body.GetProperty("lastMessage").GetRawText());

        // The system message never counts as unread for the member.
        using var memberHttp = host.Http(member);
        var (_, seen) = await memberHttp.GetJsonAsync($"/chats/conversations/{id}");
        Assert.Equal(0, seen.GetProperty("unreadCount").GetInt32());

        // metadata: null clears it; the name stays.
        var (_, cleared) = await http.SendJsonAsync(HttpMethod.Patch, $"/chats/conversations/{id}", new { metadata = (object?)null });
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("metadata").ValueKind);
        Assert.Equal("Launch", cleared.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Patch_Refusals_MapToForbiddenNotFoundConflictAndValidation()
    {
        var owner = ChatHost.NewUser("owner");
        var member = ChatHost.NewUser("member");
        var group = await host.GroupAsync(owner, member);
        var direct = await host.DirectAsync(owner, member);
        using var ownerHttp = host.Http(owner);
        using var memberHttp = host.Http(member);
        using var outsiderHttp = host.Http(ChatHost.NewUser("eve"));

        var (byMember, forbidden) = await memberHttp.SendJsonAsync(HttpMethod.Patch, $"/chats/conversations/{group}", new { name = "Mine" });
        var (byOutsider, notFound) = await outsiderHttp.SendJsonAsync(HttpMethod.Patch, $"/chats/conversations/{group}", new { name = "Mine" });
        var (onDirect, conflict) = await ownerHttp.SendJsonAsync(HttpMethod.Patch, $"/chats/conversations/{direct}", new { name = "Us" });
        var (array, notObject) = await ownerHttp.SendJsonAsync(HttpMethod.Patch, $"/chats/conversations/{group}", new { metadata = new[] { 1, 2 } });
        var (big, tooBig) = await ownerHttp.SendJsonAsync(HttpMethod.Patch, $"/chats/conversations/{group}", new { metadata = new { text = new string('x', 5000) } });
        var (blank, blankName) = await ownerHttp.SendJsonAsync(HttpMethod.Patch, $"/chats/conversations/{group}", new { name = "  " });

        Assert.Equal((HttpStatusCode.Forbidden, "forbidden"), (byMember.StatusCode, forbidden.GetProperty("code").GetString()));
        Assert.Equal((HttpStatusCode.NotFound, "not_found"), (byOutsider.StatusCode, notFound.GetProperty("code").GetString()));
        Assert.Equal((HttpStatusCode.Conflict, "conflict"), (onDirect.StatusCode, conflict.GetProperty("code").GetString()));
        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"), (array.StatusCode, notObject.GetProperty("code").GetString()));
        Assert.True(notObject.GetProperty("errors").TryGetProperty("metadata", out _));
        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"), (big.StatusCode, tooBig.GetProperty("code").GetString()));
        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"), (blank.StatusCode, blankName.GetProperty("code").GetString()));
        var (_, unchanged) = await ownerHttp.GetJsonAsync($"/chats/conversations/{group}");
        Assert.Equal("Team", unchanged.GetProperty("name").GetString());
        Assert.Equal(0, unchanged.GetProperty("lastSeq").GetInt64());
    }

    [Fact]
    public async Task PutRole_PromotesAndTransfers_OwnerOnly()
    {
        var owner = ChatHost.NewUser("owner");
        var first = ChatHost.NewUser("first");
        var second = ChatHost.NewUser("second");
        var id = await host.GroupAsync(owner, first, second);
        await using var secondConnection = await host.ConnectAsync(second);
        using var ownerHttp = host.Http(owner, "Olivia");
        using var firstHttp = host.Http(first);

        var (promoted, admin) = await ownerHttp.SendJsonAsync(HttpMethod.Put, $"/chats/conversations/{id}/participants/{first}/role", new { role = "admin" });
        Assert.Equal(HttpStatusCode.OK, promoted.StatusCode);
        Assert.Equal("admin", RoleOf(admin, first));
        var updated = await secondConnection.WaitForAsync("conversationUpdated");
        Assert.Equal("admin", RoleOf(updated.Payload, first));
        var notice = (await secondConnection.WaitForAsync("newMessage")).Payload.GetProperty("message");
        Assert.Equal($"Olivia made {first} an admin", notice.GetProperty("content").GetString());
        Assert.Equal("role_changed", notice.GetProperty("system").GetProperty("event").GetString());
        Assert.Equal("admin", notice.GetProperty("system").GetProperty("role").GetString());

        // An admin may manage members but not roles.
        var (byAdmin, forbidden) = await firstHttp.SendJsonAsync(HttpMethod.Put, $"/chats/conversations/{id}/participants/{second}/role", new { role = "admin" });
        Assert.Equal((HttpStatusCode.Forbidden, "forbidden"), (byAdmin.StatusCode, forbidden.GetProperty("code").GetString()));
        var (badRole, invalid) = await ownerHttp.SendJsonAsync(HttpMethod.Put, $"/chats/conversations/{id}/participants/{second}/role", new { role = "king" });
        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"), (badRole.StatusCode, invalid.GetProperty("code").GetString()));
        var (stranger, notFound) = await ownerHttp.SendJsonAsync(HttpMethod.Put, $"/chats/conversations/{id}/participants/nobody-{Guid.NewGuid():N}/role", new { role = "admin" });
        Assert.Equal((HttpStatusCode.NotFound, "not_found"), (stranger.StatusCode, notFound.GetProperty("code").GetString()));

        var (transfer, transferred) = await ownerHttp.SendJsonAsync(HttpMethod.Put, $"/chats/conversations/{id}/participants/{second}/role", new { role = "owner" });
        Assert.Equal(HttpStatusCode.OK, transfer.StatusCode);
        Assert.Equal(("admin", "admin", "owner"), (RoleOf(transferred, owner), RoleOf(transferred, first), RoleOf(transferred, second)));
        var (_, history) = await firstHttp.GetJsonAsync($"/chats/conversations/{id}/messages");
        Assert.Equal(
            [$"Olivia made {first} an admin", $"Olivia made {second} the owner"],
            history.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("content").GetString()));
    }

    [Fact]
    public async Task SendMessage_WithMetadata_CarriesItToEveryoneAndToHistory_AndRefusesBadMetadata()
    {
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        var id = await host.DirectAsync(alice, bob);
        await using var aliceConnection = await host.ConnectAsync(alice);
        await using var bobConnection = await host.ConnectAsync(bob);

        await aliceConnection.InvokeAsync("sendMessage", new { conversationId = id, content = "order", metadata = new { orderId = 42, tags = new[] { "x" } } });
        var received = (await bobConnection.WaitForAsync("newMessage")).Payload.GetProperty("message");
        Assert.Equal("""{"orderId":42,"tags":["x"]}""", received.GetProperty("metadata").GetRawText());
        Assert.Equal(JsonValueKind.Null, received.GetProperty("system").ValueKind);
        using var http = host.Http(bob);
        var (_, page) = await http.GetJsonAsync($"/chats/conversations/{id}/messages");
        Assert.Equal(42, page.GetProperty("items")[0].GetProperty("metadata").GetProperty("orderId").GetInt32());

        var notObject = await Assert.ThrowsAsync<HubException>(() => aliceConnection.InvokeAsync("sendMessage", new { conversationId = id, content = "x", metadata = "text" }));
        var tooBig = await Assert.ThrowsAsync<HubException>(() => aliceConnection.InvokeAsync("sendMessage", new { conversationId = id, content = "x", metadata = new { t = new string('x', 5000) } }));
        Assert.StartsWith("validation_failed: ", notObject.Message);
        Assert.StartsWith("validation_failed: ", tooBig.Message);

        var (created, group) = await http.PostJsonAsync("/chats/conversations", new { type = "group", participantIds = new[] { alice }, name = "G", metadata = new { a = true } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.True(group.GetProperty("metadata").GetProperty("a").GetBoolean());
    }

    [Fact]
    public async Task MembershipChanges_ArriveAsSystemNewMessages_AndALateJoinerSeesThemInHistory()
    {
        var owner = ChatHost.NewUser("owner");
        var member = ChatHost.NewUser("member");
        var late = ChatHost.NewUser("late");
        var id = await host.GroupAsync(owner, member);
        await using var memberConnection = await host.ConnectAsync(member);
        using var ownerHttp = host.Http(owner, "Olivia");

        await ownerHttp.PostJsonAsync($"/chats/conversations/{id}/participants", new { userIds = new[] { late } });
        var added = (await memberConnection.WaitForAsync("newMessage")).Payload.GetProperty("message");
        Assert.Equal($"Olivia added {late}", added.GetProperty("content").GetString());
        Assert.Equal("participants_added", added.GetProperty("system").GetProperty("event").GetString());
        Assert.Equal([late], added.GetProperty("system").GetProperty("userIds").EnumerateArray().Select(u => u.GetString()));
        await ownerHttp.PostJsonAsync($"/chats/conversations/{id}/leave");
        var left = (await memberConnection.WaitForAsync("newMessage", e => e.GetProperty("message").GetProperty("seq").GetInt64() == 2)).Payload.GetProperty("message");
        Assert.Equal("participant_left", left.GetProperty("system").GetProperty("event").GetString());
        var passed = await memberConnection.WaitForAsync("conversationUpdated");
        Assert.Equal("owner", RoleOf(passed.Payload, member));

        using var lateHttp = host.Http(late);
        var (_, history) = await lateHttp.GetJsonAsync($"/chats/conversations/{id}/messages");
        Assert.Equal(
            [("system", $"Olivia added {late}"), ("system", "Olivia left")],
            history.GetProperty("items").EnumerateArray().Select(m => (m.GetProperty("type").GetString(), m.GetProperty("content").GetString())));
        var (_, conversation) = await lateHttp.GetJsonAsync($"/chats/conversations/{id}");
        Assert.Equal(0, conversation.GetProperty("unreadCount").GetInt32());
        Assert.Equal(2, conversation.GetProperty("lastMessage").GetProperty("seq").GetInt64());
    }
}
