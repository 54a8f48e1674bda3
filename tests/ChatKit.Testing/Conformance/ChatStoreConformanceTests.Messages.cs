namespace ChatKit.Testing.Conformance;

// Appending, finding and deleting messages.
public abstract partial class ChatStoreConformanceTests
{
    [Fact]
    public async Task AppendMessage_AssignsSeqFromOneWithoutGaps()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);

        var messages = await AppendManyAsync(store, group.Id, 5, group.Participants[0].UserId, group.Participants[1].UserId);

        Assert.Equal([1L, 2, 3, 4, 5], messages.Select(m => m.Seq));
    }

    [Fact]
    public async Task AppendMessage_IgnoresTheGivenSeqAndStoresEveryOtherFieldUnchanged()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);
        var message = NewMessage(group.Id, group.Participants[1].UserId, content: "Line one\n\tline two ✓", tempId: NewTempId(), at: Now().AddMilliseconds(-987))
            with { Seq = 42 };

        var result = await store.AppendMessageAsync(message, Ct);

        Assert.True(result.Created);
        var expected = message with { Seq = 1 };
        AssertMessage(expected, result.Value);
        AssertMessage(expected, await store.FindMessageAsync(message.Id, Ct));
    }

    [Fact]
    public async Task AppendMessage_SystemMessageWithoutTempId_RoundTrips()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);
        var message = NewMessage(group.Id, group.Participants[0].UserId) with { Type = MessageType.System };

        var result = await store.AppendMessageAsync(message, Ct);

        AssertMessage(message with { Seq = 1 }, await store.FindMessageAsync(result.Value.Id, Ct));
    }

    [Fact]
    public async Task AppendMessage_SeqIsPerConversation()
    {
        var store = await CreateStoreAsync();
        var first = await CreateGroupAsync(store);
        var second = await CreateGroupAsync(store);
        await AppendManyAsync(store, first.Id, 3, first.Participants[0].UserId);

        var result = await store.AppendMessageAsync(NewMessage(second.Id, second.Participants[0].UserId), Ct);

        Assert.Equal(1, result.Value.Seq);
        Assert.Equal(3, (await store.FindConversationAsync(first.Id, Ct))!.LastSeq);
        Assert.Equal(1, (await store.FindConversationAsync(second.Id, Ct))!.LastSeq);
    }

    [Fact]
    public async Task AppendMessage_SetsLastSeqAndLastActivityToTheMessage()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store, at: Now().AddMinutes(-1));
        var at = Now().AddMilliseconds(-5);

        await store.AppendMessageAsync(NewMessage(group.Id, group.Participants[0].UserId, at: at.AddMilliseconds(-1)), Ct);
        await store.AppendMessageAsync(NewMessage(group.Id, group.Participants[1].UserId, at: at), Ct);

        var found = await store.FindConversationAsync(group.Id, Ct);
        Assert.NotNull(found);
        Assert.Equal(2, found.LastSeq);
        AssertTime(at, found.LastActivityAt);
        AssertTime(group.CreatedAt, found.CreatedAt);
        AssertParticipants(group.Participants, found.Participants);
    }

    [Fact]
    public async Task AppendMessage_MovesOnlyTheSendersReadPosition()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);
        var (owner, member) = (group.Participants[0].UserId, group.Participants[1].UserId);
        await AppendManyAsync(store, group.Id, 3, member);

        await store.AppendMessageAsync(NewMessage(group.Id, owner), Ct);

        Assert.Equal(4, await store.GetReadPositionAsync(group.Id, owner, Ct));
        Assert.Equal(3, await store.GetReadPositionAsync(group.Id, member, Ct));
        Assert.Equal(0, await store.GetReadPositionAsync(group.Id, group.Participants[2].UserId, Ct));
    }

    [Fact]
    public async Task AppendMessage_WithUsedTempId_ReturnsFirstMessageAndStoresNothing()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);
        var sender = group.Participants[1].UserId;
        var tempId = NewTempId();
        var first = await store.AppendMessageAsync(NewMessage(group.Id, sender, content: "first", tempId: tempId), Ct);
        var before = await store.FindConversationAsync(group.Id, Ct);

        var retry = await store.AppendMessageAsync(NewMessage(group.Id, sender, content: "retry", tempId: tempId, at: Now().AddSeconds(1)), Ct);

        Assert.True(first.Created);
        Assert.False(retry.Created);
        AssertMessage(first.Value, retry.Value);
        var after = await store.FindConversationAsync(group.Id, Ct);
        Assert.Equal(1, after!.LastSeq);
        AssertTime(before!.LastActivityAt, after.LastActivityAt);
        AssertSeqs([1], await store.GetMessagesAsync(group.Id, null, null, 100, Ct), hasMore: false);
    }

    [Fact]
    public async Task AppendMessage_WithUsedTempIdAfterOtherMessages_ReturnsFirstMessageWithItsSeq()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);
        var sender = group.Participants[1].UserId;
        var tempId = NewTempId();
        var first = await store.AppendMessageAsync(NewMessage(group.Id, sender, tempId: tempId), Ct);
        await AppendManyAsync(store, group.Id, 2, group.Participants[0].UserId, sender);

        var retry = await store.AppendMessageAsync(NewMessage(group.Id, sender, tempId: tempId), Ct);

        Assert.False(retry.Created);
        Assert.Equal(first.Value.Id, retry.Value.Id);
        Assert.Equal(1, retry.Value.Seq);
        Assert.Equal(3, (await store.FindConversationAsync(group.Id, Ct))!.LastSeq);
    }

    [Fact]
    public async Task AppendMessage_SameTempIdByAnotherSender_IsANewMessage()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);
        var tempId = NewTempId();
        var first = await store.AppendMessageAsync(NewMessage(group.Id, group.Participants[0].UserId, tempId: tempId), Ct);

        var other = await store.AppendMessageAsync(NewMessage(group.Id, group.Participants[1].UserId, tempId: tempId), Ct);

        Assert.True(other.Created);
        Assert.NotEqual(first.Value.Id, other.Value.Id);
        Assert.Equal(2, other.Value.Seq);
        Assert.Equal(tempId, (await store.FindMessageAsync(other.Value.Id, Ct))!.TempId);
    }

    [Fact]
    public async Task AppendMessage_SameTempIdInAnotherConversation_IsANewMessage()
    {
        var store = await CreateStoreAsync();
        var sender = NewUserId();
        var first = NewGroup(sender, [NewUserId()]);
        var second = NewGroup(sender, [NewUserId()]);
        await store.CreateConversationAsync(first, Ct);
        await store.CreateConversationAsync(second, Ct);
        var tempId = NewTempId();
        var inFirst = await store.AppendMessageAsync(NewMessage(first.Id, sender, tempId: tempId), Ct);

        var inSecond = await store.AppendMessageAsync(NewMessage(second.Id, sender, tempId: tempId), Ct);

        Assert.True(inSecond.Created);
        Assert.NotEqual(inFirst.Value.Id, inSecond.Value.Id);
        Assert.Equal(second.Id, inSecond.Value.ConversationId);
        Assert.Equal(1, inSecond.Value.Seq);
    }

    [Fact]
    public async Task AppendMessage_WithoutTempId_IsNeverDeduplicated()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);
        var sender = group.Participants[0].UserId;

        var first = await store.AppendMessageAsync(NewMessage(group.Id, sender, content: "same"), Ct);
        var second = await store.AppendMessageAsync(NewMessage(group.Id, sender, content: "same"), Ct);

        Assert.True(first.Created);
        Assert.True(second.Created);
        Assert.Equal([1L, 2], new[] { first.Value.Seq, second.Value.Seq });
        Assert.Null(second.Value.TempId);
    }

    [Fact]
    public async Task FindMessage_Unknown_ReturnsNull()
    {
        var store = await CreateStoreAsync();

        Assert.Null(await store.FindMessageAsync(NewMessageId(), Ct));
    }

    [Fact]
    public async Task DeleteMessage_LeavesTombstoneWithIdSeqAndEmptyContent()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);
        var messages = await AppendManyAsync(store, group.Id, 3, group.Participants[1].UserId);
        var deletedAt = Now().AddMilliseconds(-77);

        var tombstone = await store.DeleteMessageAsync(messages[1].Id, deletedAt, Ct);

        var expected = messages[1] with { Content = string.Empty, DeletedAt = deletedAt };
        AssertMessage(expected, tombstone);
        Assert.True(tombstone!.IsDeleted);
        AssertMessage(expected, await store.FindMessageAsync(messages[1].Id, Ct));
        var page = await store.GetMessagesAsync(group.Id, null, null, 100, Ct);
        AssertSeqs([1, 2, 3], page, hasMore: false);
        AssertMessage(expected, page.Items[1]);
        AssertMessage(messages[0], page.Items[0]);
        AssertMessage(messages[2], page.Items[2]);
        Assert.Equal(3, (await store.FindConversationAsync(group.Id, Ct))!.LastSeq);
    }

    [Fact]
    public async Task DeleteMessage_Twice_KeepsTheFirstDeletionTime()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);
        var message = (await store.AppendMessageAsync(NewMessage(group.Id, group.Participants[0].UserId), Ct)).Value;
        var firstDeletion = Now().AddSeconds(-1);
        await store.DeleteMessageAsync(message.Id, firstDeletion, Ct);

        var again = await store.DeleteMessageAsync(message.Id, firstDeletion.AddSeconds(1), Ct);

        AssertTime(firstDeletion, again?.DeletedAt);
        AssertTime(firstDeletion, (await store.FindMessageAsync(message.Id, Ct))!.DeletedAt);
        Assert.Equal(string.Empty, again!.Content);
    }

    [Fact]
    public async Task DeleteMessage_Unknown_ReturnsNull()
    {
        var store = await CreateStoreAsync();

        Assert.Null(await store.DeleteMessageAsync(NewMessageId(), Now(), Ct));
    }

    [Fact]
    public async Task AppendMessage_AfterDeletion_ContinuesTheSequence()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);
        var sender = group.Participants[0].UserId;
        var messages = await AppendManyAsync(store, group.Id, 2, sender);
        await store.DeleteMessageAsync(messages[1].Id, Now(), Ct);

        var next = await store.AppendMessageAsync(NewMessage(group.Id, sender), Ct);

        Assert.Equal(3, next.Value.Seq);
    }
}
