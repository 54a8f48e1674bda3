using ChatKit.Core.Tests.Support;
using ChatKit.Events;
using ChatKit.Services;
using static ChatKit.Core.Tests.Support.ChatHarness;

namespace ChatKit.Core.Tests;

/// <summary>Issue 12 §2: every operation has a per-user limit, and counts are checked before the work.</summary>
public sealed class AbuseLimitTests
{
    public static TheoryData<ChatOperation> LimitedOperations() =>
        [.. Enum.GetValues<ChatOperation>()];

    [Theory]
    [MemberData(nameof(LimitedOperations))]
    public async Task EveryOperation_BeyondItsLimit_IsRateLimitedWithRetryAfter(ChatOperation operation)
    {
        await using var limited = new ChatHarness(options =>
        {
            var limit = options.RateLimitFor(operation);
            limit.Enabled = true;
            limit.PermitLimit = 1;
            limit.Window = TimeSpan.FromHours(1);
        });
        var id = (await limited.CreateGroupAsync(Alice, Bob, Carol)).Conversation.Id;
        var messageId = operation == ChatOperation.CreateConversation ? "m_none" : (await limited.SendAsync(Alice, id)).Id;

        // The setup above used the one permit of CreateConversation or SendMessage; every other operation uses its own now.
        if (operation is not ChatOperation.CreateConversation and not ChatOperation.SendMessage)
        {
            await Call(limited, operation, id, messageId, 0);
        }

        var error = await Assert.ThrowsAsync<ChatException>(() => Call(limited, operation, id, messageId, 1));

        Assert.Equal(ChatErrorCode.RateLimited, error.Error);
        Assert.NotNull(error.RetryAfter);
        Assert.True(error.RetryAfter > TimeSpan.Zero);
    }

    [Fact]
    public async Task RateLimits_AreCountedPerOperation()
    {
        await using var chat = new ChatHarness(options =>
        {
            options.TypingRateLimit.Enabled = true;
            options.TypingRateLimit.PermitLimit = 1;
            options.TypingRateLimit.Window = TimeSpan.FromHours(1);
        });
        var id = (await chat.CreateDirectAsync(Alice, Bob)).Conversation.Id;
        await chat.Typing.StartAsync(Alice, id, null, Ct);

        await Assert.ThrowsAsync<ChatException>(() => chat.Typing.StopAsync(Alice, id, Ct));
        await chat.Chat.MarkConversationAsReadAsync(Alice, id, Ct);
        await chat.Typing.StartAsync(Bob, id, null, Ct);
    }

    [Fact]
    public async Task CreateConversation_WithMoreIdsThanAGroupMayHave_FailsOnTheCountBeforeLookingAtAnyId()
    {
        await using var chat = new ChatHarness();

        // 1,001 blank ids: checked one by one, the first would fail as blank; counted first, the list fails on its size.
        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.CreateConversationAsync(
            Alice, new CreateConversationRequest { Type = ConversationType.Group, Name = "Big", ParticipantIds = [.. Enumerable.Repeat(" ", 1_001)] }, Ct));

        Assert.Equal("a group has at most 1000 participants", error.Message);
        Assert.Empty(await chat.Store.ListConversationsAsync(Alice.Id, null, 10, Ct));
    }

    [Fact]
    public async Task AddParticipants_WithMoreIdsThanAGroupMayHave_FailsOnTheCountBeforeLookingAtAnyId()
    {
        await using var chat = new ChatHarness();
        var group = await chat.CreateGroupAsync(Alice, Bob);

        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.AddParticipantsAsync(Alice, group.Conversation.Id, [.. Enumerable.Repeat(" ", 1_001)], Ct));

        Assert.Equal("a group has at most 1000 participants", error.Message);
    }

    [Fact]
    public async Task CreateConversation_WithManyDuplicates_KeepsEachUserOnce()
    {
        await using var chat = new ChatHarness();
        string[] ids = [.. Enumerable.Range(0, 1_000).Select(i => $"user{i % 300}")];

        var group = (await chat.Chat.CreateConversationAsync(
            Alice, new CreateConversationRequest { Type = ConversationType.Group, Name = "Dupes", ParticipantIds = ids }, Ct)).Conversation;

        Assert.Equal(301, group.Conversation.Participants.Count);
        Assert.Equal(ids.Distinct().Prepend(Alice.Id), group.Conversation.Participants.Select(p => p.UserId));
    }

    [Fact]
    public async Task AddParticipants_InParallelThroughTheService_NeverPassTheLimit()
    {
        await using var chat = new ChatHarness(o => o.MaxGroupParticipants = 10);
        var group = await chat.CreateGroupAsync(Alice, Bob);
        var batches = Enumerable.Range(0, 10).Select(b => Enumerable.Range(0, 8).Select(i => $"u{b}-{i}").ToList()).ToList();

        var results = await Task.WhenAll(batches.Select(batch => Task.Run(async () =>
        {
            try
            {
                await chat.Chat.AddParticipantsAsync(Alice, group.Conversation.Id, batch, Ct);
                return true;
            }
            catch (ChatException ex) when (ex.Error == ChatErrorCode.ValidationFailed)
            {
                return false;
            }
        })));

        Assert.Single(results, r => r);
        Assert.Equal(10, (await chat.Store.FindConversationAsync(group.Conversation.Id, Ct))!.Participants.Count);
        Assert.Single(chat.Events.Of<ParticipantsAddedEvent>());
    }

    [Fact]
    public async Task Connect_BeyondMaxConnectionsPerUser_IsRateLimitedAndNotRecorded()
    {
        await using var chat = new ChatHarness(o => o.MaxConnectionsPerUser = 2);
        await chat.Presence.ConnectedAsync(Alice, "a1", Ct);
        await chat.Presence.ConnectedAsync(Alice, "a2", Ct);

        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Presence.ConnectedAsync(Alice, "a3", Ct));
        await chat.Presence.ConnectedAsync(Bob, "b1", Ct);

        Assert.Equal(ChatErrorCode.RateLimited, error.Error);
        Assert.Equal(["a1", "a2"], (await chat.Presence.GetConnectionsAsync(Alice.Id, Ct)).Order());
        await chat.Presence.DisconnectedAsync(Alice, "a1", Ct);
        await chat.Presence.ConnectedAsync(Alice, "a3", Ct);
    }

    private static Task Call(ChatHarness chat, ChatOperation operation, string id, string messageId, int attempt) => operation switch
    {
        ChatOperation.SendMessage => chat.SendAsync(Alice, id, "again"),
        ChatOperation.Typing => attempt == 0 ? chat.Typing.StartAsync(Alice, id, null, Ct) : chat.Typing.StopAsync(Alice, id, Ct),
        ChatOperation.MarkAsRead => attempt == 0 ? chat.Chat.MarkAsReadAsync(Alice, id, messageId, Ct) : chat.Chat.MarkConversationAsReadAsync(Alice, id, Ct),
        ChatOperation.CreateConversation => chat.CreateDirectAsync(Alice, Dave),
        ChatOperation.ManageParticipants => attempt == 0
            ? chat.Chat.AddParticipantsAsync(Alice, id, [Dave.Id], Ct)
            : chat.Chat.RemoveParticipantAsync(Alice, id, Dave.Id, Ct),
        ChatOperation.JoinRoom => chat.Chat.JoinAsync(Alice, id, Ct),
        ChatOperation.GetOnlineUsers => chat.Presence.GetOnlineContactsAsync(Alice, Ct),
        ChatOperation.Query => attempt == 0 ? chat.Chat.GetConversationAsync(Alice, id, Ct) : chat.Chat.GetMessagesAsync(Alice, id, null, Ct),
        ChatOperation.DeleteMessage => chat.Chat.DeleteMessageAsync(Alice, messageId, Ct),
        ChatOperation.EditMessage => chat.Chat.EditMessageAsync(Alice, messageId, attempt == 0 ? "edited" : "edited again", Ct),
        ChatOperation.React => attempt == 0 ? chat.Chat.AddReactionAsync(Alice, messageId, "👍", Ct) : chat.Chat.RemoveReactionAsync(Alice, messageId, "👍", Ct),
        ChatOperation.UploadAttachment => chat.Attachments.UploadAsync(Alice, id, "notes.txt", "text/plain", new MemoryStream("notes"u8.ToArray()), Ct),
        ChatOperation.ManagePushRegistrations => attempt == 0
            ? chat.Push.SaveFcmAsync(Alice.Id, "token-" + id, Ct)
            : chat.Push.DeleteAsync(Alice.Id, ChatKit.Notifications.PushProviders.Fcm, "token-" + id, "token", Ct),
        _ => throw new ArgumentOutOfRangeException(nameof(operation)),
    };
}
