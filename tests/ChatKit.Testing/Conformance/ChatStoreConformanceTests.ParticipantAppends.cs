namespace ChatKit.Testing.Conformance;

// Appending on behalf of a participant: membership is part of the append.
public abstract partial class ChatStoreConformanceTests
{
    [Fact]
    public async Task AppendParticipantMessage_FromAParticipant_StoresItAndReturnsTheParticipants()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);
        var sender = group.Participants[1].UserId;

        var appended = await store.AppendParticipantMessageAsync(NewMessage(group.Id, sender, tempId: NewTempId()), Ct);

        Assert.NotNull(appended);
        Assert.True(appended.Result.Created);
        Assert.Equal(1, appended.Result.Value.Seq);
        Assert.Equal(group.Type, appended.ConversationType);
        Assert.Equal(group.Participants.Select(p => p.UserId).Order(StringComparer.Ordinal), appended.ParticipantIds.Order(StringComparer.Ordinal));
        Assert.Equal(1, await store.GetReadPositionAsync(group.Id, sender, Ct));
    }

    [Fact]
    public async Task AppendParticipantMessage_FromAnOutsiderOrToAMissingConversation_ReturnsNullAndStoresNothing()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);

        Assert.Null(await store.AppendParticipantMessageAsync(NewMessage(group.Id, NewUserId()), Ct));
        Assert.Null(await store.AppendParticipantMessageAsync(NewMessage("c_missing_" + NewUserId(), group.Participants[0].UserId), Ct));

        Assert.Empty((await store.GetMessagesAsync(group.Id, null, null, 10, Ct)).Items);
        Assert.Equal(0, (await store.FindConversationAsync(group.Id, Ct))!.LastSeq);
    }

    [Fact]
    public async Task AppendParticipantMessage_AfterTheSendersRemovalOnAnotherNode_IsRefused_AndSeqsStayGapless()
    {
        var store = await CreateStoreAsync();
        var other = await CreateSecondStoreAsync();
        var group = await CreateGroupAsync(store);
        var (owner, leaving) = (group.Participants[0].UserId, group.Participants[1].UserId);
        await store.AppendParticipantMessageAsync(NewMessage(group.Id, leaving), Ct);

        Assert.NotNull(await other.RemoveParticipantAsync(group.Id, leaving, null, Ct));
        var refused = await store.AppendParticipantMessageAsync(NewMessage(group.Id, leaving, tempId: NewTempId()), Ct);
        var next = await store.AppendParticipantMessageAsync(NewMessage(group.Id, owner), Ct);

        Assert.Null(refused);
        Assert.NotNull(next);
        Assert.Equal(2, next.Result.Value.Seq);
        Assert.DoesNotContain(leaving, next.ParticipantIds);
        Assert.Equal([1L, 2], (await store.GetMessagesAsync(group.Id, null, null, 10, Ct)).Items.Select(m => m.Seq));
    }

    // A node that appended to a conversation may keep its participants (the EF Core store caches them); these prove that a
    // membership change made through another node is seen by the very next append on the first, both for who may send
    // and for who is told.
    [Fact]
    public async Task AppendParticipantMessage_AfterAnOwnerLeavesOnAnotherNode_RefusesTheOwner_AndNoLongerAddressesThem()
    {
        var store = await CreateStoreAsync();
        var other = await CreateSecondStoreAsync();
        var group = await CreateGroupAsync(store);
        var (owner, member) = (group.Participants[0].UserId, group.Participants[1].UserId);
        Assert.Contains(owner, (await store.AppendParticipantMessageAsync(NewMessage(group.Id, member), Ct))!.ParticipantIds);

        Assert.NotNull(await other.RemoveParticipantPassingOwnershipAsync(group.Id, owner, Ct));
        var refused = await store.AppendParticipantMessageAsync(NewMessage(group.Id, owner), Ct);
        var next = await store.AppendParticipantMessageAsync(NewMessage(group.Id, member), Ct);

        Assert.Null(refused);
        Assert.NotNull(next);
        Assert.Equal(2, next.Result.Value.Seq);
        Assert.DoesNotContain(owner, next.ParticipantIds);
    }

    [Fact]
    public async Task AppendParticipantMessage_AfterAMemberJoinsOnAnotherNode_LetsThemSend_AndAddressesThem()
    {
        var store = await CreateStoreAsync();
        var other = await CreateSecondStoreAsync();
        var group = await CreateGroupAsync(store);
        var owner = group.Participants[0].UserId;
        var newcomer = NewUserId();
        Assert.DoesNotContain(newcomer, (await store.AppendParticipantMessageAsync(NewMessage(group.Id, owner), Ct))!.ParticipantIds);

        Assert.NotNull(await other.AddParticipantsAsync(group.Id, [new Participant(newcomer, ParticipantRole.Member, Now())], Ct));
        var fromNewcomer = await store.AppendParticipantMessageAsync(NewMessage(group.Id, newcomer), Ct);
        var fromOwner = await store.AppendParticipantMessageAsync(NewMessage(group.Id, owner), Ct);

        Assert.NotNull(fromNewcomer);
        Assert.Contains(newcomer, fromNewcomer.ParticipantIds);
        Assert.Contains(newcomer, fromOwner!.ParticipantIds);
        Assert.Equal([1L, 2, 3], (await store.GetMessagesAsync(group.Id, null, null, 10, Ct)).Items.Select(m => m.Seq));
    }

    [Fact]
    public async Task AppendParticipantMessage_AfterARemovalAndARejoinOnAnotherNode_FollowsEachChange()
    {
        var store = await CreateStoreAsync();
        var other = await CreateSecondStoreAsync();
        var group = await CreateGroupAsync(store, memberCount: 3);
        var (owner, leaving) = (group.Participants[0].UserId, group.Participants[2].UserId);
        await store.AppendParticipantMessageAsync(NewMessage(group.Id, leaving), Ct);

        await other.RemoveParticipantAsync(group.Id, leaving, null, Ct);
        var whileAway = await store.AppendParticipantMessageAsync(NewMessage(group.Id, owner), Ct);
        await other.AddParticipantsAsync(group.Id, [new Participant(leaving, ParticipantRole.Member, Now())], Ct);
        var back = await store.AppendParticipantMessageAsync(NewMessage(group.Id, leaving), Ct);
        await other.RemoveParticipantAsync(group.Id, leaving, null, Ct);
        var awayAgain = await store.AppendParticipantMessageAsync(NewMessage(group.Id, leaving), Ct);

        Assert.DoesNotContain(leaving, whileAway!.ParticipantIds);
        Assert.NotNull(back);
        Assert.Contains(leaving, back.ParticipantIds);
        Assert.Null(awayAgain);
        Assert.Equal([1L, 2, 3], (await store.GetMessagesAsync(group.Id, null, null, 10, Ct)).Items.Select(m => m.Seq));
    }
}
