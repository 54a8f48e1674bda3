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
}
