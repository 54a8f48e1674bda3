using ChatKit.Core.Tests.Support;
using ChatKit.Events;
using ChatKit.Services;
using ChatKit.Storage;
using static ChatKit.Core.Tests.Support.ChatHarness;

namespace ChatKit.Core.Tests;

/// <summary>Issue 15 items 1-4: the rules ChatService decides for edits, reactions, replies and mentions.</summary>
public sealed class InteractionRuleTests
{
    [Fact]
    public async Task EditMessage_SystemMessage_IsForbiddenEvenToItsSender()
    {
        await using var chat = new ChatHarness();
        var id = (await chat.CreateGroupAsync(Alice, Bob)).Conversation.Id;
        var system = (await chat.Store.AppendMessageAsync(
            new ChatMessage { Id = "m_system", ConversationId = id, Seq = 0, SenderId = Alice.Id, SenderName = "Alice", Content = "Alice added Bob", Type = MessageType.System, CreatedAt = chat.Now },
            Ct)).Value;

        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.EditMessageAsync(Alice, system.Id, "rewritten history", Ct));

        Assert.Equal(ChatErrorCode.Forbidden, error.Error);
        Assert.Equal("Alice added Bob", (await chat.Store.FindMessageAsync(system.Id, Ct))!.Content);
    }

    [Fact]
    public async Task EditMessage_WithoutAnEditWindow_WorksDaysLater()
    {
        await using var chat = new ChatHarness();
        var id = (await chat.CreateDirectAsync(Alice, Bob)).Conversation.Id;
        var message = await chat.SendAsync(Alice, id, "old");
        chat.Time.Advance(TimeSpan.FromDays(30));

        var edited = await chat.Chat.EditMessageAsync(Alice, message.Id, "still mine to fix", Ct);

        Assert.Equal(chat.Now, edited.EditedAt);
        Assert.Equal("still mine to fix", Assert.Single(chat.Events.Of<MessageUpdatedEvent>()).Message.Content);
    }

    [Fact]
    public async Task AddReaction_NewEmojiBeyondTheOption_IsValidationFailedWithoutAnEvent()
    {
        await using var chat = new ChatHarness(o => o.MaxDistinctReactionsPerMessage = 2);
        var id = (await chat.CreateDirectAsync(Alice, Bob)).Conversation.Id;
        var message = await chat.SendAsync(Alice, id);
        await chat.Chat.AddReactionAsync(Alice, message.Id, "a", Ct);
        await chat.Chat.AddReactionAsync(Alice, message.Id, "b", Ct);

        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.AddReactionAsync(Bob, message.Id, "c", Ct));
        var joined = await chat.Chat.AddReactionAsync(Bob, message.Id, "b", Ct);

        Assert.Equal(ChatErrorCode.ValidationFailed, error.Error);
        Assert.Equal(3, chat.Events.Of<ReactionAddedEvent>().Count);
        Assert.Equal([new MessageReaction("a", [Alice.Id]), new MessageReaction("b", [Alice.Id, Bob.Id])], joined.Reactions);
    }

    [Theory]
    [InlineData("👍🏽")]
    [InlineData("👨‍👩‍👧")]
    [InlineData(":party_parrot:")]
    [InlineData("+1")]
    public async Task AddReaction_AcceptsAnyShortTokenWithoutWhitespaceOrControls(string emoji)
    {
        await using var chat = new ChatHarness();
        var id = (await chat.CreateDirectAsync(Alice, Bob)).Conversation.Id;
        var message = await chat.SendAsync(Alice, id);

        var reacted = await chat.Chat.AddReactionAsync(Bob, message.Id, emoji, Ct);

        Assert.Equal(emoji, Assert.Single(reacted.Reactions).Emoji);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a b")]
    [InlineData("\u00A0")]
    [InlineData("x\u0007")]
    [InlineData("123456789012345678901234567890123")]
    public async Task AddReaction_BadEmoji_IsValidationFailed(string emoji)
    {
        await using var chat = new ChatHarness();
        var id = (await chat.CreateDirectAsync(Alice, Bob)).Conversation.Id;
        var message = await chat.SendAsync(Alice, id);

        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.AddReactionAsync(Bob, message.Id, emoji, Ct));

        Assert.Equal(ChatErrorCode.ValidationFailed, error.Error);
        Assert.Equal("emoji", Assert.Single(error.Errors).Key);
    }

    [Fact]
    public async Task AddReaction_UnpairedSurrogate_IsValidationFailed()
    {
        await using var chat = new ChatHarness();
        var id = (await chat.CreateDirectAsync(Alice, Bob)).Conversation.Id;
        var message = await chat.SendAsync(Alice, id);

        // Built here rather than in InlineData, whose serialisation would replace the lone surrogate.
        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.AddReactionAsync(Bob, message.Id, new string('\uD83D', 1), Ct));

        Assert.Equal(ChatErrorCode.ValidationFailed, error.Error);
    }

    [Fact]
    public async Task Reply_ToADeletedMessage_IsValidationFailed()
    {
        await using var chat = new ChatHarness();
        var id = (await chat.CreateDirectAsync(Alice, Bob)).Conversation.Id;
        var original = await chat.SendAsync(Alice, id);
        await chat.Chat.DeleteMessageAsync(Alice, original.Id, Ct);

        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.SendMessageAsync(
            Bob, new SendMessageRequest { ConversationId = id, Content = "re", ReplyToId = original.Id }, Ct));

        Assert.Equal(ChatErrorCode.ValidationFailed, error.Error);
        Assert.Equal("replyToId", Assert.Single(error.Errors).Key);
    }

    [Fact]
    public async Task Tombstone_ShowsNoMentionsOrReactionsButKeepsItsReplySummary()
    {
        await using var chat = new ChatHarness();
        var id = (await chat.CreateGroupAsync(Alice, Bob, Carol)).Conversation.Id;
        var original = await chat.SendAsync(Alice, id, "question");
        var reply = (await chat.Chat.SendMessageAsync(
            Bob, new SendMessageRequest { ConversationId = id, Content = "answer @carol", ReplyToId = original.Id, Mentions = [Carol.Id] }, Ct)).Message;
        await chat.Chat.AddReactionAsync(Alice, reply.Id, "👍", Ct);

        await chat.Chat.DeleteMessageAsync(Bob, reply.Id, Ct);

        var tombstone = (await chat.Chat.GetMessagesAsync(Carol, id, null, Ct)).Items[^1];
        Assert.Empty(tombstone.Mentions);
        Assert.Empty(tombstone.Reactions);
        Assert.Equal(new MessageReference(original.Id, Alice.Id, "question"), tombstone.ReplyTo);
        Assert.Equal(0, (await chat.Chat.GetConversationAsync(Carol, id, Ct)).UnreadMentionCount);
    }

    [Fact]
    public async Task Mentions_ARemovedParticipant_IsValidationFailed()
    {
        await using var chat = new ChatHarness();
        var id = (await chat.CreateGroupAsync(Alice, Bob, Carol)).Conversation.Id;
        await chat.Chat.RemoveParticipantAsync(Alice, id, Carol.Id, Ct);
        var before = (await chat.Store.FindConversationAsync(id, Ct))!.LastSeq; // the removal's system message

        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.SendMessageAsync(
            Alice, new SendMessageRequest { ConversationId = id, Content = "@carol?", Mentions = [Carol.Id] }, Ct));

        Assert.Equal("mentions", Assert.Single(error.Errors).Key);
        Assert.Equal(before, (await chat.Store.FindConversationAsync(id, Ct))!.LastSeq);
    }

    [Fact]
    public void Excerpt_CutsAtOneHundredCodeUnitsWithoutSplittingASurrogatePair()
    {
        Assert.Equal("short", ChatService.Excerpt("short"));
        Assert.Equal(new string('a', 100), ChatService.Excerpt(new string('a', 150)));
        Assert.Equal(new string('a', 99), ChatService.Excerpt(new string('a', 99) + "😀tail"));
    }

    [Fact]
    public async Task V1Store_WithoutTheNewMembers_StillReadsAndRefusesEditsWithASentence()
    {
        IChatStore v1 = new V1Store(new InMemoryChatStore());

        Assert.Empty(await v1.GetReactionsAsync(["m_1"], Ct));
        Assert.Empty(await v1.FindMessagesAsync(["m_1"], Ct));
        var error = await Assert.ThrowsAsync<NotSupportedException>(() => v1.EditMessageAsync("m_1", "x", DateTimeOffset.UnixEpoch, Ct));
        Assert.Contains("EditMessageAsync", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<NotSupportedException>(() => v1.AddReactionAsync("m_1", "u", "x", DateTimeOffset.UnixEpoch, 50, Ct));
    }

    [Fact]
    public async Task V1Store_Sync_AnswersLimitedSoClientsPageHistory_AndSendsStillWork()
    {
        await using var chat = new ChatHarness(store: new V1Store(new InMemoryChatStore()));
        var first = await chat.Chat.SyncAsync(Alice, null, cancellationToken: Ct);
        Assert.False(first.Limited);
        Assert.Empty(first.Events);

        var direct = await chat.CreateDirectAsync(Alice, Bob);
        var sent = await chat.Chat.SendMessageAsync(Alice, new SendMessageRequest { ConversationId = direct.Conversation.Id, Content = "hi" }, Ct);
        Assert.Equal(1, sent.Message.Seq);

        // No event log: the store cannot say what was missed, so the answer says "re-read" rather than "nothing".
        var next = await chat.Chat.SyncAsync(Alice, first.Cursor, cancellationToken: Ct);
        Assert.True(next.Limited);
        Assert.Empty(next.Events);
        Assert.False(string.IsNullOrEmpty(next.Cursor));
    }

    /// <summary>A store written against v1: it implements only v1's members (by delegation), so v2's defaults apply.</summary>
    private sealed class V1Store(IChatStore inner) : IChatStore
    {
        public Task CreateConversationAsync(Conversation conversation, CancellationToken cancellationToken) => inner.CreateConversationAsync(conversation, cancellationToken);

        public Task<StoreResult<Conversation>> GetOrCreateDirectConversationAsync(Conversation candidate, CancellationToken cancellationToken) => inner.GetOrCreateDirectConversationAsync(candidate, cancellationToken);

        public Task<Conversation?> FindConversationAsync(string conversationId, CancellationToken cancellationToken) => inner.FindConversationAsync(conversationId, cancellationToken);

        public Task<ConversationView?> FindConversationViewAsync(string conversationId, string userId, CancellationToken cancellationToken) => inner.FindConversationViewAsync(conversationId, userId, cancellationToken);

        public Task<IReadOnlyList<ConversationView>> ListConversationsAsync(string userId, ConversationPosition? after, int limit, CancellationToken cancellationToken) => inner.ListConversationsAsync(userId, after, limit, cancellationToken);

        public Task<StoreResult<ChatMessage>> AppendMessageAsync(ChatMessage message, CancellationToken cancellationToken) => inner.AppendMessageAsync(message, cancellationToken);

        public Task<ChatMessage?> FindMessageAsync(string messageId, CancellationToken cancellationToken) => inner.FindMessageAsync(messageId, cancellationToken);

        public Task<MessagePage> GetMessagesAsync(string conversationId, long? beforeSeq, long? afterSeq, int limit, CancellationToken cancellationToken) => inner.GetMessagesAsync(conversationId, beforeSeq, afterSeq, limit, cancellationToken);

        public Task<ChatMessage?> DeleteMessageAsync(string messageId, DateTimeOffset deletedAt, CancellationToken cancellationToken) => inner.DeleteMessageAsync(messageId, deletedAt, cancellationToken);

        public Task<long> AdvanceReadPositionAsync(string conversationId, string userId, long seq, CancellationToken cancellationToken) => inner.AdvanceReadPositionAsync(conversationId, userId, seq, cancellationToken);

        public Task<long> GetReadPositionAsync(string conversationId, string userId, CancellationToken cancellationToken) => inner.GetReadPositionAsync(conversationId, userId, cancellationToken);

        public Task<Conversation?> AddParticipantsAsync(string conversationId, IReadOnlyList<Participant> participants, CancellationToken cancellationToken) => inner.AddParticipantsAsync(conversationId, participants, cancellationToken);

        public Task<Conversation?> RemoveParticipantAsync(string conversationId, string userId, string? newOwnerId, CancellationToken cancellationToken) => inner.RemoveParticipantAsync(conversationId, userId, newOwnerId, cancellationToken);

        public Task<IReadOnlyCollection<string>> GetContactsAsync(string userId, CancellationToken cancellationToken) => inner.GetContactsAsync(userId, cancellationToken);
    }
}
