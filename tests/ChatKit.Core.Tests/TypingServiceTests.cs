using ChatKit.Core.Tests.Support;
using ChatKit.Events;
using static ChatKit.Core.Tests.Support.ChatHarness;

namespace ChatKit.Core.Tests;

public sealed class TypingServiceTests
{
    private static readonly TimeSpan OneMs = TimeSpan.FromMilliseconds(1);

    [Fact]
    public async Task Typing_FirstCall_PublishesUserTypingOnce()
    {
        await using var chat = new ChatHarness();
        var direct = await chat.CreateDirectAsync(Alice, Bob);
        chat.Events.Clear();

        await chat.Typing.StartAsync(Alice, direct.Conversation.Id, "conn-1", Ct);
        await chat.Typing.StartAsync(Alice, direct.Conversation.Id, "conn-1", Ct);
        await chat.Typing.StartAsync(Alice, direct.Conversation.Id, "conn-1", Ct);

        var typing = Assert.Single(chat.Events.Events);
        Assert.Equal(new UserTypingEvent(direct.Conversation.Id, Alice.Id, Alice.Name), typing);
        Assert.True(chat.Typing.IsTyping(direct.Conversation.Id, Alice.Id));
        Assert.False(chat.Typing.IsTyping(direct.Conversation.Id, Bob.Id));
    }

    [Fact]
    public async Task Typing_StopsAfterTheTimeoutExactlyAndNotBefore()
    {
        await using var chat = new ChatHarness();
        var direct = await chat.CreateDirectAsync(Alice, Bob);
        await chat.Typing.StartAsync(Alice, direct.Conversation.Id, "conn-1", Ct);

        chat.Time.Advance(TimeSpan.FromSeconds(5) - OneMs);
        Assert.Empty(chat.Events.Of<UserStoppedTypingEvent>());
        Assert.True(chat.Typing.IsTyping(direct.Conversation.Id, Alice.Id));

        chat.Time.Advance(OneMs);
        var stopped = await chat.Events.WaitForAsync<UserStoppedTypingEvent>();

        Assert.Equal(new UserStoppedTypingEvent(direct.Conversation.Id, Alice.Id), stopped);
        Assert.False(chat.Typing.IsTyping(direct.Conversation.Id, Alice.Id));
        chat.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Single(chat.Events.Of<UserStoppedTypingEvent>());
    }

    [Fact]
    public async Task Typing_TimeoutOption_IsUsed()
    {
        await using var chat = new ChatHarness(o => o.TypingTimeout = TimeSpan.FromSeconds(2));
        var direct = await chat.CreateDirectAsync(Alice, Bob);
        await chat.Typing.StartAsync(Alice, direct.Conversation.Id, cancellationToken: Ct);

        chat.Time.Advance(TimeSpan.FromSeconds(2) - OneMs);
        Assert.Empty(chat.Events.Of<UserStoppedTypingEvent>());
        chat.Time.Advance(OneMs);

        await chat.Events.WaitForAsync<UserStoppedTypingEvent>();
    }

    [Fact]
    public async Task Typing_Repeated_ExtendsTheTimeout()
    {
        await using var chat = new ChatHarness();
        var direct = await chat.CreateDirectAsync(Alice, Bob);
        var id = direct.Conversation.Id;
        await chat.Typing.StartAsync(Alice, id, "conn-1", Ct);
        chat.Time.Advance(TimeSpan.FromSeconds(3));

        await chat.Typing.StartAsync(Alice, id, "conn-1", Ct);
        chat.Time.Advance(TimeSpan.FromSeconds(5) - OneMs); // 8 s after the first call, 5 s - 1 ms after the second

        Assert.Empty(chat.Events.Of<UserStoppedTypingEvent>());
        chat.Time.Advance(OneMs);
        await chat.Events.WaitForAsync<UserStoppedTypingEvent>();
        Assert.Single(chat.Events.Of<UserTypingEvent>());
    }

    [Fact]
    public async Task StopTyping_PublishesAndCancelsTheTimeout()
    {
        await using var chat = new ChatHarness();
        var direct = await chat.CreateDirectAsync(Alice, Bob);
        var id = direct.Conversation.Id;
        await chat.Typing.StartAsync(Alice, id, "conn-1", Ct);

        await chat.Typing.StopAsync(Alice, id, Ct);

        Assert.Equal(new UserStoppedTypingEvent(id, Alice.Id), Assert.Single(chat.Events.Of<UserStoppedTypingEvent>()));
        Assert.False(chat.Typing.IsTyping(id, Alice.Id));
        chat.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Single(chat.Events.Of<UserStoppedTypingEvent>());
    }

    [Fact]
    public async Task Typing_AfterStop_PublishesUserTypingAgain()
    {
        await using var chat = new ChatHarness();
        var direct = await chat.CreateDirectAsync(Alice, Bob);
        var id = direct.Conversation.Id;
        await chat.Typing.StartAsync(Alice, id, "conn-1", Ct);
        await chat.Typing.StopAsync(Alice, id, Ct);

        await chat.Typing.StartAsync(Alice, id, "conn-1", Ct);

        Assert.Equal(2, chat.Events.Of<UserTypingEvent>().Count);
    }

    [Fact]
    public async Task Typing_ClosingTheConnection_StopsIt()
    {
        await using var chat = new ChatHarness();
        var direct = await chat.CreateDirectAsync(Alice, Bob);
        var group = await chat.CreateGroupAsync(Alice, Bob);
        await chat.Presence.ConnectedAsync(Alice, "conn-1", Ct);
        await chat.Presence.ConnectedAsync(Alice, "conn-2", Ct);
        await chat.Typing.StartAsync(Alice, direct.Conversation.Id, "conn-1", Ct);
        await chat.Typing.StartAsync(Alice, group.Conversation.Id, "conn-2", Ct);

        await chat.Presence.DisconnectedAsync(Alice, "conn-1", Ct);

        Assert.Equal(new UserStoppedTypingEvent(direct.Conversation.Id, Alice.Id), Assert.Single(chat.Events.Of<UserStoppedTypingEvent>()));
        Assert.False(chat.Typing.IsTyping(direct.Conversation.Id, Alice.Id));
        Assert.True(chat.Typing.IsTyping(group.Conversation.Id, Alice.Id));
        chat.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(2, chat.Events.Of<UserStoppedTypingEvent>().Count);
    }

    [Fact]
    public async Task Typing_NotAParticipant_IsNotFoundAndPublishesNothing()
    {
        await using var chat = new ChatHarness();
        var direct = await chat.CreateDirectAsync(Alice, Bob);
        chat.Events.Clear();

        var start = await Assert.ThrowsAsync<ChatException>(() => chat.Typing.StartAsync(Carol, direct.Conversation.Id, "conn-1", Ct));
        var stop = await Assert.ThrowsAsync<ChatException>(() => chat.Typing.StopAsync(Carol, direct.Conversation.Id, Ct));

        Assert.Equal("not_found", start.Code);
        Assert.Equal("not_found", stop.Code);
        Assert.False(chat.Typing.IsTyping(direct.Conversation.Id, Carol.Id));
        chat.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty(chat.Events.Events);
    }
}
