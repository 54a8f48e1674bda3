using ChatKit.Core.Tests.Support;
using ChatKit.Events;
using static ChatKit.Core.Tests.Support.ChatHarness;

namespace ChatKit.Core.Tests;

public sealed class ReadPositionTests
{
    [Fact]
    public async Task UnreadCount_CountsOtherSendersMessagesAfterTheReadPositionWithoutDeletedOnes()
    {
        await using var chat = new ChatHarness();
        var group = await chat.CreateGroupAsync(Alice, Bob, Carol);
        var id = group.Conversation.Id;
        var fromBob = await chat.SendAsync(Bob, id);
        await chat.SendAsync(Bob, id);
        await chat.SendAsync(Carol, id);
        var deleted = await chat.SendAsync(Bob, id);
        await chat.Chat.DeleteMessageAsync(Bob, deleted.Id, Ct);

        async Task<int> UnreadAsync(ChatUser user) => (await chat.Chat.GetConversationAsync(user, id, Ct)).UnreadCount;

        Assert.Equal(3, await UnreadAsync(Alice));
        Assert.Equal(0, await UnreadAsync(Bob));
        Assert.Equal(0, await UnreadAsync(Carol)); // Carol's send moved her read position past Bob's first two

        await chat.Chat.MarkAsReadAsync(Alice, id, fromBob.Id, Ct);
        Assert.Equal(2, await UnreadAsync(Alice));
        var listed = Assert.Single((await chat.Chat.ListConversationsAsync(Alice, cancellationToken: Ct)).Items);
        Assert.Equal(2, listed.UnreadCount);
    }

    [Fact]
    public async Task MarkAsRead_MovesTheReadPositionForwardAndPublishes()
    {
        await using var chat = new ChatHarness();
        var direct = await chat.CreateDirectAsync(Alice, Bob);
        var id = direct.Conversation.Id;
        var messages = new List<ChatMessage>();
        for (var i = 0; i < 3; i++)
        {
            messages.Add(await chat.SendAsync(Bob, id));
        }

        chat.Time.Advance(TimeSpan.FromSeconds(2));

        await chat.Chat.MarkAsReadAsync(Alice, id, messages[1].Id, Ct);

        Assert.Equal(2, await chat.Store.GetReadPositionAsync(id, Alice.Id, Ct));
        Assert.Equal(1, (await chat.Chat.GetConversationAsync(Alice, id, Ct)).UnreadCount);
        var read = Assert.Single(chat.Events.Of<MessageReadEvent>());
        Assert.Equal(messages[1].Id, read.MessageId);
        Assert.Equal(id, read.ConversationId);
        Assert.Equal(Alice.Id, read.ReadBy);
        Assert.Equal(chat.Now, read.ReadAt);
        Assert.Equal([Alice.Id, Bob.Id], read.ParticipantIds);
    }

    [Fact]
    public async Task MarkAsRead_OlderMessage_NeverMovesBackward()
    {
        await using var chat = new ChatHarness();
        var direct = await chat.CreateDirectAsync(Alice, Bob);
        var id = direct.Conversation.Id;
        var first = await chat.SendAsync(Bob, id);
        await chat.SendAsync(Bob, id);
        var third = await chat.SendAsync(Bob, id);
        await chat.Chat.MarkAsReadAsync(Alice, id, third.Id, Ct);

        await chat.Chat.MarkAsReadAsync(Alice, id, first.Id, Ct);

        Assert.Equal(3, await chat.Store.GetReadPositionAsync(id, Alice.Id, Ct));
        Assert.Equal(0, (await chat.Chat.GetConversationAsync(Alice, id, Ct)).UnreadCount);
    }

    [Fact]
    public async Task MarkAsRead_MessageOfAnotherConversationOrUnknown_IsNotFound()
    {
        await using var chat = new ChatHarness();
        var direct = await chat.CreateDirectAsync(Alice, Bob);
        var other = await chat.CreateDirectAsync(Alice, Carol);
        var elsewhere = await chat.SendAsync(Carol, other.Conversation.Id);

        var wrongConversation = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.MarkAsReadAsync(Alice, direct.Conversation.Id, elsewhere.Id, Ct));
        var unknown = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.MarkAsReadAsync(Alice, direct.Conversation.Id, "m_unknown", Ct));

        Assert.Equal("not_found", wrongConversation.Code);
        Assert.Equal("not_found", unknown.Code);
        Assert.Equal(0, await chat.Store.GetReadPositionAsync(direct.Conversation.Id, Alice.Id, Ct));
        Assert.Empty(chat.Events.Of<MessageReadEvent>());
    }

    [Fact]
    public async Task MarkAsRead_NotAParticipant_IsNotFound()
    {
        await using var chat = new ChatHarness();
        var direct = await chat.CreateDirectAsync(Alice, Bob);
        var message = await chat.SendAsync(Bob, direct.Conversation.Id);

        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.MarkAsReadAsync(Carol, direct.Conversation.Id, message.Id, Ct));

        Assert.Equal("not_found", error.Code);
        Assert.Empty(chat.Events.Of<MessageReadEvent>());
    }

    [Fact]
    public async Task MarkConversationAsRead_ReadsEverythingAndPublishes()
    {
        await using var chat = new ChatHarness();
        var group = await chat.CreateGroupAsync(Alice, Bob, Carol);
        var id = group.Conversation.Id;
        for (var i = 0; i < 4; i++)
        {
            await chat.SendAsync(i % 2 == 0 ? Bob : Carol, id);
        }

        await chat.Chat.MarkConversationAsReadAsync(Alice, id, Ct);

        Assert.Equal(0, (await chat.Chat.GetConversationAsync(Alice, id, Ct)).UnreadCount);
        Assert.Equal(4, await chat.Store.GetReadPositionAsync(id, Alice.Id, Ct));
        var read = Assert.Single(chat.Events.Of<ConversationReadEvent>());
        Assert.Equal(id, read.ConversationId);
        Assert.Equal(Alice.Id, read.ReadBy);
        Assert.Equal(chat.Now, read.ReadAt);
        Assert.Equal([Alice.Id, Bob.Id, Carol.Id], read.ParticipantIds);
    }

    [Fact]
    public async Task MarkConversationAsRead_WithoutMessages_PublishesAndKeepsPositionZero()
    {
        await using var chat = new ChatHarness();
        var direct = await chat.CreateDirectAsync(Alice, Bob);

        await chat.Chat.MarkConversationAsReadAsync(Bob, direct.Conversation.Id, Ct);

        Assert.Equal(0, await chat.Store.GetReadPositionAsync(direct.Conversation.Id, Bob.Id, Ct));
        Assert.Single(chat.Events.Of<ConversationReadEvent>());
    }

    [Fact]
    public async Task MarkConversationAsRead_NotAParticipant_IsNotFound()
    {
        await using var chat = new ChatHarness();
        var direct = await chat.CreateDirectAsync(Alice, Bob);

        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.MarkConversationAsReadAsync(Carol, direct.Conversation.Id, Ct));

        Assert.Equal("not_found", error.Code);
        Assert.Empty(chat.Events.Of<ConversationReadEvent>());
    }
}
