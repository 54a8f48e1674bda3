namespace ChatKit.Testing.Conformance;

// Read positions and participants.
public abstract partial class ChatStoreConformanceTests
{
    [Fact]
    public async Task GetReadPosition_NothingRead_IsZero()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);
        await AppendManyAsync(store, group.Id, 2, group.Participants[0].UserId);

        Assert.Equal(0, await store.GetReadPositionAsync(group.Id, group.Participants[1].UserId, Ct));
        Assert.Equal(0, await store.GetReadPositionAsync(group.Id, NewUserId(), Ct));
    }

    [Fact]
    public async Task AdvanceReadPosition_MovesForwardOnly()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);
        await AppendManyAsync(store, group.Id, 5, group.Participants[0].UserId);
        var reader = group.Participants[1].UserId;

        Assert.Equal(3, await store.AdvanceReadPositionAsync(group.Id, reader, 3, Ct));
        Assert.Equal(3, await store.AdvanceReadPositionAsync(group.Id, reader, 2, Ct));
        Assert.Equal(3, await store.GetReadPositionAsync(group.Id, reader, Ct));
        Assert.Equal(3, await store.AdvanceReadPositionAsync(group.Id, reader, 3, Ct));
        Assert.Equal(5, await store.AdvanceReadPositionAsync(group.Id, reader, 5, Ct));
        Assert.Equal(5, await store.GetReadPositionAsync(group.Id, reader, Ct));
    }

    [Fact]
    public async Task AdvanceReadPosition_IsPerUserAndConversation()
    {
        var store = await CreateStoreAsync();
        var reader = NewUserId();
        var first = NewGroup(NewUserId(), [reader, NewUserId()]);
        var second = NewGroup(NewUserId(), [reader]);
        await store.CreateConversationAsync(first, Ct);
        await store.CreateConversationAsync(second, Ct);
        await AppendManyAsync(store, first.Id, 4, first.Participants[0].UserId);
        await AppendManyAsync(store, second.Id, 4, second.Participants[0].UserId);

        await store.AdvanceReadPositionAsync(first.Id, reader, 4, Ct);

        Assert.Equal(4, await store.GetReadPositionAsync(first.Id, reader, Ct));
        Assert.Equal(0, await store.GetReadPositionAsync(second.Id, reader, Ct));
        Assert.Equal(0, await store.GetReadPositionAsync(first.Id, first.Participants[2].UserId, Ct));
    }

    [Fact]
    public async Task AdvanceReadPosition_BelowThePositionAnAppendSet_KeepsIt()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);
        var sender = group.Participants[1].UserId;
        await AppendManyAsync(store, group.Id, 3, sender);

        Assert.Equal(3, await store.AdvanceReadPositionAsync(group.Id, sender, 1, Ct));
        Assert.Equal(3, await store.GetReadPositionAsync(group.Id, sender, Ct));
    }

    [Fact]
    public async Task AddParticipants_AppendsNewOnesAndKeepsExistingRoleAndJoinTime()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store, memberCount: 1, at: Now().AddMinutes(-1));
        var (owner, member) = (group.Participants[0], group.Participants[1]);
        var joinedAt = Now();
        var newcomer = new Participant(NewUserId(), ParticipantRole.Member, joinedAt);
        var newAdmin = new Participant(NewUserId(), ParticipantRole.Admin, joinedAt.AddMilliseconds(1));

        var updated = await store.AddParticipantsAsync(
            group.Id,
            [
                owner with { Role = ParticipantRole.Member, JoinedAt = joinedAt },
                newcomer,
                member with { Role = ParticipantRole.Admin, JoinedAt = joinedAt },
                newAdmin,
            ],
            Ct);

        Participant[] expected = [owner, member, newcomer, newAdmin];
        Assert.NotNull(updated);
        AssertParticipants(expected, updated.Participants);
        var found = await store.FindConversationAsync(group.Id, Ct);
        AssertConversation(group with { Participants = expected }, found);
        Assert.Single(await store.ListConversationsAsync(newcomer.UserId, null, 10, Ct));
        Assert.Contains(owner.UserId, await store.GetContactsAsync(newAdmin.UserId, Ct));
    }

    [Fact]
    public async Task AddParticipants_OnlyExistingOnes_ChangesNothing()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);

        var updated = await store.AddParticipantsAsync(group.Id, [group.Participants[1] with { Role = ParticipantRole.Owner }], Ct);

        AssertConversation(group, updated);
        AssertConversation(group, await store.FindConversationAsync(group.Id, Ct));
    }

    [Fact]
    public async Task AddParticipants_BeyondTheLimit_AddsNobody()
    {
        var store = await CreateStoreAsync();
        var group = NewGroup(NewUserId(), [NewUserId()]);
        await store.CreateConversationAsync(group, Ct);
        var existing = group.Participants[1] with { Role = ParticipantRole.Admin };

        var refused = await store.AddParticipantsAsync(group.Id, [existing, new Participant(NewUserId(), ParticipantRole.Member, Now()), new Participant(NewUserId(), ParticipantRole.Member, Now())], 3, Ct);
        var atTheLimit = await store.AddParticipantsAsync(group.Id, [existing, new Participant(NewUserId(), ParticipantRole.Member, Now())], 3, Ct);
        var unknown = await store.AddParticipantsAsync(NewConversationId(), [new Participant(NewUserId(), ParticipantRole.Member, Now())], 3, Ct);

        Assert.True(refused.LimitExceeded);
        Assert.Equal(2, refused.Conversation!.Participants.Count);
        Assert.False(atTheLimit.LimitExceeded);
        Assert.Equal(3, atTheLimit.Conversation!.Participants.Count);
        Assert.Equal(ParticipantRole.Member, atTheLimit.Conversation.FindParticipant(existing.UserId)!.Role);
        Assert.Equal(3, (await store.FindConversationAsync(group.Id, Ct))!.Participants.Count);
        Assert.Null(unknown.Conversation);
        Assert.False(unknown.LimitExceeded);
    }

    [Fact]
    public async Task AddParticipants_UnknownConversation_ReturnsNull()
    {
        var store = await CreateStoreAsync();

        Assert.Null(await store.AddParticipantsAsync(NewConversationId(), [new Participant(NewUserId(), ParticipantRole.Member, Now())], Ct));
    }

    [Fact]
    public async Task RemoveParticipant_RemovesTheUserFromTheConversationAndTheirList()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store, memberCount: 2);
        var removed = group.Participants[1].UserId;

        var updated = await store.RemoveParticipantAsync(group.Id, removed, null, Ct);

        Participant[] expected = [group.Participants[0], group.Participants[2]];
        Assert.NotNull(updated);
        AssertParticipants(expected, updated.Participants);
        AssertConversation(group with { Participants = expected }, await store.FindConversationAsync(group.Id, Ct));
        Assert.Empty(await store.ListConversationsAsync(removed, null, 10, Ct));
        Assert.Empty(await store.GetContactsAsync(removed, Ct));
        Assert.DoesNotContain(removed, await store.GetContactsAsync(group.Participants[0].UserId, Ct));
        Assert.Single(await store.ListConversationsAsync(group.Participants[2].UserId, null, 10, Ct));
    }

    [Fact]
    public async Task RemoveParticipant_WithNewOwner_PromotesThemInTheSameOperation()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store, memberCount: 2);
        var (owner, first, second) = (group.Participants[0], group.Participants[1], group.Participants[2]);

        var updated = await store.RemoveParticipantAsync(group.Id, owner.UserId, second.UserId, Ct);

        Participant[] expected = [first, second with { Role = ParticipantRole.Owner }];
        Assert.NotNull(updated);
        AssertParticipants(expected, updated.Participants);
        AssertParticipants(expected, (await store.FindConversationAsync(group.Id, Ct))!.Participants);
    }

    [Fact]
    public async Task RemoveParticipant_NotAParticipant_ChangesNothing()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);

        var updated = await store.RemoveParticipantAsync(group.Id, NewUserId(), null, Ct);

        AssertConversation(group, updated);
        AssertConversation(group, await store.FindConversationAsync(group.Id, Ct));
    }

    [Fact]
    public async Task RemoveParticipant_UnknownConversation_ReturnsNull()
    {
        var store = await CreateStoreAsync();

        Assert.Null(await store.RemoveParticipantAsync(NewConversationId(), NewUserId(), null, Ct));
    }

    [Fact]
    public async Task RemoveParticipant_ThenAddAgain_ListsTheConversationAgain()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);
        var member = group.Participants[1];
        await store.RemoveParticipantAsync(group.Id, member.UserId, null, Ct);
        var rejoined = member with { JoinedAt = Now().AddMinutes(1) };

        var updated = await store.AddParticipantsAsync(group.Id, [rejoined], Ct);

        AssertParticipants([group.Participants[0], group.Participants[2], rejoined], updated!.Participants);
        Assert.Single(await store.ListConversationsAsync(member.UserId, null, 10, Ct));
    }
}
