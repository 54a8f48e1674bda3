namespace ChatKit.Testing.Conformance;

// Reading a conversation's history by seq.
public abstract partial class ChatStoreConformanceTests
{
    [Fact]
    public async Task GetMessages_WithoutBounds_ReturnsTheNewestPageAscending()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);
        var messages = await AppendManyAsync(store, group.Id, 5, group.Participants[0].UserId, group.Participants[1].UserId);

        var newest = await store.GetMessagesAsync(group.Id, null, null, 2, Ct);
        var all = await store.GetMessagesAsync(group.Id, null, null, 5, Ct);
        var roomy = await store.GetMessagesAsync(group.Id, null, null, 10, Ct);

        AssertSeqs([4, 5], newest, hasMore: true);
        AssertSeqs([1, 2, 3, 4, 5], all, hasMore: false);
        AssertSeqs([1, 2, 3, 4, 5], roomy, hasMore: false);
        for (var i = 0; i < messages.Count; i++)
        {
            AssertMessage(messages[i], roomy.Items[i]);
        }
    }

    [Fact]
    public async Task GetMessages_Before_ReturnsTheNewestPageOlderThanIt()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);
        await AppendManyAsync(store, group.Id, 5, group.Participants[0].UserId);

        AssertSeqs([2, 3], await store.GetMessagesAsync(group.Id, 4, null, 2, Ct), hasMore: true);
        AssertSeqs([1, 2], await store.GetMessagesAsync(group.Id, 3, null, 2, Ct), hasMore: false);
        AssertSeqs([1, 2], await store.GetMessagesAsync(group.Id, 3, null, 100, Ct), hasMore: false);
        AssertSeqs([1], await store.GetMessagesAsync(group.Id, 2, null, 2, Ct), hasMore: false);
        AssertSeqs([4, 5], await store.GetMessagesAsync(group.Id, 6, null, 2, Ct), hasMore: true);
        AssertSeqs([4, 5], await store.GetMessagesAsync(group.Id, 1_000, null, 2, Ct), hasMore: true);
    }

    [Fact]
    public async Task GetMessages_BeforeOne_IsEmpty()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);
        await AppendManyAsync(store, group.Id, 3, group.Participants[0].UserId);

        AssertSeqs([], await store.GetMessagesAsync(group.Id, 1, null, 50, Ct), hasMore: false);
    }

    [Fact]
    public async Task GetMessages_After_ReturnsTheOldestPageNewerThanIt()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);
        await AppendManyAsync(store, group.Id, 5, group.Participants[0].UserId);

        AssertSeqs([1, 2], await store.GetMessagesAsync(group.Id, null, 0, 2, Ct), hasMore: true);
        AssertSeqs([3, 4], await store.GetMessagesAsync(group.Id, null, 2, 2, Ct), hasMore: true);
        AssertSeqs([4, 5], await store.GetMessagesAsync(group.Id, null, 3, 2, Ct), hasMore: false);
        AssertSeqs([4, 5], await store.GetMessagesAsync(group.Id, null, 3, 100, Ct), hasMore: false);
        AssertSeqs([1, 2, 3, 4, 5], await store.GetMessagesAsync(group.Id, null, 0, 5, Ct), hasMore: false);
    }

    [Fact]
    public async Task GetMessages_AfterTheLastSeq_IsEmptyWithoutMore()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);
        await AppendManyAsync(store, group.Id, 3, group.Participants[0].UserId);

        AssertSeqs([], await store.GetMessagesAsync(group.Id, null, 3, 50, Ct), hasMore: false);
        AssertSeqs([], await store.GetMessagesAsync(group.Id, null, 1_000, 50, Ct), hasMore: false);
    }

    [Fact]
    public async Task GetMessages_LimitOne_ReadsOneMessageAtATimeInBothDirections()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);
        await AppendManyAsync(store, group.Id, 3, group.Participants[0].UserId);

        AssertSeqs([3], await store.GetMessagesAsync(group.Id, null, null, 1, Ct), hasMore: true);
        AssertSeqs([2], await store.GetMessagesAsync(group.Id, 3, null, 1, Ct), hasMore: true);
        AssertSeqs([1], await store.GetMessagesAsync(group.Id, 2, null, 1, Ct), hasMore: false);
        AssertSeqs([1], await store.GetMessagesAsync(group.Id, null, 0, 1, Ct), hasMore: true);
        AssertSeqs([2], await store.GetMessagesAsync(group.Id, null, 1, 1, Ct), hasMore: true);
        AssertSeqs([3], await store.GetMessagesAsync(group.Id, null, 2, 1, Ct), hasMore: false);
    }

    [Fact]
    public async Task GetMessages_LimitOneHundred_PagesThroughALongHistory()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);
        await AppendManyAsync(store, group.Id, 105, group.Participants[0].UserId, group.Participants[1].UserId);

        AssertSeqs(Seqs(6, 105), await store.GetMessagesAsync(group.Id, null, null, 100, Ct), hasMore: true);
        AssertSeqs(Seqs(1, 5), await store.GetMessagesAsync(group.Id, 6, null, 100, Ct), hasMore: false);
        AssertSeqs(Seqs(1, 100), await store.GetMessagesAsync(group.Id, null, 0, 100, Ct), hasMore: true);
        AssertSeqs(Seqs(101, 105), await store.GetMessagesAsync(group.Id, null, 100, 100, Ct), hasMore: false);
        AssertSeqs(Seqs(5, 104), await store.GetMessagesAsync(group.Id, null, 4, 100, Ct), hasMore: true);
        AssertSeqs(Seqs(2, 101), await store.GetMessagesAsync(group.Id, 102, null, 100, Ct), hasMore: true);
    }

    [Fact]
    public async Task GetMessages_EmptyConversation_IsEmptyWithoutMore()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);

        AssertSeqs([], await store.GetMessagesAsync(group.Id, null, null, 50, Ct), hasMore: false);
        AssertSeqs([], await store.GetMessagesAsync(group.Id, null, 0, 50, Ct), hasMore: false);
        AssertSeqs([], await store.GetMessagesAsync(group.Id, 10, null, 50, Ct), hasMore: false);
    }

    [Fact]
    public async Task GetMessages_UnknownConversation_IsEmptyWithoutMore()
    {
        var store = await CreateStoreAsync();

        AssertSeqs([], await store.GetMessagesAsync(NewConversationId(), null, null, 50, Ct), hasMore: false);
        AssertSeqs([], await store.GetMessagesAsync(NewConversationId(), null, 0, 50, Ct), hasMore: false);
    }

    [Fact]
    public async Task GetMessages_ReturnsOnlyThatConversationsMessages()
    {
        var store = await CreateStoreAsync();
        var first = await CreateGroupAsync(store);
        var second = await CreateGroupAsync(store);
        await AppendManyAsync(store, first.Id, 3, first.Participants[0].UserId);
        var secondMessages = await AppendManyAsync(store, second.Id, 2, second.Participants[0].UserId);

        var page = await store.GetMessagesAsync(second.Id, null, null, 100, Ct);

        Assert.Equal(secondMessages.Select(m => m.Id), page.Items.Select(m => m.Id));
        Assert.All(page.Items, m => Assert.Equal(second.Id, m.ConversationId));
    }
}
