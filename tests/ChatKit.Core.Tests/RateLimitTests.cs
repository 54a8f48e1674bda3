using ChatKit.Core.Tests.Support;
using ChatKit.Events;
using static ChatKit.Core.Tests.Support.ChatHarness;

namespace ChatKit.Core.Tests;

public sealed class RateLimitTests
{
    private static void LongWindow(ChatKitOptions options)
    {
        options.SendRateLimit.Enabled = true;
        options.SendRateLimit.PermitLimit = 3;
        options.SendRateLimit.Window = TimeSpan.FromHours(1);
    }

    [Fact]
    public async Task SendMessage_BeyondThePermitLimit_IsRateLimitedWithRetryAfter()
    {
        await using var chat = new ChatHarness(LongWindow);
        var direct = await chat.CreateDirectAsync(Alice, Bob);
        for (var i = 0; i < 3; i++)
        {
            await chat.SendAsync(Alice, direct.Conversation.Id);
        }

        var error = await Assert.ThrowsAsync<ChatException>(() => chat.SendAsync(Alice, direct.Conversation.Id, "one too many"));

        Assert.Equal("rate_limited", error.Code);
        Assert.Equal(ChatErrorCode.RateLimited, error.Error);
        Assert.NotNull(error.RetryAfter);
        Assert.True(error.RetryAfter > TimeSpan.Zero, $"RetryAfter is {error.RetryAfter}");
        Assert.True(error.RetryAfter <= TimeSpan.FromHours(1), $"RetryAfter is {error.RetryAfter}");
        Assert.Equal(3, chat.Events.Of<MessageCreatedEvent>().Count);
        Assert.Equal(3, (await chat.Store.FindConversationAsync(direct.Conversation.Id, Ct))!.LastSeq);
    }

    [Fact]
    public async Task SendMessage_RateLimit_IsPerUser()
    {
        await using var chat = new ChatHarness(LongWindow);
        var direct = await chat.CreateDirectAsync(Alice, Bob);
        for (var i = 0; i < 3; i++)
        {
            await chat.SendAsync(Alice, direct.Conversation.Id);
        }

        await Assert.ThrowsAsync<ChatException>(() => chat.SendAsync(Alice, direct.Conversation.Id));
        for (var i = 0; i < 3; i++)
        {
            await chat.SendAsync(Bob, direct.Conversation.Id);
        }

        Assert.Equal("rate_limited", (await Assert.ThrowsAsync<ChatException>(() => chat.SendAsync(Bob, direct.Conversation.Id))).Code);
        Assert.Equal(6, chat.Events.Of<MessageCreatedEvent>().Count);
    }

    [Fact]
    public async Task SendMessage_RejectedForValidation_DoesNotUseAPermit()
    {
        await using var chat = new ChatHarness(LongWindow);
        var direct = await chat.CreateDirectAsync(Alice, Bob);
        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<ChatException>(() => chat.SendAsync(Alice, direct.Conversation.Id, "   "));
        }

        for (var i = 0; i < 3; i++)
        {
            await chat.SendAsync(Alice, direct.Conversation.Id);
        }
    }

    [Fact]
    public async Task SendMessage_RateLimitDisabled_IsUnlimited()
    {
        await using var chat = new ChatHarness(o =>
        {
            LongWindow(o);
            o.SendRateLimit.Enabled = false;
        });
        var direct = await chat.CreateDirectAsync(Alice, Bob);

        for (var i = 0; i < 50; i++)
        {
            await chat.SendAsync(Alice, direct.Conversation.Id);
        }

        Assert.Equal(50, (await chat.Store.FindConversationAsync(direct.Conversation.Id, Ct))!.LastSeq);
    }
}
