using ChatKit.Core.Tests.Support;
using ChatKit.Events;
using static ChatKit.Core.Tests.Support.ChatHarness;

namespace ChatKit.Core.Tests;

public sealed class ParticipantTests
{
    private static IEnumerable<(string, ParticipantRole)> Roles(ConversationView view) =>
        view.Conversation.Participants.Select(p => (p.UserId, p.Role));

    [Fact]
    public async Task AddParticipants_ByOwner_AddsMembersAndPublishesTheNewOnes()
    {
        await using var chat = new ChatHarness();
        var group = await chat.CreateGroupAsync(Alice, Bob);
        chat.Time.Advance(TimeSpan.FromMinutes(1));

        var view = await chat.Chat.AddParticipantsAsync(Alice, group.Conversation.Id, [Carol.Id, Bob.Id, Dave.Id, Carol.Id], Ct);

        Assert.Equal(
            [(Alice.Id, ParticipantRole.Owner), (Bob.Id, ParticipantRole.Member), (Carol.Id, ParticipantRole.Member), (Dave.Id, ParticipantRole.Member)],
            Roles(view));
        Assert.Equal(group.Conversation.Participants[1], view.Conversation.Participants[1]);
        Assert.Equal(chat.Now, view.Conversation.Participants[2].JoinedAt);
        var added = Assert.Single(chat.Events.Of<ParticipantsAddedEvent>());
        Assert.Equal(group.Conversation.Id, added.ConversationId);
        Assert.Equal([Carol.Id, Dave.Id], added.UserIds);
        Assert.Equal([Alice.Id, Bob.Id, Carol.Id, Dave.Id], added.ParticipantIds);
        Assert.Equal(group.Conversation.Id, (await chat.Chat.GetConversationAsync(Carol, group.Conversation.Id, Ct)).Conversation.Id);
    }

    [Fact]
    public async Task AddParticipants_OnlyExistingOnes_PublishesNothing()
    {
        await using var chat = new ChatHarness();
        var group = await chat.CreateGroupAsync(Alice, Bob);
        chat.Events.Clear();

        var view = await chat.Chat.AddParticipantsAsync(Alice, group.Conversation.Id, [Bob.Id, Alice.Id], Ct);

        Assert.Equal(2, view.Conversation.Participants.Count);
        Assert.Empty(chat.Events.Events);
    }

    [Fact]
    public async Task AddParticipants_ByAdmin_IsAllowed()
    {
        await using var chat = new ChatHarness();
        var group = await chat.CreateGroupAsync(Alice, Bob);
        await chat.AddAdminAsync(group.Conversation.Id, Carol);

        var view = await chat.Chat.AddParticipantsAsync(Carol, group.Conversation.Id, [Dave.Id], Ct);

        Assert.Contains((Dave.Id, ParticipantRole.Member), Roles(view));
    }

    [Fact]
    public async Task AddParticipants_ByMember_IsForbidden()
    {
        await using var chat = new ChatHarness();
        var group = await chat.CreateGroupAsync(Alice, Bob);

        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.AddParticipantsAsync(Bob, group.Conversation.Id, [Carol.Id], Ct));

        Assert.Equal("forbidden", error.Code);
        Assert.False((await chat.Store.FindConversationAsync(group.Conversation.Id, Ct))!.HasParticipant(Carol.Id));
    }

    [Fact]
    public async Task AddParticipants_ToDirect_IsConflict()
    {
        await using var chat = new ChatHarness();
        var direct = await chat.CreateDirectAsync(Alice, Bob);

        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.AddParticipantsAsync(Alice, direct.Conversation.Id, [Carol.Id], Ct));

        Assert.Equal("conflict", error.Code);
        Assert.Equal(2, (await chat.Store.FindConversationAsync(direct.Conversation.Id, Ct))!.Participants.Count);
    }

    [Fact]
    public async Task AddParticipants_ByNonParticipant_IsNotFound()
    {
        await using var chat = new ChatHarness();
        var group = await chat.CreateGroupAsync(Alice, Bob);

        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.AddParticipantsAsync(Carol, group.Conversation.Id, [Carol.Id], Ct));

        Assert.Equal("not_found", error.Code);
    }

    [Fact]
    public async Task AddParticipants_WithoutUserIds_IsValidationFailed()
    {
        await using var chat = new ChatHarness();
        var group = await chat.CreateGroupAsync(Alice, Bob);

        var empty = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.AddParticipantsAsync(Alice, group.Conversation.Id, [], Ct));
        var blank = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.AddParticipantsAsync(Alice, group.Conversation.Id, [" "], Ct));

        Assert.Equal("validation_failed", empty.Code);
        Assert.Contains("userIds", empty.Errors.Keys);
        Assert.Equal("validation_failed", blank.Code);
    }

    [Fact]
    public async Task AddParticipants_BeyondMaxGroupParticipants_IsValidationFailed()
    {
        await using var chat = new ChatHarness(o => o.MaxGroupParticipants = 3);
        var group = await chat.CreateGroupAsync(Alice, Bob);

        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.AddParticipantsAsync(Alice, group.Conversation.Id, [Carol.Id, Dave.Id], Ct));
        var full = await chat.Chat.AddParticipantsAsync(Alice, group.Conversation.Id, [Carol.Id], Ct);

        Assert.Equal("validation_failed", error.Code);
        Assert.Equal(3, full.Conversation.Participants.Count);
    }

    [Fact]
    public async Task RemoveParticipant_ByOwner_RemovesAndPublishesToRemainingAndRemoved()
    {
        await using var chat = new ChatHarness();
        var group = await chat.CreateGroupAsync(Alice, Bob, Carol);
        var id = group.Conversation.Id;

        await chat.Chat.RemoveParticipantAsync(Alice, id, Bob.Id, Ct);

        var removed = Assert.Single(chat.Events.Of<ParticipantRemovedEvent>());
        Assert.Equal(id, removed.ConversationId);
        Assert.Equal(Bob.Id, removed.UserId);
        Assert.Equal([Alice.Id, Carol.Id], removed.ParticipantIds);
        Assert.Equal("not_found", (await Assert.ThrowsAsync<ChatException>(() => chat.Chat.GetConversationAsync(Bob, id, Ct))).Code);
        Assert.Empty((await chat.Chat.ListConversationsAsync(Bob, cancellationToken: Ct)).Items);
    }

    [Fact]
    public async Task RemoveParticipant_OwnerRemovingAdmin_IsAllowed()
    {
        await using var chat = new ChatHarness();
        var group = await chat.CreateGroupAsync(Alice, Bob);
        await chat.AddAdminAsync(group.Conversation.Id, Carol);

        await chat.Chat.RemoveParticipantAsync(Alice, group.Conversation.Id, Carol.Id, Ct);

        Assert.False((await chat.Store.FindConversationAsync(group.Conversation.Id, Ct))!.HasParticipant(Carol.Id));
    }

    [Fact]
    public async Task RemoveParticipant_AdminRemovingMember_IsAllowed()
    {
        await using var chat = new ChatHarness();
        var group = await chat.CreateGroupAsync(Alice, Bob);
        await chat.AddAdminAsync(group.Conversation.Id, Carol);

        await chat.Chat.RemoveParticipantAsync(Carol, group.Conversation.Id, Bob.Id, Ct);

        Assert.False((await chat.Store.FindConversationAsync(group.Conversation.Id, Ct))!.HasParticipant(Bob.Id));
        Assert.Single(chat.Events.Of<ParticipantRemovedEvent>());
    }

    [Theory]
    [InlineData("alice")] // the owner
    [InlineData("dave")]  // another admin
    public async Task RemoveParticipant_AdminRemovingOwnerOrAdmin_IsForbidden(string target)
    {
        await using var chat = new ChatHarness();
        var group = await chat.CreateGroupAsync(Alice, Bob);
        await chat.AddAdminAsync(group.Conversation.Id, Carol);
        await chat.AddAdminAsync(group.Conversation.Id, Dave);

        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.RemoveParticipantAsync(Carol, group.Conversation.Id, target, Ct));

        Assert.Equal("forbidden", error.Code);
        Assert.True((await chat.Store.FindConversationAsync(group.Conversation.Id, Ct))!.HasParticipant(target));
        Assert.Empty(chat.Events.Of<ParticipantRemovedEvent>());
    }

    [Fact]
    public async Task RemoveParticipant_ByMember_IsForbidden()
    {
        await using var chat = new ChatHarness();
        var group = await chat.CreateGroupAsync(Alice, Bob, Carol);

        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.RemoveParticipantAsync(Bob, group.Conversation.Id, Carol.Id, Ct));

        Assert.Equal("forbidden", error.Code);
        Assert.True((await chat.Store.FindConversationAsync(group.Conversation.Id, Ct))!.HasParticipant(Carol.Id));
    }

    [Fact]
    public async Task RemoveParticipant_FromDirect_IsConflict()
    {
        await using var chat = new ChatHarness();
        var direct = await chat.CreateDirectAsync(Alice, Bob);

        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.RemoveParticipantAsync(Alice, direct.Conversation.Id, Bob.Id, Ct));

        Assert.Equal("conflict", error.Code);
    }

    [Fact]
    public async Task RemoveParticipant_UserNotInTheGroup_IsNotFound()
    {
        await using var chat = new ChatHarness();
        var group = await chat.CreateGroupAsync(Alice, Bob);

        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.RemoveParticipantAsync(Alice, group.Conversation.Id, Carol.Id, Ct));

        Assert.Equal("not_found", error.Code);
    }

    [Fact]
    public async Task RemoveParticipant_ByNonParticipant_IsNotFound()
    {
        await using var chat = new ChatHarness();
        var group = await chat.CreateGroupAsync(Alice, Bob);

        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.RemoveParticipantAsync(Carol, group.Conversation.Id, Bob.Id, Ct));

        Assert.Equal("not_found", error.Code);
    }

    [Fact]
    public async Task RemoveParticipant_Oneself_IsLeaving()
    {
        await using var chat = new ChatHarness();
        var group = await chat.CreateGroupAsync(Alice, Bob, Carol);

        await chat.Chat.RemoveParticipantAsync(Bob, group.Conversation.Id, Bob.Id, Ct);

        Assert.False((await chat.Store.FindConversationAsync(group.Conversation.Id, Ct))!.HasParticipant(Bob.Id));
        Assert.Equal(Bob.Id, Assert.Single(chat.Events.Of<ParticipantRemovedEvent>()).UserId);
    }

    [Fact]
    public async Task Leave_ByMember_RemovesThemAndPublishes()
    {
        await using var chat = new ChatHarness();
        var group = await chat.CreateGroupAsync(Alice, Bob, Carol);

        await chat.Chat.LeaveConversationAsync(Carol, group.Conversation.Id, Ct);

        var removed = Assert.Single(chat.Events.Of<ParticipantRemovedEvent>());
        Assert.Equal(Carol.Id, removed.UserId);
        Assert.Equal([Alice.Id, Bob.Id], removed.ParticipantIds);
        var view = await chat.Chat.GetConversationAsync(Alice, group.Conversation.Id, Ct);
        Assert.Equal([(Alice.Id, ParticipantRole.Owner), (Bob.Id, ParticipantRole.Member)], Roles(view));
    }

    [Fact]
    public async Task Leave_Direct_IsConflict()
    {
        await using var chat = new ChatHarness();
        var direct = await chat.CreateDirectAsync(Alice, Bob);

        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.LeaveConversationAsync(Alice, direct.Conversation.Id, Ct));

        Assert.Equal("conflict", error.Code);
        Assert.Empty(chat.Events.Of<ParticipantRemovedEvent>());
    }

    [Fact]
    public async Task Leave_NotAParticipant_IsNotFound()
    {
        await using var chat = new ChatHarness();
        var group = await chat.CreateGroupAsync(Alice, Bob);

        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.LeaveConversationAsync(Carol, group.Conversation.Id, Ct));

        Assert.Equal("not_found", error.Code);
    }

    [Fact]
    public async Task Leave_ByOwner_PassesOwnershipToTheFirstAdmin()
    {
        await using var chat = new ChatHarness();
        var group = await chat.CreateGroupAsync(Alice, Bob, Carol);
        chat.Time.Advance(TimeSpan.FromMinutes(1));
        await chat.AddAdminAsync(group.Conversation.Id, Dave);
        chat.Time.Advance(TimeSpan.FromMinutes(1));
        await chat.AddAdminAsync(group.Conversation.Id, Eve);

        await chat.Chat.LeaveConversationAsync(Alice, group.Conversation.Id, Ct);

        var view = await chat.Chat.GetConversationAsync(Dave, group.Conversation.Id, Ct);
        Assert.Equal(
            [(Bob.Id, ParticipantRole.Member), (Carol.Id, ParticipantRole.Member), (Dave.Id, ParticipantRole.Owner), (Eve.Id, ParticipantRole.Admin)],
            Roles(view));
        Assert.Equal([Bob.Id, Carol.Id, Dave.Id, Eve.Id], Assert.Single(chat.Events.Of<ParticipantRemovedEvent>()).ParticipantIds);
    }

    [Fact]
    public async Task Leave_ByOwnerWithoutAdmins_PassesOwnershipToTheFirstMember()
    {
        await using var chat = new ChatHarness();
        var group = await chat.CreateGroupAsync(Alice, Carol);
        chat.Time.Advance(TimeSpan.FromMinutes(1));
        await chat.Chat.AddParticipantsAsync(Alice, group.Conversation.Id, [Bob.Id], Ct);

        await chat.Chat.LeaveConversationAsync(Alice, group.Conversation.Id, Ct);

        var view = await chat.Chat.GetConversationAsync(Carol, group.Conversation.Id, Ct);
        Assert.Equal([(Carol.Id, ParticipantRole.Owner), (Bob.Id, ParticipantRole.Member)], Roles(view));

        // The new owner has the owner's rights.
        await chat.Chat.RemoveParticipantAsync(Carol, group.Conversation.Id, Bob.Id, Ct);
    }

    [Fact]
    public async Task Leave_LastParticipant_LeavesAnEmptyGroup()
    {
        await using var chat = new ChatHarness();
        var group = await chat.CreateGroupAsync(Alice, Bob);
        await chat.Chat.LeaveConversationAsync(Bob, group.Conversation.Id, Ct);

        await chat.Chat.LeaveConversationAsync(Alice, group.Conversation.Id, Ct);

        Assert.Empty((await chat.Store.FindConversationAsync(group.Conversation.Id, Ct))!.Participants);
        Assert.Equal("not_found", (await Assert.ThrowsAsync<ChatException>(() => chat.Chat.GetConversationAsync(Alice, group.Conversation.Id, Ct))).Code);
    }
}
