using System.Text.Json;
using ChatKit.AspNetCore.Tests.Support;
using Microsoft.AspNetCore.SignalR;

namespace ChatKit.AspNetCore.Tests;

/// <summary>The hub's createConversation, joinRoom and leaveRoom.</summary>
public sealed class ConversationHubTests(ChatHost host) : IClassFixture<ChatHost>
{
    [Fact]
    public async Task CreateConversation_Direct_ReturnsConversationAndNotifiesBothParticipantsConnections()
    {
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        await using var alice1 = await host.ConnectAsync(alice);
        await using var alice2 = await host.ConnectAsync(alice);
        await using var bob1 = await host.ConnectAsync(bob);

        var conversation = await alice1.InvokeAsync("createConversation", new { type = "direct", participantIds = new[] { bob } });

        var id = conversation.GetProperty("id").GetString()!;
        Assert.StartsWith("c_", id, StringComparison.Ordinal);
        Assert.Equal("direct", conversation.GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.Null, conversation.GetProperty("name").ValueKind);
        Assert.Equal(alice, conversation.GetProperty("createdBy").GetString());
        Assert.Equal(
            new[] { alice, bob }.Order(StringComparer.Ordinal),
            conversation.GetProperty("participants").EnumerateArray().Select(p => p.GetProperty("userId").GetString()).Order(StringComparer.Ordinal));
        Assert.All(conversation.GetProperty("participants").EnumerateArray(), p => Assert.Equal("member", p.GetProperty("role").GetString()));
        foreach (var connection in new[] { alice1, alice2, bob1 })
        {
            var created = await connection.WaitForAsync("conversationCreated", e => e.GetProperty("id").GetString() == id);
            Assert.Equal("direct", created.Get("type"));
        }
    }

    [Fact]
    public async Task CreateConversation_DirectThatExists_ReturnsSameIdWithoutSecondEvent()
    {
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        await using var aliceConnection = await host.ConnectAsync(alice);
        await using var bobConnection = await host.ConnectAsync(bob);

        var first = await aliceConnection.InvokeAsync("createConversation", new { type = "direct", participantIds = new[] { bob } });
        var again = await bobConnection.InvokeAsync("createConversation", new { type = "direct", participantIds = new[] { alice, bob } });

        var id = first.GetProperty("id").GetString();
        Assert.Equal(id, again.GetProperty("id").GetString());
        var marker = await host.SyncAsync(aliceConnection);
        Assert.Single(aliceConnection.Before(marker), e => e.Name == "conversationCreated" && e.Get("id") == id);
    }

    [Fact]
    public async Task CreateConversation_Group_MakesCreatorOwnerAndNotifiesEveryMember()
    {
        var owner = ChatHost.NewUser("owner");
        var ann = ChatHost.NewUser("ann");
        var ben = ChatHost.NewUser("ben");
        await using var ownerConnection = await host.ConnectAsync(owner);
        await using var annConnection = await host.ConnectAsync(ann);
        await using var benConnection = await host.ConnectAsync(ben);

        var group = await ownerConnection.InvokeAsync("createConversation", new { type = "group", participantIds = new[] { ann, ben, ann }, name = "  Team  " });

        Assert.Equal("group", group.GetProperty("type").GetString());
        Assert.Equal("Team", group.GetProperty("name").GetString());
        var roles = group.GetProperty("participants").EnumerateArray()
            .ToDictionary(p => p.GetProperty("userId").GetString()!, p => p.GetProperty("role").GetString());
        Assert.Equal(3, roles.Count);
        Assert.Equal("owner", roles[owner]);
        Assert.Equal("member", roles[ann]);
        Assert.Equal("member", roles[ben]);
        var id = group.GetProperty("id").GetString();
        await annConnection.WaitForAsync("conversationCreated", e => e.GetProperty("id").GetString() == id);
        await benConnection.WaitForAsync("conversationCreated", e => e.GetProperty("id").GetString() == id);
        await ownerConnection.WaitForAsync("conversationCreated", e => e.GetProperty("id").GetString() == id);
    }

    [Theory]
    [InlineData("direct", 0, null, "a direct conversation takes exactly one other user")]
    [InlineData("direct", 2, null, "a direct conversation takes exactly one other user")]
    [InlineData("group", 0, "Team", "a group needs at least one other participant")]
    [InlineData("group", 1, null, "a group needs a name")]
    [InlineData("group", 1, "   ", "a group needs a name")]
    [InlineData("channel", 1, "Team", "type must be \"direct\" or \"group\"")]
    [InlineData(null, 1, "Team", "type must be \"direct\" or \"group\"")]
    public async Task CreateConversation_WithBadInput_FailsWithValidationFailed(string? type, int others, string? name, string sentence)
    {
        var alice = ChatHost.NewUser("alice");
        await using var connection = await host.ConnectAsync(alice);
        var participantIds = Enumerable.Range(0, others).Select(_ => ChatHost.NewUser("x")).ToArray();

        var error = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync("createConversation", new { type, participantIds, name }));

        Assert.Equal($"validation_failed: {sentence}", error.Message);
    }

    [Fact]
    public async Task CreateConversation_WithTooLongNameOrUserId_FailsWithValidationFailed()
    {
        await using var connection = await host.ConnectAsync(ChatHost.NewUser("alice"));

        var name = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync(
            "createConversation", new { type = "group", participantIds = new[] { ChatHost.NewUser("bob") }, name = new string('n', 201) }));
        var id = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync(
            "createConversation", new { type = "direct", participantIds = new[] { new string('u', 129) } }));
        var okName = await connection.InvokeAsync(
            "createConversation", new { type = "group", participantIds = new[] { ChatHost.NewUser("bob") }, name = new string('n', 200) });
        var okId = await connection.InvokeAsync(
            "createConversation", new { type = "direct", participantIds = new[] { new string('u', 128) } });

        Assert.StartsWith("validation_failed: a group name has at most 200 characters", name.Message, StringComparison.Ordinal);
        Assert.StartsWith("validation_failed: ", id.Message, StringComparison.Ordinal);
        Assert.Equal(200, okName.GetProperty("name").GetString()!.Length);
        Assert.Equal("direct", okId.GetProperty("type").GetString());
    }

    [Fact]
    public async Task CreateConversation_GroupOfMoreThan1000_FailsWithValidationFailed()
    {
        await using var connection = await host.ConnectAsync(ChatHost.NewUser("owner"));
        var prefix = ChatHost.NewUser("m");

        var tooMany = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync(
            "createConversation", new { type = "group", participantIds = Enumerable.Range(0, 1000).Select(i => $"{prefix}-{i}").ToArray(), name = "Big" }));
        var largest = await connection.InvokeAsync(
            "createConversation", new { type = "group", participantIds = Enumerable.Range(0, 999).Select(i => $"{prefix}-{i}").ToArray(), name = "Big" });

        Assert.Equal("validation_failed: a group has at most 1000 participants", tooMany.Message);
        Assert.Equal(1000, largest.GetProperty("participants").GetArrayLength());
    }

    [Fact]
    public async Task JoinRoom_ReturnsConversationAsCallerSeesIt()
    {
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        var id = await host.DirectAsync(alice, bob);
        await using var aliceConnection = await host.ConnectAsync(alice);
        await using var bobConnection = await host.ConnectAsync(bob);
        await aliceConnection.SendAsync(id, "one");
        await aliceConnection.SendAsync(id, "two");

        var forBob = await bobConnection.InvokeAsync("joinRoom", new { conversationId = id });
        var forAlice = await aliceConnection.InvokeAsync("joinRoom", new { conversationId = id });

        Assert.Equal(id, forBob.GetProperty("id").GetString());
        Assert.Equal(2, forBob.GetProperty("unreadCount").GetInt32());
        Assert.Equal(0, forAlice.GetProperty("unreadCount").GetInt32());
        Assert.Equal(2, forBob.GetProperty("lastSeq").GetInt64());
        Assert.Equal("two", forBob.GetProperty("lastMessage").GetProperty("content").GetString());
    }

    [Fact]
    public async Task JoinRoom_WithoutConversationId_FailsWithValidationFailed()
    {
        await using var connection = await host.ConnectAsync(ChatHost.NewUser("alice"));

        var error = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync("joinRoom", new { }));

        Assert.Equal("validation_failed: conversationId is required", error.Message);
    }

    [Fact]
    public async Task LeaveRoom_StopsTypingEventsForThatConnectionOnly()
    {
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        var id = await host.DirectAsync(alice, bob);
        await using var aliceConnection = await host.ConnectAsync(alice);
        await using var bobStays = await host.ConnectAsync(bob);
        await using var bobLeaves = await host.ConnectAsync(bob);
        await bobStays.InvokeAsync("joinRoom", new { conversationId = id });
        await bobLeaves.InvokeAsync("joinRoom", new { conversationId = id });

        await bobLeaves.CallAsync("leaveRoom", new { conversationId = id });
        await aliceConnection.CallAsync("typing", new { conversationId = id });

        await bobStays.WaitForAsync("userTyping", e => e.GetProperty("conversationId").GetString() == id);
        var marker = await host.SyncAsync(bobLeaves);
        Assert.DoesNotContain(bobLeaves.Before(marker), e => e.Name == "userTyping");
    }

    [Fact]
    public async Task LeaveRoom_OfRoomNeverJoined_ReturnsNothingAndRevealsNothing()
    {
        var alice = ChatHost.NewUser("alice");
        var id = await host.DirectAsync(alice, ChatHost.NewUser("bob"));
        await using var outsider = await host.ConnectAsync(ChatHost.NewUser("eve"));

        // The same answer for a conversation that exists and one that does not: leaveRoom only removes the connection
        // from a room it may be in, and tells nothing about the conversation.
        await outsider.CallAsync("leaveRoom", new { conversationId = id });
        await outsider.CallAsync("leaveRoom", new { conversationId = "c_does_not_exist" });

        var error = await Assert.ThrowsAsync<HubException>(() => outsider.CallAsync("leaveRoom", new { conversationId = "" }));
        Assert.StartsWith("validation_failed: ", error.Message, StringComparison.Ordinal);
    }
}
