using ChatKit.Core.Tests.Support;
using static ChatKit.Core.Tests.Support.ChatHarness;

namespace ChatKit.Core.Tests;

public sealed class MessageHistoryTests
{
    private static async Task<string> DirectWithMessagesAsync(ChatHarness chat, int count)
    {
        var direct = await chat.CreateDirectAsync(Alice, Bob);
        for (var i = 0; i < count; i++)
        {
            await chat.SendAsync(i % 2 == 0 ? Alice : Bob, direct.Conversation.Id, $"message {i + 1}");
        }

        return direct.Conversation.Id;
    }

    [Fact]
    public async Task GetMessages_WithoutQuery_ReturnsTheNewestFiftyAscending()
    {
        await using var chat = new ChatHarness();
        var id = await DirectWithMessagesAsync(chat, 55);

        var page = await chat.Chat.GetMessagesAsync(Bob, id, cancellationToken: Ct);

        Assert.Equal(Enumerable.Range(6, 50).Select(i => (long)i), page.Items.Select(m => m.Seq));
        Assert.True(page.HasMore);
        Assert.Equal("message 55", page.Items[^1].Content);
    }

    [Fact]
    public async Task GetMessages_BeforeAndAfter_PageBothWays()
    {
        await using var chat = new ChatHarness();
        var id = await DirectWithMessagesAsync(chat, 10);

        var older = await chat.Chat.GetMessagesAsync(Alice, id, new MessageQuery { BeforeSeq = 5, Limit = 3 }, Ct);
        var oldest = await chat.Chat.GetMessagesAsync(Alice, id, new MessageQuery { BeforeSeq = 2, Limit = 3 }, Ct);
        var missed = await chat.Chat.GetMessagesAsync(Alice, id, new MessageQuery { AfterSeq = 7, Limit = 3 }, Ct);
        var caughtUp = await chat.Chat.GetMessagesAsync(Alice, id, new MessageQuery { AfterSeq = 10 }, Ct);

        Assert.Equal([2L, 3, 4], older.Items.Select(m => m.Seq));
        Assert.True(older.HasMore);
        Assert.Equal([1L], oldest.Items.Select(m => m.Seq));
        Assert.False(oldest.HasMore);
        Assert.Equal([8L, 9, 10], missed.Items.Select(m => m.Seq));
        Assert.False(missed.HasMore);
        Assert.Empty(caughtUp.Items);
        Assert.False(caughtUp.HasMore);
    }

    [Fact]
    public async Task GetMessages_BeforeAndAfterTogether_IsValidationFailed()
    {
        await using var chat = new ChatHarness();
        var id = await DirectWithMessagesAsync(chat, 3);

        var error = await Assert.ThrowsAsync<ChatException>(
            () => chat.Chat.GetMessagesAsync(Alice, id, new MessageQuery { BeforeSeq = 3, AfterSeq = 1 }, Ct));

        Assert.Equal("validation_failed", error.Code);
    }

    [Theory]
    [InlineData(0L, null)]
    [InlineData(-1L, null)]
    [InlineData(null, -1L)]
    public async Task GetMessages_SeqBelowItsRange_IsValidationFailed(long? before, long? after)
    {
        await using var chat = new ChatHarness();
        var id = await DirectWithMessagesAsync(chat, 3);

        var error = await Assert.ThrowsAsync<ChatException>(
            () => chat.Chat.GetMessagesAsync(Alice, id, new MessageQuery { BeforeSeq = before, AfterSeq = after }, Ct));

        Assert.Equal("validation_failed", error.Code);
        Assert.Contains(before is null ? "after" : "before", error.Errors.Keys);
    }

    [Fact]
    public async Task GetMessages_AfterZero_ReadsFromTheFirstMessage()
    {
        await using var chat = new ChatHarness();
        var id = await DirectWithMessagesAsync(chat, 3);

        var page = await chat.Chat.GetMessagesAsync(Alice, id, new MessageQuery { AfterSeq = 0, Limit = 2 }, Ct);

        Assert.Equal([1L, 2], page.Items.Select(m => m.Seq));
        Assert.True(page.HasMore);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(-5, 1)]
    [InlineData(1, 1)]
    [InlineData(100, 100)]
    [InlineData(500, 100)]
    public async Task GetMessages_Limit_IsClampedToOneToHundred(int limit, int expected)
    {
        await using var chat = new ChatHarness();
        var id = await DirectWithMessagesAsync(chat, 105);

        var page = await chat.Chat.GetMessagesAsync(Alice, id, new MessageQuery { Limit = limit }, Ct);

        Assert.Equal(expected, page.Items.Count);
        Assert.Equal(105, page.Items[^1].Seq);
        Assert.True(page.HasMore);
    }

    [Fact]
    public async Task GetMessages_NotAParticipant_IsNotFound()
    {
        await using var chat = new ChatHarness();
        var id = await DirectWithMessagesAsync(chat, 3);

        var stranger = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.GetMessagesAsync(Carol, id, cancellationToken: Ct));
        var unknown = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.GetMessagesAsync(Alice, "c_unknown", cancellationToken: Ct));

        Assert.Equal("not_found", stranger.Code);
        Assert.Equal("not_found", unknown.Code);
    }
}
