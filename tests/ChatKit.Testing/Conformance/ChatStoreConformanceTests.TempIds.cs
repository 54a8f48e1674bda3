namespace ChatKit.Testing.Conformance;

// Finding a stored message by its idempotency key (sender, conversation, tempId).
public abstract partial class ChatStoreConformanceTests
{
    [Fact]
    public async Task FindMessageByTempId_ReturnsTheFirstMessageOfTheKey_AndNothingForAnotherSenderConversationOrTempId()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);
        var other = await CreateGroupAsync(store);
        var (sender, someoneElse) = (group.Participants[0].UserId, group.Participants[1].UserId);
        var tempId = NewTempId();
        var first = (await store.AppendMessageAsync(NewMessage(group.Id, sender, content: "first", tempId: tempId), Ct)).Value;
        await store.AppendMessageAsync(NewMessage(group.Id, sender, content: "retry", tempId: tempId), Ct);

        var found = await store.FindMessageByTempIdAsync(group.Id, sender, tempId, Ct);

        AssertMessage(first, found);
        Assert.Null(await store.FindMessageByTempIdAsync(group.Id, someoneElse, tempId, Ct));
        Assert.Null(await store.FindMessageByTempIdAsync(other.Id, sender, tempId, Ct));
        Assert.Null(await store.FindMessageByTempIdAsync(group.Id, sender, NewTempId(), Ct));
        Assert.Null(await store.FindMessageByTempIdAsync(NewConversationId(), sender, tempId, Ct));
    }
}
