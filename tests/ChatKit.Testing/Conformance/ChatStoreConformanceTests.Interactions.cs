namespace ChatKit.Testing.Conformance;

// v2 store operations: replies and mentions kept by the append, edits, reactions, unread mention counts, and their
// guarantees under concurrent calls from two store instances.
public abstract partial class ChatStoreConformanceTests
{
    [Fact]
    public async Task AppendMessage_WithReplyAndMentions_KeepsThemInEveryRead()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);
        var (owner, first, second) = (group.Participants[0].UserId, group.Participants[1].UserId, group.Participants[2].UserId);
        var original = (await store.AppendMessageAsync(NewMessage(group.Id, owner), Ct)).Value;

        var reply = (await store.AppendMessageAsync(NewMessage(group.Id, first) with { ReplyToId = original.Id, Mentions = [second, owner] }, Ct)).Value;

        Assert.Equal(original.Id, reply.ReplyToId);
        Assert.Equal([second, owner], reply.Mentions);
        AssertMessage(reply, await store.FindMessageAsync(reply.Id, Ct));
        AssertMessage(reply, (await store.GetMessagesAsync(group.Id, null, null, 10, Ct)).Items[^1]);
        Assert.Empty((await store.FindMessageAsync(original.Id, Ct))!.Mentions);
        Assert.Null((await store.FindMessageAsync(original.Id, Ct))!.ReplyToId);
    }

    [Fact]
    public async Task FindMessages_ReturnsTheMessagesThatExist()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);
        var messages = await AppendManyAsync(store, group.Id, 3, group.Participants[0].UserId);

        var found = await store.FindMessagesAsync([messages[0].Id, messages[2].Id, NewMessageId(), messages[0].Id], Ct);

        Assert.Equal(new[] { messages[0].Id, messages[2].Id }.Order(StringComparer.Ordinal), found.Select(m => m.Id).Order(StringComparer.Ordinal));
        AssertMessage(messages[2], found.Single(m => m.Id == messages[2].Id));
    }

    [Fact]
    public async Task EditMessage_LiveMessage_ReplacesTheContentAndSetsEditedAt()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);
        var message = (await store.AppendMessageAsync(NewMessage(group.Id, group.Participants[1].UserId), Ct)).Value;
        var at = Now().AddSeconds(1);

        var edited = await store.EditMessageAsync(message.Id, "edited text", at, Ct);

        var expected = message with { Content = "edited text", EditedAt = at };
        AssertMessage(expected, edited);
        AssertMessage(expected, await store.FindMessageAsync(message.Id, Ct));
        Assert.Null(await store.EditMessageAsync(NewMessageId(), "nothing", at, Ct));
    }

    [Fact]
    public async Task EditMessage_Tombstone_LeavesItEmpty()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);
        var message = (await store.AppendMessageAsync(NewMessage(group.Id, group.Participants[1].UserId), Ct)).Value;
        var tombstone = await store.DeleteMessageAsync(message.Id, Now(), Ct);

        var edited = await store.EditMessageAsync(message.Id, "back from the dead", Now().AddSeconds(1), Ct);

        AssertMessage(tombstone!, edited);
        Assert.Equal(string.Empty, (await store.FindMessageAsync(message.Id, Ct))!.Content);
    }

    [Fact]
    public async Task EditMessage_RacingADeletionOnAnotherInstance_NeverBringsContentBack()
    {
        var store = await CreateStoreAsync();
        var second = await CreateSecondStoreAsync();
        var group = await CreateGroupAsync(store);
        var messages = await AppendManyAsync(store, group.Id, 20, group.Participants[1].UserId);
        var at = Now();

        await Task.WhenAll(messages.SelectMany((m, i) => new[]
        {
            Task.Run(() => (i % 2 == 0 ? store : second).EditMessageAsync(m.Id, $"edit {i}", at.AddSeconds(1), Ct), Ct),
            Task.Run(() => (i % 2 == 0 ? second : store).DeleteMessageAsync(m.Id, at.AddSeconds(2), Ct), Ct),
        }));

        var page = await store.GetMessagesAsync(group.Id, null, null, 100, Ct);
        Assert.Equal(20, page.Items.Count);
        Assert.All(page.Items, m =>
        {
            Assert.True(m.IsDeleted);
            Assert.Equal(string.Empty, m.Content);
        });
    }

    [Fact]
    public async Task AddReaction_SeveralUsersAndEmoji_AggregatesEachEmojiOnceInFirstUseOrder()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);
        var (a, b, c) = (group.Participants[0].UserId, group.Participants[1].UserId, group.Participants[2].UserId);
        var message = (await store.AppendMessageAsync(NewMessage(group.Id, a), Ct)).Value;
        var other = (await store.AppendMessageAsync(NewMessage(group.Id, a), Ct)).Value;

        Assert.Equal(ReactionChange.Changed, await store.AddReactionAsync(message.Id, b, "👍", Now(), 50, Ct));
        Assert.Equal(ReactionChange.Changed, await store.AddReactionAsync(message.Id, c, "🎉", Now(), 50, Ct));
        Assert.Equal(ReactionChange.Changed, await store.AddReactionAsync(message.Id, a, "👍", Now(), 50, Ct));
        Assert.Equal(ReactionChange.Changed, await store.AddReactionAsync(message.Id, b, "🎉", Now(), 50, Ct));

        var reactions = await store.GetReactionsAsync([message.Id, other.Id], Ct);
        Assert.False(reactions.ContainsKey(other.Id));
        Assert.Equal(
            [new MessageReaction("👍", [b, a]), new MessageReaction("🎉", [c, b])],
            reactions[message.Id]);
    }

    [Fact]
    public async Task AddAndRemoveReaction_AreIdempotentPerMessageUserAndEmoji()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);
        var (a, b) = (group.Participants[0].UserId, group.Participants[1].UserId);
        var message = (await store.AppendMessageAsync(NewMessage(group.Id, a), Ct)).Value;

        Assert.Equal(ReactionChange.Changed, await store.AddReactionAsync(message.Id, b, "❤️", Now(), 50, Ct));
        Assert.Equal(ReactionChange.Unchanged, await store.AddReactionAsync(message.Id, b, "❤️", Now(), 50, Ct));
        Assert.Equal(ReactionChange.Unchanged, await store.RemoveReactionAsync(message.Id, a, "❤️", Ct));
        Assert.Equal(ReactionChange.Unchanged, await store.RemoveReactionAsync(message.Id, b, "👍", Ct));
        Assert.Equal([new MessageReaction("❤️", [b])], (await store.GetReactionsAsync([message.Id], Ct))[message.Id]);

        Assert.Equal(ReactionChange.Changed, await store.RemoveReactionAsync(message.Id, b, "❤️", Ct));
        Assert.Equal(ReactionChange.Unchanged, await store.RemoveReactionAsync(message.Id, b, "❤️", Ct));
        Assert.False((await store.GetReactionsAsync([message.Id], Ct)).ContainsKey(message.Id));
    }

    [Fact]
    public async Task AddReaction_NewEmojiBeyondTheLimit_IsRefusedButAnExistingOneIsNot()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);
        var (a, b) = (group.Participants[0].UserId, group.Participants[1].UserId);
        var message = (await store.AppendMessageAsync(NewMessage(group.Id, a), Ct)).Value;
        await store.AddReactionAsync(message.Id, a, "1️⃣", Now(), 2, Ct);
        await store.AddReactionAsync(message.Id, a, "2️⃣", Now(), 2, Ct);

        Assert.Equal(ReactionChange.LimitExceeded, await store.AddReactionAsync(message.Id, b, "3️⃣", Now(), 2, Ct));
        Assert.Equal(ReactionChange.Changed, await store.AddReactionAsync(message.Id, b, "2️⃣", Now(), 2, Ct));
        Assert.Equal(["1️⃣", "2️⃣"], (await store.GetReactionsAsync([message.Id], Ct))[message.Id].Select(r => r.Emoji));
    }

    [Fact]
    public async Task Reactions_OnATombstoneOrUnknownMessage_ChangeNothing()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);
        var a = group.Participants[0].UserId;
        var message = (await store.AppendMessageAsync(NewMessage(group.Id, a), Ct)).Value;
        await store.AddReactionAsync(message.Id, a, "👍", Now(), 50, Ct);
        await store.DeleteMessageAsync(message.Id, Now(), Ct);

        Assert.Equal(ReactionChange.MessageDeleted, await store.AddReactionAsync(message.Id, a, "🎉", Now(), 50, Ct));
        Assert.Equal(ReactionChange.MessageDeleted, await store.RemoveReactionAsync(message.Id, a, "👍", Ct));
        Assert.Equal(ReactionChange.MessageNotFound, await store.AddReactionAsync(NewMessageId(), a, "👍", Now(), 50, Ct));
        Assert.Equal(ReactionChange.MessageNotFound, await store.RemoveReactionAsync(NewMessageId(), a, "👍", Ct));
    }

    [Fact]
    public async Task AddReaction_SameUserAndEmojiInParallelOnTwoInstances_StoresOneAndReportsOneChange()
    {
        var store = await CreateStoreAsync();
        var second = await CreateSecondStoreAsync();
        var group = await CreateGroupAsync(store);
        var user = group.Participants[1].UserId;
        var message = (await store.AppendMessageAsync(NewMessage(group.Id, group.Participants[0].UserId), Ct)).Value;

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(
            () => (i % 2 == 0 ? store : second).AddReactionAsync(message.Id, user, "👍", Now(), 50, Ct), Ct)));

        Assert.Single(results, r => r == ReactionChange.Changed);
        Assert.All(results, r => Assert.True(r is ReactionChange.Changed or ReactionChange.Unchanged));
        Assert.Equal([new MessageReaction("👍", [user])], (await second.GetReactionsAsync([message.Id], Ct))[message.Id]);
    }

    [Fact]
    public async Task AddReaction_ManyUsersWithOneEmojiAtOnce_CountsEveryOne()
    {
        var store = await CreateStoreAsync();
        var second = await CreateSecondStoreAsync();
        var group = await CreateGroupAsync(store, memberCount: 11);
        var message = (await store.AppendMessageAsync(NewMessage(group.Id, group.Participants[0].UserId), Ct)).Value;

        var results = await Task.WhenAll(group.Participants.Select((p, i) => Task.Run(
            () => (i % 2 == 0 ? store : second).AddReactionAsync(message.Id, p.UserId, "🔥", Now(), 50, Ct), Ct)));

        Assert.All(results, r => Assert.Equal(ReactionChange.Changed, r));
        var reaction = Assert.Single((await store.GetReactionsAsync([message.Id], Ct))[message.Id]);
        Assert.Equal("🔥", reaction.Emoji);
        Assert.Equal(12, reaction.Count);
        Assert.Equal(group.Participants.Select(p => p.UserId).Order(StringComparer.Ordinal), reaction.UserIds.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AddReaction_RacingADeletion_LeavesNoReactionAddedAfterIt()
    {
        var store = await CreateStoreAsync();
        var second = await CreateSecondStoreAsync();
        var group = await CreateGroupAsync(store);
        var user = group.Participants[1].UserId;
        var messages = await AppendManyAsync(store, group.Id, 10, group.Participants[0].UserId);

        var outcomes = await Task.WhenAll(messages.Select((m, i) => Task.Run(
            async () =>
            {
                var react = (i % 2 == 0 ? store : second).AddReactionAsync(m.Id, user, "👍", Now(), 50, Ct);
                var delete = (i % 2 == 0 ? second : store).DeleteMessageAsync(m.Id, Now(), Ct);
                await Task.WhenAll(react, delete);
                return await react;
            },
            Ct)));

        Assert.All(outcomes, r => Assert.True(r is ReactionChange.Changed or ReactionChange.MessageDeleted));
        Assert.All((await store.GetMessagesAsync(group.Id, null, null, 100, Ct)).Items, m => Assert.True(m.IsDeleted));
        foreach (var message in messages)
        {
            Assert.Equal(ReactionChange.MessageDeleted, await store.AddReactionAsync(message.Id, user, "🎉", Now(), 50, Ct));
        }
    }

    [Fact]
    public async Task Views_CountUnreadMessagesOfOthersThatMentionTheUser()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);
        var (a, b, c) = (group.Participants[0].UserId, group.Participants[1].UserId, group.Participants[2].UserId);
        await store.AppendMessageAsync(NewMessage(group.Id, a) with { Mentions = [b] }, Ct);              // 1: counts
        await store.AppendMessageAsync(NewMessage(group.Id, c) with { Mentions = [a, b] }, Ct);           // 2: counts
        var deleted = (await store.AppendMessageAsync(NewMessage(group.Id, a) with { Mentions = [b] }, Ct)).Value; // 3: deleted
        await store.DeleteMessageAsync(deleted.Id, Now(), Ct);
        await store.AppendMessageAsync(NewMessage(group.Id, b) with { Mentions = [b] }, Ct);              // 4: b's own
        await store.AppendMessageAsync(NewMessage(group.Id, a) with { Type = MessageType.System, Mentions = [b] }, Ct); // 5: system
        await store.AppendMessageAsync(NewMessage(group.Id, a) with { Mentions = [c] }, Ct);              // 6: someone else

        // Sending moved b's read position to 4: only 5 and 6 are unread, and neither counts.
        Assert.Equal(0, (await store.FindConversationViewAsync(group.Id, b, Ct))!.UnreadMentionCount);
        Assert.Equal(1, (await store.FindConversationViewAsync(group.Id, c, Ct))!.UnreadMentionCount);
        Assert.Equal(0, Assert.Single(await store.ListConversationsAsync(a, null, 10, Ct)).UnreadMentionCount); // a read up to 6 by sending; 2 is before it
        var fresh = await CreateGroupAsync(store);
        var (x, y) = (fresh.Participants[0].UserId, fresh.Participants[1].UserId);
        await store.AppendMessageAsync(NewMessage(fresh.Id, x) with { Mentions = [y] }, Ct);
        await store.AppendMessageAsync(NewMessage(fresh.Id, x) with { Mentions = [y, fresh.Participants[2].UserId] }, Ct);
        await store.AppendMessageAsync(NewMessage(fresh.Id, x), Ct);
        Assert.Equal(2, Assert.Single(await store.ListConversationsAsync(y, null, 10, Ct)).UnreadMentionCount);
        await store.AdvanceReadPositionAsync(fresh.Id, y, 1, Ct);
        Assert.Equal(1, (await store.FindConversationViewAsync(fresh.Id, y, Ct))!.UnreadMentionCount);
    }
}
