using ChatKit.Core.Tests.Support;
using ChatKit.Internal.Notifications;
using ChatKit.Notifications;
using ChatKit.Presence;
using ChatKit.Testing.Notifications;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatKit.Core.Tests.Notifications;

/// <summary>
/// The offline-notification pipeline as a host runs it (AddChatKitCore, channels added, the outbox dispatcher started) on
/// a fake clock that the tests advance: batching windows, who is left out, and channels that fail on their own.
/// </summary>
public sealed class NotificationPipelineTests
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ABurstWithinTheWindow_IsOneNotificationPerOfflineRecipient_AndALaterMessageAnother()
    {
        await using var chat = await StartAsync();
        var group = await chat.CreateGroupAsync(ChatHarness.Alice, ChatHarness.Bob, ChatHarness.Carol);
        var channel = RecordingNotificationChannel.Of<RecordingNotificationChannel>(chat.Services);

        var burst = new List<ChatMessage>();
        for (var i = 0; i < 3; i++)
        {
            burst.Add(await chat.SendAsync(ChatHarness.Alice, group.Conversation.Id, $"burst {i}"));
            chat.Time.Advance(TimeSpan.FromSeconds(1));
        }

        var first = await channel.WaitForCountAsync(2, Pump(chat));
        Assert.Equal(["bob", "carol"], first.Select(n => n.UserId).Order());
        Assert.All(first, n =>
        {
            Assert.Equal(3, n.MessageCount);
            Assert.Equal(burst.Select(m => m.Id), n.Messages.Select(m => m.Message.Id));
            Assert.All(n.Messages, m => Assert.Equal((ConversationType.Group, "Team"), (m.ConversationType, m.ConversationName)));
            Assert.Equal(NotificationPlanner.IdFor(n.UserId, burst[0].Id), n.Id);
        });

        var later = await chat.SendAsync(ChatHarness.Alice, group.Conversation.Id, "later");
        var all = await channel.WaitForCountAsync(4, Pump(chat));

        Assert.Equal(4, all.Count); // the sender never, and nobody twice
        Assert.All(all.Skip(2), n => Assert.Equal([later.Id], n.Messages.Select(m => m.Message.Id)));
        Assert.Equal(4, all.Select(n => n.Id).Distinct().Count());
        Assert.DoesNotContain(all, n => n.UserId == "alice");
    }

    [Fact]
    public async Task AWindowAcrossConversations_IsOneNotification_CarryingTheLatestMessages()
    {
        await using var chat = await StartAsync(n => n.MaxMessagesPerNotification = 2);
        var group = await chat.CreateGroupAsync(ChatHarness.Alice, ChatHarness.Bob);
        var direct = await chat.CreateDirectAsync(ChatHarness.Carol, ChatHarness.Bob);
        var channel = RecordingNotificationChannel.Of<RecordingNotificationChannel>(chat.Services);

        await chat.SendAsync(ChatHarness.Alice, group.Conversation.Id, "one");
        var two = await chat.SendAsync(ChatHarness.Carol, direct.Conversation.Id, "two");
        var three = await chat.SendAsync(ChatHarness.Alice, group.Conversation.Id, "three");

        var sent = await channel.WaitForCountAsync(1, Pump(chat));
        var bob = Assert.Single(sent);
        Assert.Equal(("bob", 3), (bob.UserId, bob.MessageCount));
        Assert.Equal([two.Id, three.Id], bob.Messages.Select(m => m.Message.Id));
        Assert.Equal((ConversationType.Direct, null), (bob.Messages[0].ConversationType, bob.Messages[0].ConversationName));
    }

    [Fact]
    public async Task OnlineRecipients_ReadMessages_SystemMessages_AndMessagesDeletedInTheWindow_AreNotNotified()
    {
        await using var chat = await StartAsync();
        var group = await chat.CreateGroupAsync(ChatHarness.Alice, ChatHarness.Bob, ChatHarness.Carol, ChatHarness.Dave);
        var channel = RecordingNotificationChannel.Of<RecordingNotificationChannel>(chat.Services);
        await chat.Services.GetRequiredService<IPresenceTracker>().AddConnectionAsync("carol", "carol-1", Ct);

        await chat.Chat.UpdateConversationAsync(ChatHarness.Alice, group.Conversation.Id, new UpdateConversationRequest { Name = "Renamed" }, Ct); // a system message
        var deleted = await chat.SendAsync(ChatHarness.Alice, group.Conversation.Id, "oops");
        await chat.Chat.DeleteMessageAsync(ChatHarness.Alice, deleted.Id, Ct);
        var kept = await chat.SendAsync(ChatHarness.Alice, group.Conversation.Id, "kept");
        await chat.Chat.MarkConversationAsReadAsync(ChatHarness.Dave, group.Conversation.Id, Ct); // dave read it in time

        var sent = await channel.WaitForCountAsync(1, Pump(chat));
        var bob = Assert.Single(sent);
        Assert.Equal("bob", bob.UserId);
        Assert.Equal([kept.Id], bob.Messages.Select(m => m.Message.Id));
        Assert.Equal(1, bob.MessageCount);

        // A barrier: the next window is notified to bob only, so nothing else came from the first one.
        var next = await chat.SendAsync(ChatHarness.Alice, group.Conversation.Id, "next");
        var after = await channel.WaitForCountAsync(3, Pump(chat));
        Assert.Equal(["bob", "dave"], after.Skip(1).Select(n => n.UserId).Order());
        Assert.All(after.Skip(1), n => Assert.Equal([next.Id], n.Messages.Select(m => m.Message.Id)));
    }

    [Fact]
    public async Task AMutedConversation_IsNotNotified_UntilUnmutedOrTheMuteEnds()
    {
        await using var chat = await StartAsync();
        var group = await chat.CreateGroupAsync(ChatHarness.Alice, ChatHarness.Bob, ChatHarness.Carol);
        var channel = RecordingNotificationChannel.Of<RecordingNotificationChannel>(chat.Services);
        var muted = await chat.Chat.MuteConversationAsync(ChatHarness.Bob, group.Conversation.Id, null, Ct);
        await chat.Chat.MuteConversationAsync(ChatHarness.Carol, group.Conversation.Id, chat.Now.AddSeconds(20), Ct);
        Assert.Equal(Participant.MutedForever, muted.MutedUntil);

        await chat.SendAsync(ChatHarness.Alice, group.Conversation.Id, "while muted");
        await chat.Chat.UnmuteConversationAsync(ChatHarness.Bob, group.Conversation.Id, Ct); // after the message, before the window closed
        var first = await channel.WaitForCountAsync(1, Pump(chat));
        Assert.Equal("bob", Assert.Single(first).UserId); // the window is judged when it closes; carol is still muted

        chat.Time.Advance(TimeSpan.FromSeconds(20)); // carol's mute ends
        var after = await chat.SendAsync(ChatHarness.Alice, group.Conversation.Id, "after");
        var all = await channel.WaitForCountAsync(3, Pump(chat));
        Assert.Equal(["bob", "carol"], all.Skip(1).Select(n => n.UserId).Order());
        Assert.All(all.Skip(1), n => Assert.Equal(after.Id, Assert.Single(n.Messages).Message.Id));
        Assert.Null((await chat.Chat.GetConversationAsync(ChatHarness.Carol, group.Conversation.Id, Ct)).MutedUntil);
    }

    [Fact]
    public async Task AChannelThatThrows_IsRetried_WhileTheOtherSendsOnceWithoutWaiting()
    {
        await using var chat = await StartAsync(
            channels: b => b.AddNotificationChannel<RecordingNotificationChannel>().AddNotificationChannel<OtherRecordingNotificationChannel>());
        var failing = RecordingNotificationChannel.Of<RecordingNotificationChannel>(chat.Services);
        failing.FailFirst = 2;
        var other = RecordingNotificationChannel.Of<OtherRecordingNotificationChannel>(chat.Services);
        var direct = await chat.CreateDirectAsync(ChatHarness.Alice, ChatHarness.Bob);

        var message = await chat.SendAsync(ChatHarness.Alice, direct.Conversation.Id, "retry me");
        var fine = Assert.Single(await other.WaitForCountAsync(1, Pump(chat)));
        var retried = Assert.Single(await failing.WaitForCountAsync(1, Pump(chat)));

        Assert.Equal(3, failing.Attempts);
        Assert.Equal(fine, retried with { Messages = fine.Messages }); // the same notification, id included, after its round trip through the retry entry
        Assert.Equal(message.Id, Assert.Single(retried.Messages).Message.Id);
        Assert.Equal("retry me", retried.Messages[0].Message.Content);

        var second = await chat.SendAsync(ChatHarness.Alice, direct.Conversation.Id, "barrier");
        Assert.Equal(second.Id, (await other.WaitForCountAsync(2, Pump(chat)))[1].Messages[0].Message.Id);
        Assert.Equal(second.Id, (await failing.WaitForCountAsync(2, Pump(chat)))[1].Messages[0].Message.Id);
        Assert.Equal(2, other.Sent.Count);
        Assert.Equal(2, other.Attempts);
    }

    [Fact]
    public async Task AZeroWindow_NotifiesEachMessageOnItsOwn()
    {
        await using var chat = await StartAsync(n => n.BatchWindow = TimeSpan.Zero);
        var direct = await chat.CreateDirectAsync(ChatHarness.Alice, ChatHarness.Bob);
        var channel = RecordingNotificationChannel.Of<RecordingNotificationChannel>(chat.Services);

        var one = await chat.SendAsync(ChatHarness.Alice, direct.Conversation.Id, "one");
        var two = await chat.SendAsync(ChatHarness.Alice, direct.Conversation.Id, "two");

        var sent = await channel.WaitForCountAsync(2, Pump(chat));
        Assert.Equal([[one.Id], [two.Id]], sent.Select(n => n.Messages.Select(m => m.Message.Id).ToArray()));
        Assert.All(sent, n => Assert.Equal(1, n.MessageCount));
    }

    [Fact]
    public void OutOfRangeOptions_StopTheHostWithTheirNames()
    {
        var error = Assert.Throws<OptionsValidationException>(() => new ChatHarness(chatKit: b => b
            .AddNotificationChannel<RecordingNotificationChannel>()
            .ConfigureNotifications(n => (n.BatchWindow, n.MaxMessagesPerNotification) = (TimeSpan.FromHours(1), 0))));

        Assert.Contains("ChatKit:Notifications:BatchWindow must be between 00:00:00 and 00:10:00; it is 01:00:00.", error.Message, StringComparison.Ordinal);
        Assert.Contains("ChatKit:Notifications:MaxMessagesPerNotification must be between 1 and 100; it is 0.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NotificationIds_AreStable_PerUserAndFirstEvent_AndFitACollapseKey()
    {
        var id = NotificationPlanner.IdFor("bob", "m_1");

        Assert.Equal(id, NotificationPlanner.IdFor("bob", "m_1"));
        Assert.NotEqual(id, NotificationPlanner.IdFor("carol", "m_1"));
        Assert.NotEqual(id, NotificationPlanner.IdFor("bob", "m_2"));
        Assert.NotEqual(NotificationPlanner.IdFor("b", "ob|m_1"), NotificationPlanner.IdFor("bo", "b|m_1"));
        Assert.Matches("^[A-Za-z0-9_-]{32}$", id);
    }

    /// <summary>Advances the fake clock by one poll interval: the dispatcher's loop waits on it.</summary>
    private static Action Pump(ChatHarness chat) => () => chat.Time.Advance(Poll);

    private static async Task<ChatHarness> StartAsync(Action<ChatKitNotificationOptions>? configure = null, Action<ChatKitBuilder>? channels = null)
    {
        var chat = new ChatHarness(chatKit: b =>
        {
            (channels ?? (c => c.AddNotificationChannel<RecordingNotificationChannel>()))(b);
            b.ConfigureNotifications(n => configure?.Invoke(n))
                .ConfigureOutbox(o => (o.PollInterval, o.RetryBaseDelay, o.RetryMaxDelay) = (Poll, Poll, Poll * 4));
        });
        await chat.StartBackgroundAsync();
        return chat;
    }
}
