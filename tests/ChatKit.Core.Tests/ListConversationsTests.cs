using System.Text;
using ChatKit.Core.Tests.Support;
using static ChatKit.Core.Tests.Support.ChatHarness;

namespace ChatKit.Core.Tests;

public sealed class ListConversationsTests
{
    private static async Task<List<string>> CreateFiveAsync(ChatHarness chat)
    {
        var ids = new List<string>();
        foreach (var other in new[] { Bob, Carol, Dave, Eve })
        {
            ids.Add((await chat.CreateDirectAsync(Alice, other)).Conversation.Id);
            chat.Time.Advance(TimeSpan.FromSeconds(1));
        }

        ids.Add((await chat.CreateGroupAsync(Bob, Alice, Carol)).Conversation.Id);
        chat.Time.Advance(TimeSpan.FromSeconds(1));
        return ids;
    }

    [Fact]
    public async Task ListConversations_CursorPages_WalkEveryConversationMostRecentFirst()
    {
        await using var chat = new ChatHarness();
        var ids = await CreateFiveAsync(chat);
        await chat.SendAsync(Bob, ids[0], "bump the oldest");

        var first = await chat.Chat.ListConversationsAsync(Alice, 2, null, Ct);
        var second = await chat.Chat.ListConversationsAsync(Alice, 2, first.NextCursor, Ct);
        var third = await chat.Chat.ListConversationsAsync(Alice, 2, second.NextCursor, Ct);

        Assert.Equal([ids[0], ids[4]], first.Items.Select(v => v.Conversation.Id));
        Assert.Equal([ids[3], ids[2]], second.Items.Select(v => v.Conversation.Id));
        Assert.Equal([ids[1]], third.Items.Select(v => v.Conversation.Id));
        Assert.NotNull(first.NextCursor);
        Assert.NotNull(second.NextCursor);
        Assert.Null(third.NextCursor);
        Assert.Equal("bump the oldest", first.Items[0].LastMessage!.Content);
        Assert.Equal(1, first.Items[0].UnreadCount);
        Assert.Null(first.Items[1].LastMessage);
    }

    [Fact]
    public async Task ListConversations_PageExactlyFull_HasNoNextCursor()
    {
        await using var chat = new ChatHarness();
        await CreateFiveAsync(chat);

        var page = await chat.Chat.ListConversationsAsync(Alice, 5, null, Ct);

        Assert.Equal(5, page.Items.Count);
        Assert.Null(page.NextCursor);
    }

    [Fact]
    public async Task ListConversations_DefaultLimit_IsFiftyAndLimitIsClamped()
    {
        await using var chat = new ChatHarness();
        for (var i = 0; i < 101; i++)
        {
            await chat.CreateDirectAsync(Alice, new ChatUser($"user{i}"));
        }

        var byDefault = await chat.Chat.ListConversationsAsync(Alice, cancellationToken: Ct);
        var zero = await chat.Chat.ListConversationsAsync(Alice, 0, null, Ct);
        var huge = await chat.Chat.ListConversationsAsync(Alice, 500, null, Ct);

        Assert.Equal(50, byDefault.Items.Count);
        Assert.NotNull(byDefault.NextCursor);
        Assert.Single(zero.Items);
        Assert.Equal(100, huge.Items.Count);
        Assert.NotNull(huge.NextCursor);
        Assert.Single((await chat.Chat.ListConversationsAsync(Alice, 500, huge.NextCursor, Ct)).Items);
    }

    [Fact]
    public async Task ListConversations_OnlyTheCallersConversations()
    {
        await using var chat = new ChatHarness();
        await chat.CreateDirectAsync(Bob, Carol);
        var mine = await chat.CreateGroupAsync(Alice, Bob);

        var page = await chat.Chat.ListConversationsAsync(Alice, cancellationToken: Ct);

        Assert.Equal(mine.Conversation.Id, Assert.Single(page.Items).Conversation.Id);
        Assert.Empty((await chat.Chat.ListConversationsAsync(Eve, cancellationToken: Ct)).Items);
    }

    public static TheoryData<string> ForgedCursors =>
    [
        "not a cursor!",
        "%%%",
        "a",
        Convert.ToBase64String(Encoding.UTF8.GetBytes("no dot here")),
        Convert.ToBase64String(Encoding.UTF8.GetBytes("12345.")),
        Convert.ToBase64String(Encoding.UTF8.GetBytes(".c_1")),
        Convert.ToBase64String(Encoding.UTF8.GetBytes("-5.c_1")),
        Convert.ToBase64String(Encoding.UTF8.GetBytes("99999999999999999999999.c_1")),
        Convert.ToBase64String(Encoding.UTF8.GetBytes("3155378976000000000.c_1")), // one tick past DateTimeOffset.MaxValue
        Convert.ToBase64String(Encoding.UTF8.GetBytes("9223372036854775807.c_1")),
    ];

    [Theory]
    [MemberData(nameof(ForgedCursors))]
    public async Task ListConversations_ForgedCursor_IsValidationFailed(string cursor)
    {
        await using var chat = new ChatHarness();
        await CreateFiveAsync(chat);

        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.ListConversationsAsync(Alice, 2, cursor, Ct));

        Assert.Equal("validation_failed", error.Code);
        Assert.Contains("cursor", error.Errors.Keys);
    }
}
