using ChatKit.Core.Tests.Support;
using ChatKit.Events;
using static ChatKit.Core.Tests.Support.ChatHarness;

namespace ChatKit.Core.Tests;

public sealed class SendMessageTests
{
    private static SendMessageRequest Message(string conversationId, string content, string? tempId = null) =>
        new() { ConversationId = conversationId, Content = content, TempId = tempId };

    [Fact]
    public async Task SendMessage_StoresTheMessageThenPublishesItToEveryParticipant()
    {
        await using var chat = new ChatHarness();
        var group = await chat.CreateGroupAsync(Alice, Bob, Carol);
        chat.Time.Advance(TimeSpan.FromSeconds(3));

        var result = await chat.Chat.SendMessageAsync(Bob, Message(group.Conversation.Id, "Hello team", "tmp-1"), Ct);

        Assert.True(result.Created);
        var message = result.Message;
        Assert.StartsWith("m_", message.Id, StringComparison.Ordinal);
        Assert.Equal(group.Conversation.Id, message.ConversationId);
        Assert.Equal(1, message.Seq);
        Assert.Equal(Bob.Id, message.SenderId);
        Assert.Equal(Bob.Name, message.SenderName);
        Assert.Equal("Hello team", message.Content);
        Assert.Equal(MessageType.Text, message.Type);
        Assert.Equal("tmp-1", message.TempId);
        Assert.Equal(chat.Now, message.CreatedAt);
        Assert.Equal(0, message.CreatedAt.UtcTicks % TimeSpan.TicksPerMillisecond);
        Assert.Null(message.DeletedAt);
        Assert.Equal(message, await chat.Store.FindMessageAsync(message.Id, Ct));
        var published = Assert.Single(chat.Events.Of<MessageCreatedEvent>());
        Assert.Equal(message, published.Message);
        Assert.Equal([Alice.Id, Bob.Id, Carol.Id], published.ParticipantIds);
        var view = await chat.Chat.GetConversationAsync(Alice, group.Conversation.Id, Ct);
        Assert.Equal(1, view.Conversation.LastSeq);
        Assert.Equal(chat.Now, view.Conversation.LastActivityAt);
    }

    [Fact]
    public async Task SendMessage_AssignsIncreasingSeqs()
    {
        await using var chat = new ChatHarness();
        var direct = await chat.CreateDirectAsync(Alice, Bob);

        var seqs = new List<long>();
        for (var i = 0; i < 4; i++)
        {
            seqs.Add((await chat.SendAsync(i % 2 == 0 ? Alice : Bob, direct.Conversation.Id)).Seq);
        }

        Assert.Equal([1L, 2, 3, 4], seqs);
    }

    [Theory]
    [InlineData("  hello  ", "hello")]
    [InlineData("\n\thello\t\n", "hello")]
    [InlineData("line one\nline\ttwo", "line one\nline\ttwo")]
    [InlineData("a\u0000b\u0007c\r\nd\u001be\u007ff\u0085g\u009fh", "abc\nde" + "fgh")]
    [InlineData("\u0001  padded \u0002", "padded")]
    [InlineData("<b>not html</b> & \"quotes\"", "<b>not html</b> & \"quotes\"")]
    [InlineData("emoji 👋 and accents é", "emoji 👋 and accents é")]
    public async Task SendMessage_NormalisesContent(string content, string stored)
    {
        await using var chat = new ChatHarness();
        var direct = await chat.CreateDirectAsync(Alice, Bob);

        var message = await chat.SendAsync(Alice, direct.Conversation.Id, content);

        Assert.Equal(stored, message.Content);
        Assert.Equal(stored, (await chat.Store.FindMessageAsync(message.Id, Ct))!.Content);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\n\t \n")]
    [InlineData("\u0000\u0001\r")]
    [InlineData(" \u0007 \u007f ")]
    public async Task SendMessage_EmptyAfterNormalisation_IsValidationFailed(string content)
    {
        await using var chat = new ChatHarness();
        var direct = await chat.CreateDirectAsync(Alice, Bob);

        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.SendMessageAsync(Alice, Message(direct.Conversation.Id, content), Ct));

        Assert.Equal("validation_failed", error.Code);
        Assert.Contains("content", error.Errors.Keys);
        Assert.Empty(chat.Events.Of<MessageCreatedEvent>());
        Assert.Empty((await chat.Store.GetMessagesAsync(direct.Conversation.Id, null, null, 10, Ct)).Items);
    }

    [Fact]
    public async Task SendMessage_WithoutContent_IsValidationFailed()
    {
        await using var chat = new ChatHarness();
        var direct = await chat.CreateDirectAsync(Alice, Bob);

        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.SendMessageAsync(Alice, Message(direct.Conversation.Id, null!), Ct));

        Assert.Equal("validation_failed", error.Code);
        Assert.Contains("content", error.Errors.Keys);
    }

    [Fact]
    public async Task SendMessage_MaxContentLength_AppliesAfterNormalisation()
    {
        await using var chat = new ChatHarness(o => o.MaxContentLength = 10);
        var direct = await chat.CreateDirectAsync(Alice, Bob);

        var longest = await chat.SendAsync(Alice, direct.Conversation.Id, "  0123\u000045678\u00019  ");
        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.SendMessageAsync(Alice, Message(direct.Conversation.Id, "0123456789A"), Ct));

        Assert.Equal("0123456789", longest.Content);
        Assert.Equal("validation_failed", error.Code);
        Assert.Contains("content", error.Errors.Keys);
        Assert.Contains("10", error.Message, StringComparison.Ordinal);
        Assert.Single(chat.Events.Of<MessageCreatedEvent>());
    }

    [Fact]
    public async Task SendMessage_DefaultMaxContentLength_IsFourThousand()
    {
        await using var chat = new ChatHarness();
        var direct = await chat.CreateDirectAsync(Alice, Bob);

        var longest = await chat.SendAsync(Alice, direct.Conversation.Id, new string('x', 4_000));
        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.SendMessageAsync(Alice, Message(direct.Conversation.Id, new string('x', 4_001)), Ct));

        Assert.Equal(4_000, longest.Content.Length);
        Assert.Equal("validation_failed", error.Code);
    }

    [Fact]
    public async Task SendMessage_SystemType_IsValidationFailed()
    {
        await using var chat = new ChatHarness();
        var direct = await chat.CreateDirectAsync(Alice, Bob);

        var error = await Assert.ThrowsAsync<ChatException>(
            () => chat.Chat.SendMessageAsync(Alice, Message(direct.Conversation.Id, "I am the system") with { Type = MessageType.System }, Ct));

        Assert.Equal("validation_failed", error.Code);
        Assert.Contains("type", error.Errors.Keys);
        Assert.Empty(chat.Events.Of<MessageCreatedEvent>());
    }

    [Fact]
    public async Task SendMessage_WithUsedTempId_ReturnsFirstMessageAndPublishesOnce()
    {
        await using var chat = new ChatHarness();
        var direct = await chat.CreateDirectAsync(Alice, Bob);
        var first = await chat.Chat.SendMessageAsync(Alice, Message(direct.Conversation.Id, "first", "retry-me"), Ct);
        await chat.SendAsync(Bob, direct.Conversation.Id, "in between");
        chat.Time.Advance(TimeSpan.FromSeconds(30));

        var retry = await chat.Chat.SendMessageAsync(Alice, Message(direct.Conversation.Id, "second attempt", "retry-me"), Ct);

        Assert.True(first.Created);
        Assert.False(retry.Created);
        Assert.Equal(first.Message, retry.Message);
        Assert.Equal("first", retry.Message.Content);
        Assert.Equal(1, retry.Message.Seq);
        Assert.Equal(2, chat.Events.Of<MessageCreatedEvent>().Count);
        Assert.Equal(2, (await chat.Store.GetMessagesAsync(direct.Conversation.Id, null, null, 10, Ct)).Items.Count);
    }

    [Fact]
    public async Task SendMessage_SameTempIdByAnotherSenderOrInAnotherConversation_IsANewMessage()
    {
        await using var chat = new ChatHarness();
        var direct = await chat.CreateDirectAsync(Alice, Bob);
        var group = await chat.CreateGroupAsync(Alice, Bob);
        var first = await chat.SendAsync(Alice, direct.Conversation.Id, tempId: "shared");

        var byBob = await chat.Chat.SendMessageAsync(Bob, Message(direct.Conversation.Id, "hi", "shared"), Ct);
        var elsewhere = await chat.Chat.SendMessageAsync(Alice, Message(group.Conversation.Id, "hi", "shared"), Ct);

        Assert.True(byBob.Created);
        Assert.True(elsewhere.Created);
        Assert.Equal(3, new[] { first.Id, byBob.Message.Id, elsewhere.Message.Id }.Distinct().Count());
        Assert.Equal(3, chat.Events.Of<MessageCreatedEvent>().Count);
    }

    [Fact]
    public async Task SendMessage_TempIdLength_IsValidated()
    {
        await using var chat = new ChatHarness(o => o.MaxIdLength = 5);
        var direct = await chat.CreateDirectAsync(Alice, Bob);

        var tooLong = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.SendMessageAsync(Alice, Message(direct.Conversation.Id, "hi", "123456"), Ct));
        var empty = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.SendMessageAsync(Alice, Message(direct.Conversation.Id, "hi", string.Empty), Ct));
        var longest = await chat.SendAsync(Alice, direct.Conversation.Id, tempId: "12345");

        Assert.Equal("validation_failed", tooLong.Code);
        Assert.Contains("tempId", tooLong.Errors.Keys);
        Assert.Equal("validation_failed", empty.Code);
        Assert.Equal("12345", longest.TempId);
    }

    [Fact]
    public async Task SendMessage_NotAParticipant_IsNotFoundAndStoresNothing()
    {
        await using var chat = new ChatHarness();
        var direct = await chat.CreateDirectAsync(Alice, Bob);

        var stranger = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.SendMessageAsync(Carol, Message(direct.Conversation.Id, "let me in"), Ct));
        var unknown = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.SendMessageAsync(Alice, Message("c_nope", "hello?"), Ct));

        Assert.Equal("not_found", stranger.Code);
        Assert.Equal("not_found", unknown.Code);
        Assert.Empty(chat.Events.Of<MessageCreatedEvent>());
        Assert.Empty((await chat.Store.GetMessagesAsync(direct.Conversation.Id, null, null, 10, Ct)).Items);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public async Task SendMessage_WithoutConversationId_IsValidationFailed(string conversationId)
    {
        await using var chat = new ChatHarness();

        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.SendMessageAsync(Alice, Message(conversationId, "hi"), Ct));

        Assert.Equal("validation_failed", error.Code);
        Assert.Contains("conversationId", error.Errors.Keys);
    }

    [Fact]
    public async Task SendMessage_MovesTheSendersReadPosition()
    {
        await using var chat = new ChatHarness();
        var direct = await chat.CreateDirectAsync(Alice, Bob);
        await chat.SendAsync(Bob, direct.Conversation.Id);
        await chat.SendAsync(Bob, direct.Conversation.Id);

        await chat.SendAsync(Alice, direct.Conversation.Id);

        Assert.Equal(0, (await chat.Chat.GetConversationAsync(Alice, direct.Conversation.Id, Ct)).UnreadCount);
        Assert.Equal(1, (await chat.Chat.GetConversationAsync(Bob, direct.Conversation.Id, Ct)).UnreadCount);
        Assert.Equal(3, await chat.Store.GetReadPositionAsync(direct.Conversation.Id, Alice.Id, Ct));
    }

    [Fact]
    public async Task SendMessage_AfterRemoval_IsNotFoundAndEventsLeaveTheRemovedUserOut()
    {
        await using var chat = new ChatHarness();
        var group = await chat.CreateGroupAsync(Alice, Bob, Carol);
        await chat.Chat.RemoveParticipantAsync(Alice, group.Conversation.Id, Carol.Id, Ct);

        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.SendMessageAsync(Carol, Message(group.Conversation.Id, "still here?"), Ct));
        await chat.SendAsync(Bob, group.Conversation.Id);

        Assert.Equal("not_found", error.Code);
        // The system message recording the removal and Bob's message: neither goes to Carol.
        Assert.Equal([Alice.Id, Bob.Id], Assert.Single(chat.Events.Of<MessageCreatedEvent>(), e => e.Message.Type == MessageType.Text).ParticipantIds);
        Assert.All(chat.Events.Of<MessageCreatedEvent>(), e => Assert.DoesNotContain(Carol.Id, e.ParticipantIds));
    }
}
