using ChatKit.Storage;

namespace ChatKit.Testing.Conformance;

// Creating, finding and listing conversations.
public abstract partial class ChatStoreConformanceTests
{
    [Fact]
    public async Task CreateConversation_Group_IsFoundWithEveryFieldUnchanged()
    {
        var store = await CreateStoreAsync();
        var at = Now().AddMilliseconds(-123);
        var group = NewGroup(NewUserId(), [NewUserId(), NewUserId()], at);

        await store.CreateConversationAsync(group, Ct);

        var found = await store.FindConversationAsync(group.Id, Ct);
        AssertConversation(group, found);
        Assert.Equal(0, found!.LastSeq);
        Assert.Null(found.DirectKey);
    }

    [Fact]
    public async Task FindConversation_Unknown_ReturnsNull()
    {
        var store = await CreateStoreAsync();

        Assert.Null(await store.FindConversationAsync(NewConversationId(), Ct));
    }

    [Fact]
    public async Task GetOrCreateDirect_FirstCall_CreatesAndIsFoundWithItsKey()
    {
        var store = await CreateStoreAsync();
        var direct = NewDirect(NewUserId(), NewUserId());

        var result = await store.GetOrCreateDirectConversationAsync(direct, Ct);

        Assert.True(result.Created);
        AssertConversation(direct, result.Value);
        AssertConversation(direct, await store.FindConversationAsync(direct.Id, Ct));
    }

    [Fact]
    public async Task GetOrCreateDirect_SecondCallForThePair_ReturnsTheFirstConversation()
    {
        var store = await CreateStoreAsync();
        var (alice, bob) = (NewUserId(), NewUserId());
        var first = NewDirect(alice, bob, Now().AddSeconds(-10));
        await store.GetOrCreateDirectConversationAsync(first, Ct);

        // Another candidate for the same pair, made from the other user's side: a new id, a later time.
        var candidate = NewDirect(bob, alice);
        var second = await store.GetOrCreateDirectConversationAsync(candidate, Ct);

        Assert.False(second.Created);
        AssertConversation(first, second.Value);
        Assert.Null(await store.FindConversationAsync(candidate.Id, Ct));
        Assert.Single(await store.ListConversationsAsync(alice, null, 10, Ct));
    }

    [Fact]
    public async Task GetOrCreateDirect_OtherPair_CreatesAnotherConversation()
    {
        var store = await CreateStoreAsync();
        var (alice, bob, carol) = (NewUserId(), NewUserId(), NewUserId());
        var withBob = await store.GetOrCreateDirectConversationAsync(NewDirect(alice, bob), Ct);

        var withCarol = await store.GetOrCreateDirectConversationAsync(NewDirect(alice, carol), Ct);

        Assert.True(withCarol.Created);
        Assert.NotEqual(withBob.Value.Id, withCarol.Value.Id);
        Assert.Equal(2, (await store.ListConversationsAsync(alice, null, 10, Ct)).Count);
    }

    [Fact]
    public async Task FindConversationView_WithoutMessages_HasNoLastMessageAndNoUnread()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);

        var view = await store.FindConversationViewAsync(group.Id, group.Participants[1].UserId, Ct);

        Assert.NotNull(view);
        AssertConversation(group, view.Conversation);
        Assert.Null(view.LastMessage);
        Assert.Equal(0, view.UnreadCount);
    }

    [Fact]
    public async Task FindConversationView_Unknown_ReturnsNull()
    {
        var store = await CreateStoreAsync();

        Assert.Null(await store.FindConversationViewAsync(NewConversationId(), NewUserId(), Ct));
    }

    [Fact]
    public async Task FindConversationView_HasNewestMessageAndLastSeq()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);
        var (owner, member) = (group.Participants[0].UserId, group.Participants[1].UserId);
        var messages = await AppendManyAsync(store, group.Id, 3, owner, member);

        var view = await store.FindConversationViewAsync(group.Id, owner, Ct);

        Assert.NotNull(view);
        AssertMessage(messages[2], view.LastMessage);
        Assert.Equal(3, view.Conversation.LastSeq);
        AssertTime(messages[2].CreatedAt, view.Conversation.LastActivityAt);
    }

    [Fact]
    public async Task FindConversationView_LastMessageDeleted_ReturnsItsTombstone()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);
        var messages = await AppendManyAsync(store, group.Id, 2, group.Participants[0].UserId);
        var deletedAt = Now();
        await store.DeleteMessageAsync(messages[1].Id, deletedAt, Ct);

        var view = await store.FindConversationViewAsync(group.Id, group.Participants[1].UserId, Ct);

        Assert.NotNull(view?.LastMessage);
        Assert.Equal(messages[1].Id, view.LastMessage.Id);
        Assert.Equal(2, view.LastMessage.Seq);
        Assert.Equal(string.Empty, view.LastMessage.Content);
        AssertTime(deletedAt, view.LastMessage.DeletedAt);
    }

    [Fact]
    public async Task FindConversationView_UnreadCount_CountsOtherSendersAfterReadPositionWithoutTombstones()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store, memberCount: 2);
        var (owner, bob, carol) = (group.Participants[0].UserId, group.Participants[1].UserId, group.Participants[2].UserId);

        // Seq 1..3 from bob, 4 from the owner, 5..6 from bob.
        var messages = await AppendManyAsync(store, group.Id, 3, bob);
        messages.AddRange(await AppendManyAsync(store, group.Id, 1, owner));
        messages.AddRange(await AppendManyAsync(store, group.Id, 2, bob));

        async Task<int> UnreadAsync(string userId) => (await store.FindConversationViewAsync(group.Id, userId, Ct))!.UnreadCount;

        Assert.Equal(6, await UnreadAsync(carol));  // read nothing: every message is another's
        Assert.Equal(2, await UnreadAsync(owner));  // sending seq 4 moved the owner's read position to 4
        Assert.Equal(0, await UnreadAsync(bob));    // own messages are never unread
        Assert.Equal(6, await UnreadAsync(NewUserId())); // any user id is counted against position 0

        await store.AdvanceReadPositionAsync(group.Id, carol, 2, Ct);
        Assert.Equal(4, await UnreadAsync(carol));

        await store.DeleteMessageAsync(messages[2].Id, Now(), Ct); // seq 3: unread by carol
        await store.DeleteMessageAsync(messages[0].Id, Now(), Ct); // seq 1: already read by carol
        Assert.Equal(3, await UnreadAsync(carol));
        Assert.Equal(2, await UnreadAsync(owner));

        await store.AdvanceReadPositionAsync(group.Id, carol, 6, Ct);
        Assert.Equal(0, await UnreadAsync(carol));
    }

    [Fact]
    public async Task ListConversations_OrdersByLastActivityThenIdDescending()
    {
        var store = await CreateStoreAsync();
        var user = NewUserId();
        var t = Now().AddMinutes(-10);

        // Two conversations share a last activity time; their ids decide (descending, ordinal).
        var oldest = NewGroup(user, [NewUserId()], t.AddSeconds(1));
        var tiedHigh = NewGroup(NewUserId(), [user], t.AddSeconds(3), id: "c_a" + Guid.NewGuid().ToString("N")[1..]);
        var tiedLow = NewGroup(user, [NewUserId()], t.AddSeconds(3), id: "c_5" + Guid.NewGuid().ToString("N")[1..]);
        var middle = NewDirect(NewUserId(), user, t.AddSeconds(2));
        var newest = NewDirect(user, NewUserId(), t.AddSeconds(5).AddMilliseconds(7));
        var notMine = NewGroup(NewUserId(), [NewUserId()], t.AddSeconds(4));
        foreach (var group in new[] { tiedLow, oldest, notMine, tiedHigh })
        {
            await store.CreateConversationAsync(group, Ct);
        }

        await store.GetOrCreateDirectConversationAsync(newest, Ct);
        await store.GetOrCreateDirectConversationAsync(middle, Ct);

        var list = await store.ListConversationsAsync(user, null, 100, Ct);

        Assert.Equal([newest.Id, tiedHigh.Id, tiedLow.Id, middle.Id, oldest.Id], list.Select(v => v.Conversation.Id));
        AssertConversation(tiedHigh, list[1].Conversation);
        AssertConversation(newest, list[0].Conversation);
        Assert.All(list, v => Assert.Null(v.LastMessage));
        Assert.All(list, v => Assert.Equal(0, v.UnreadCount));
    }

    [Fact]
    public async Task ListConversations_AfterPositionAndLimit_PageThroughEveryConversationOnce()
    {
        var store = await CreateStoreAsync();
        var user = NewUserId();
        var t = Now().AddMinutes(-10);
        var created = new List<Conversation>();
        for (var i = 0; i < 7; i++)
        {
            // Pairs share a time, so pages break inside ties too.
            var group = NewGroup(user, [NewUserId()], t.AddSeconds(i / 2));
            await store.CreateConversationAsync(group, Ct);
            created.Add(group);
        }

        var expected = created
            .OrderByDescending(c => c.LastActivityAt)
            .ThenByDescending(c => c.Id, StringComparer.Ordinal)
            .Select(c => c.Id)
            .ToList();

        var seen = new List<string>();
        ConversationPosition? after = null;
        for (var page = 0; page < 10; page++)
        {
            var items = await store.ListConversationsAsync(user, after, 2, Ct);
            Assert.True(items.Count <= 2);
            if (items.Count == 0)
            {
                break;
            }

            seen.AddRange(items.Select(v => v.Conversation.Id));
            var last = items[^1].Conversation;
            after = new ConversationPosition(last.LastActivityAt, last.Id);
        }

        Assert.Equal(expected, seen);
    }

    [Fact]
    public async Task ListConversations_AfterPositionBetweenTiedIds_StartsStrictlyAfterIt()
    {
        var store = await CreateStoreAsync();
        var user = NewUserId();
        var t = Now().AddMinutes(-5);
        var high = NewGroup(user, [NewUserId()], t, id: "c_c" + Guid.NewGuid().ToString("N")[1..]);
        var low = NewGroup(user, [NewUserId()], t, id: "c_3" + Guid.NewGuid().ToString("N")[1..]);
        var older = NewGroup(user, [NewUserId()], t.AddMilliseconds(-1));
        var newer = NewGroup(user, [NewUserId()], t.AddMilliseconds(1));
        foreach (var group in new[] { high, low, older, newer })
        {
            await store.CreateConversationAsync(group, Ct);
        }

        var between = await store.ListConversationsAsync(user, new ConversationPosition(t, "c_8" + new string('0', 31)), 10, Ct);
        var atHigh = await store.ListConversationsAsync(user, new ConversationPosition(t, high.Id), 10, Ct);
        var atOldest = await store.ListConversationsAsync(user, new ConversationPosition(older.LastActivityAt, older.Id), 10, Ct);

        Assert.Equal([low.Id, older.Id], between.Select(v => v.Conversation.Id));
        Assert.Equal([low.Id, older.Id], atHigh.Select(v => v.Conversation.Id));
        Assert.Empty(atOldest);
    }

    [Fact]
    public async Task ListConversations_Limit_ReturnsAtMostThatMany()
    {
        var store = await CreateStoreAsync();
        var user = NewUserId();
        for (var i = 0; i < 3; i++)
        {
            await store.CreateConversationAsync(NewGroup(user, [NewUserId()]), Ct);
        }

        Assert.Single(await store.ListConversationsAsync(user, null, 1, Ct));
        Assert.Equal(3, (await store.ListConversationsAsync(user, null, 3, Ct)).Count);
        Assert.Equal(3, (await store.ListConversationsAsync(user, null, 100, Ct)).Count);
    }

    [Fact]
    public async Task ListConversations_UserWithoutConversations_IsEmpty()
    {
        var store = await CreateStoreAsync();

        Assert.Empty(await store.ListConversationsAsync(NewUserId(), null, 50, Ct));
    }

    [Fact]
    public async Task ListConversations_AppendMovesConversationToTheTopWithLastMessageAndUnreadCount()
    {
        var store = await CreateStoreAsync();
        var user = NewUserId();
        var friend = NewUserId();
        var t = Now().AddMinutes(-10);
        var older = NewGroup(user, [friend], t);
        var newer = NewGroup(user, [NewUserId()], t.AddMinutes(1));
        await store.CreateConversationAsync(older, Ct);
        await store.CreateConversationAsync(newer, Ct);

        var message = NewMessage(older.Id, friend, at: t.AddMinutes(2).AddMilliseconds(345));
        await store.AppendMessageAsync(message, Ct);
        await store.AppendMessageAsync(NewMessage(older.Id, friend, at: t.AddMinutes(2).AddMilliseconds(346)), Ct);

        var list = await store.ListConversationsAsync(user, null, 10, Ct);

        Assert.Equal([older.Id, newer.Id], list.Select(v => v.Conversation.Id));
        Assert.Equal(2, list[0].Conversation.LastSeq);
        AssertTime(t.AddMinutes(2).AddMilliseconds(346), list[0].Conversation.LastActivityAt);
        Assert.Equal(2, list[0].LastMessage!.Seq);
        Assert.Equal(2, list[0].UnreadCount);
        Assert.Null(list[1].LastMessage);
        Assert.Equal(0, list[1].UnreadCount);

        // The friend's own view of the same conversation: nothing unread.
        var friendList = await store.ListConversationsAsync(friend, null, 10, Ct);
        Assert.Equal(0, Assert.Single(friendList).UnreadCount);
    }

    [Fact]
    public async Task GetContacts_ReturnsDistinctOtherUsersOfEveryConversation()
    {
        var store = await CreateStoreAsync();
        var (user, bob, carol, dave, stranger) = (NewUserId(), NewUserId(), NewUserId(), NewUserId(), NewUserId());
        await store.CreateConversationAsync(NewGroup(user, [bob, carol]), Ct);
        await store.CreateConversationAsync(NewGroup(carol, [user]), Ct);
        await store.GetOrCreateDirectConversationAsync(NewDirect(dave, user), Ct);
        await store.CreateConversationAsync(NewGroup(stranger, [bob]), Ct);

        var contacts = await store.GetContactsAsync(user, Ct);

        Assert.Equal(new[] { bob, carol, dave }.Order(StringComparer.Ordinal), contacts.Order(StringComparer.Ordinal));
        Assert.Empty(await store.GetContactsAsync(NewUserId(), Ct));
    }
}
