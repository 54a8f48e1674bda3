using System.Net;
using System.Text.Json;
using ChatKit.AspNetCore.Tests.Support;
using ChatKit.Storage;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.AspNetCore.Tests;

/// <summary>POST .../participants, DELETE .../participants/{userId} and POST .../leave.</summary>
public sealed class ParticipantTests(ChatHost host) : IClassFixture<ChatHost>
{
    [Fact]
    public async Task AddParticipants_ByOwner_Returns200ConversationAndNotifiesEveryoneIncludingNewcomers()
    {
        var owner = ChatHost.NewUser("owner");
        var member = ChatHost.NewUser("member");
        var newcomer = ChatHost.NewUser("newcomer");
        var id = await host.GroupAsync(owner, member);
        await using var ownerConnection = await host.ConnectAsync(owner);
        await using var memberConnection = await host.ConnectAsync(member);
        await using var newcomerConnection = await host.ConnectAsync(newcomer);
        using var http = host.Http(owner);

        var (response, body) = await http.PostJsonAsync($"/chats/conversations/{id}/participants", new { userIds = new[] { newcomer, member, newcomer } });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(id, body.GetProperty("id").GetString());
        var roles = body.GetProperty("participants").EnumerateArray().ToDictionary(p => p.GetProperty("userId").GetString()!, p => p.GetProperty("role").GetString());
        Assert.Equal("member", roles[newcomer]);
        Assert.Equal(3, roles.Count);
        foreach (var connection in new[] { ownerConnection, memberConnection, newcomerConnection })
        {
            var added = await connection.WaitForAsync("participantsAdded");
            Assert.Equal(id, added.Get("conversationId"));
            Assert.Equal([newcomer], added.Payload.GetProperty("userIds").EnumerateArray().Select(u => u.GetString()));
        }

        // The newcomer is now a participant in every sense: it can join the room and read the history.
        var joined = await newcomerConnection.InvokeAsync("joinRoom", new { conversationId = id });
        Assert.Equal(id, joined.GetProperty("id").GetString());
    }

    [Fact]
    public async Task AddParticipants_AlreadyThere_Returns200WithoutEvent()
    {
        var owner = ChatHost.NewUser("owner");
        var member = ChatHost.NewUser("member");
        var id = await host.GroupAsync(owner, member);
        await using var memberConnection = await host.ConnectAsync(member);
        using var http = host.Http(owner);

        var (response, _) = await http.PostJsonAsync($"/chats/conversations/{id}/participants", new { userIds = new[] { member, owner } });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var marker = await host.SyncAsync(memberConnection);
        Assert.DoesNotContain(memberConnection.Before(marker), e => e.Name == "participantsAdded");
    }

    [Fact]
    public async Task AddParticipants_Refusals_MapToForbiddenConflictAndValidation()
    {
        var owner = ChatHost.NewUser("owner");
        var member = ChatHost.NewUser("member");
        var group = await host.GroupAsync(owner, member);
        var direct = await host.DirectAsync(owner, member);
        using var ownerHttp = host.Http(owner);
        using var memberHttp = host.Http(member);

        var (byMember, forbidden) = await memberHttp.PostJsonAsync($"/chats/conversations/{group}/participants", new { userIds = new[] { "x" } });
        var (toDirect, conflict) = await ownerHttp.PostJsonAsync($"/chats/conversations/{direct}/participants", new { userIds = new[] { "x" } });
        var (empty, validation) = await ownerHttp.PostJsonAsync($"/chats/conversations/{group}/participants", new { userIds = Array.Empty<string>() });
        var (missing, missingProblem) = await ownerHttp.PostJsonAsync($"/chats/conversations/{group}/participants", new { });

        Assert.Equal(HttpStatusCode.Forbidden, byMember.StatusCode);
        Assert.Equal("forbidden", forbidden.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.Conflict, toDirect.StatusCode);
        Assert.Equal("conflict", conflict.GetProperty("code").GetString());
        Assert.Equal("Conflict", conflict.GetProperty("title").GetString());
        Assert.Equal(409, conflict.GetProperty("status").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.True(validation.GetProperty("errors").TryGetProperty("userIds", out _));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.True(missingProblem.GetProperty("errors").TryGetProperty("userIds", out _));
    }

    [Fact]
    public async Task RemoveParticipant_ByOwner_Returns204NotifiesRemovedUserAndTakesTheirConnectionsOutOfTheRoom()
    {
        var owner = ChatHost.NewUser("owner");
        var stays = ChatHost.NewUser("stays");
        var removed = ChatHost.NewUser("removed");
        var id = await host.GroupAsync(owner, stays, removed);
        await using var ownerConnection = await host.ConnectAsync(owner);
        await using var staysConnection = await host.ConnectAsync(stays);
        await using var removedConnection = await host.ConnectAsync(removed);
        await removedConnection.InvokeAsync("joinRoom", new { conversationId = id });
        using var http = host.Http(owner);

        var (response, _) = await http.DeleteJsonAsync($"/chats/conversations/{id}/participants/{removed}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        foreach (var connection in new[] { ownerConnection, staysConnection, removedConnection })
        {
            var removal = await connection.WaitForAsync("participantRemoved");
            Assert.Equal(id, removal.Get("conversationId"));
            Assert.Equal(removed, removal.Get("userId"));
        }

        // No longer in the room: typing and messages of the group no longer reach the removed user.
        await ownerConnection.CallAsync("typing", new { conversationId = id });
        await ownerConnection.SendAsync(id, "after the removal");
        await staysConnection.WaitForAsync("newMessage");
        var marker = await host.SyncAsync(removedConnection);
        Assert.DoesNotContain(removedConnection.Before(marker), e => e.Name is "userTyping" or "newMessage");
        using var removedHttp = host.Http(removed);
        var (gone, _) = await removedHttp.GetJsonAsync($"/chats/conversations/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);

        // Nor can the removed user send to it: the append itself checks membership.
        var refused = await Assert.ThrowsAsync<HubException>(() => removedConnection.SendAsync(id, "still here?"));
        Assert.StartsWith("not_found", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RemoveParticipant_AdminMayRemoveMembersOnlyAndMembersNobody()
    {
        var (id, owner, admin, member, _) = await GroupWithAdminAsync();
        var other = ChatHost.NewUser("other");
        using var ownerHttp = host.Http(owner);
        (await ownerHttp.PostJsonAsync($"/chats/conversations/{id}/participants", new { userIds = new[] { other } })).Response.EnsureSuccessStatusCode();
        using var adminHttp = host.Http(admin);
        using var memberHttp = host.Http(member);

        var (memberRemoves, _) = await memberHttp.DeleteJsonAsync($"/chats/conversations/{id}/participants/{other}");
        var (adminRemovesOwner, problem) = await adminHttp.DeleteJsonAsync($"/chats/conversations/{id}/participants/{owner}");
        var (adminRemovesMember, _) = await adminHttp.DeleteJsonAsync($"/chats/conversations/{id}/participants/{other}");
        var (notThere, notFound) = await adminHttp.DeleteJsonAsync($"/chats/conversations/{id}/participants/{other}");
        var (ownerRemovesAdmin, _) = await ownerHttp.DeleteJsonAsync($"/chats/conversations/{id}/participants/{admin}");

        Assert.Equal(HttpStatusCode.Forbidden, memberRemoves.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, adminRemovesOwner.StatusCode);
        Assert.Equal("forbidden", problem.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NoContent, adminRemovesMember.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, notThere.StatusCode);
        Assert.Equal("not_found", notFound.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NoContent, ownerRemovesAdmin.StatusCode);
    }

    [Fact]
    public async Task RemoveParticipant_FromDirectConversation_Returns409()
    {
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        var id = await host.DirectAsync(alice, bob);
        using var http = host.Http(alice);

        var (response, problem) = await http.DeleteJsonAsync($"/chats/conversations/{id}/participants/{bob}");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("conflict", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task RemoveParticipant_Self_IsLeaving()
    {
        var owner = ChatHost.NewUser("owner");
        var member = ChatHost.NewUser("member");
        var id = await host.GroupAsync(owner, member);
        using var memberHttp = host.Http(member);

        var (response, _) = await memberHttp.DeleteJsonAsync($"/chats/conversations/{id}/participants/{member}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        using var ownerHttp = host.Http(owner);
        var (_, conversation) = await ownerHttp.GetJsonAsync($"/chats/conversations/{id}");
        Assert.Equal([owner], conversation.GetProperty("participants").EnumerateArray().Select(p => p.GetProperty("userId").GetString()));
    }

    [Fact]
    public async Task Leave_Returns204AndNotifiesRemainingAndLeaver()
    {
        var owner = ChatHost.NewUser("owner");
        var leaver = ChatHost.NewUser("leaver");
        var id = await host.GroupAsync(owner, leaver);
        await using var ownerConnection = await host.ConnectAsync(owner);
        await using var leaverConnection = await host.ConnectAsync(leaver);
        using var http = host.Http(leaver);

        var (response, _) = await http.PostJsonAsync($"/chats/conversations/{id}/leave");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        foreach (var connection in new[] { ownerConnection, leaverConnection })
        {
            var removal = await connection.WaitForAsync("participantRemoved");
            Assert.Equal(leaver, removal.Get("userId"));
            Assert.Equal(id, removal.Get("conversationId"));
        }

        var (again, _) = await http.PostJsonAsync($"/chats/conversations/{id}/leave");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task Leave_DirectConversation_Returns409()
    {
        var alice = ChatHost.NewUser("alice");
        var id = await host.DirectAsync(alice, ChatHost.NewUser("bob"));
        using var http = host.Http(alice);

        var (response, problem) = await http.PostJsonAsync($"/chats/conversations/{id}/leave");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("conflict", problem.GetProperty("code").GetString());
        Assert.Equal("a direct conversation cannot be left", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Leave_ByOwner_PassesOwnershipToAnAdminFirst()
    {
        var (id, owner, admin, _, _) = await GroupWithAdminAsync();
        using var http = host.Http(owner);

        (await http.PostJsonAsync($"/chats/conversations/{id}/leave")).Response.EnsureSuccessStatusCode();

        Assert.Equal("owner", await RoleAsync(admin, id, admin));
    }

    [Fact]
    public async Task Leave_ByOwnerWithoutAdmins_PassesOwnershipToFirstMemberByUserId()
    {
        var owner = ChatHost.NewUser("owner");
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var (first, second) = ($"a-{suffix}", $"b-{suffix}");
        var id = await host.GroupAsync(owner, second, first);
        using var http = host.Http(owner);

        (await http.PostJsonAsync($"/chats/conversations/{id}/leave")).Response.EnsureSuccessStatusCode();

        // Both joined at the same instant, so the user id breaks the tie.
        Assert.Equal("owner", await RoleAsync(first, id, first));
        Assert.Equal("member", await RoleAsync(first, id, second));
    }

    private async Task<string?> RoleAsync(string caller, string conversationId, string userId)
    {
        using var http = host.Http(caller);
        var (_, conversation) = await http.GetJsonAsync($"/chats/conversations/{conversationId}");
        return conversation.GetProperty("participants").EnumerateArray()
            .Single(p => p.GetProperty("userId").GetString() == userId).GetProperty("role").GetString();
    }

    /// <summary>A group with an owner, a member, and an admin who joined after the member.</summary>
    /// <remarks>No endpoint of the contract makes an admin, so the admin is added through the host's store.</remarks>
    private async Task<(string Id, string Owner, string Admin, string Member, JsonElement Conversation)> GroupWithAdminAsync()
    {
        var owner = ChatHost.NewUser("owner");
        var admin = ChatHost.NewUser("admin");
        var member = ChatHost.NewUser("member");
        var conversation = await host.CreateConversationAsync(owner, "group", [member], "Team");
        var id = conversation.GetProperty("id").GetString()!;
        var store = host.Services.GetRequiredService<IChatStore>();
        await store.AddParticipantsAsync(id, [new Participant(admin, ParticipantRole.Admin, DateTimeOffset.UtcNow.AddSeconds(1))], CancellationToken.None);
        return (id, owner, admin, member, conversation);
    }
}
