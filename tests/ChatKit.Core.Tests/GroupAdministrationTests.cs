using System.Text.Json;
using ChatKit.Core.Tests.Support;
using ChatKit.Events;
using static ChatKit.Core.Tests.Support.ChatHarness;

namespace ChatKit.Core.Tests;

/// <summary>v2 rules: delivery positions, renames, metadata, roles and the system messages that record them.</summary>
public sealed class GroupAdministrationTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    [Fact]
    public async Task MarkAsDelivered_MovesForward_PublishesOnlyWhenMoved_AndReadingImpliesDelivery()
    {
        await using var chat = new ChatHarness();
        var id = (await chat.CreateGroupAsync(Alice, Bob, Carol)).Conversation.Id;
        for (var i = 0; i < 4; i++)
        {
            await chat.SendAsync(Alice, id);
        }

        await chat.Chat.MarkAsDeliveredAsync(Bob, id, 2, Ct);
        await chat.Chat.MarkAsDeliveredAsync(Bob, id, 2, Ct);
        await chat.Chat.MarkAsDeliveredAsync(Bob, id, 1, Ct);
        await chat.Chat.MarkAsDeliveredAsync(Bob, id, 99, Ct); // beyond the newest: up to the newest
        var read = (await chat.Chat.GetMessagesAsync(Carol, id, cancellationToken: Ct)).Items[2];
        await chat.Chat.MarkAsReadAsync(Carol, id, read.Id, Ct);
        await chat.Chat.MarkAsDeliveredAsync(Carol, id, 3, Ct); // read already: nothing moves
        await chat.Chat.MarkAsDeliveredAsync(Carol, id, 0, Ct);

        Assert.Equal([("bob", 2L), ("bob", 4L)], chat.Events.Of<MessageDeliveredEvent>().Select(e => (e.UserId, e.Seq)));
        Assert.All(chat.Events.Of<MessageDeliveredEvent>(), e => Assert.Equal([Alice.Id, Bob.Id, Carol.Id], e.ParticipantIds));
        var view = await chat.Chat.GetConversationAsync(Alice, id, Ct);
        var positions = view.Positions.ToDictionary(p => p.UserId);
        Assert.Equal((4L, 4L), (positions["alice"].LastReadSeq, positions["alice"].LastDeliveredSeq));
        Assert.Equal((0L, 4L), (positions["bob"].LastReadSeq, positions["bob"].LastDeliveredSeq));
        Assert.Equal((3L, 3L), (positions["carol"].LastReadSeq, positions["carol"].LastDeliveredSeq));
        var listed = Assert.Single((await chat.Chat.ListConversationsAsync(Bob, cancellationToken: Ct)).Items);
        Assert.Equal(view.Positions.OrderBy(p => p.UserId), listed.Positions.OrderBy(p => p.UserId));

        var negative = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.MarkAsDeliveredAsync(Bob, id, -1, Ct));
        Assert.Equal("validation_failed", negative.Code);
        var outsider = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.MarkAsDeliveredAsync(Eve, id, 1, Ct));
        Assert.Equal("not_found", outsider.Code);
    }

    [Fact]
    public async Task MarkAsDelivered_AboveTheReceiptsLimit_StoresButPublishesNothing()
    {
        await using var chat = new ChatHarness(o => o.DeliveryReceiptsMaxParticipants = 2);
        var group = (await chat.CreateGroupAsync(Alice, Bob, Carol)).Conversation.Id;
        var direct = (await chat.CreateDirectAsync(Alice, Bob)).Conversation.Id;
        await chat.SendAsync(Alice, group);
        await chat.SendAsync(Alice, direct);

        await chat.Chat.MarkAsDeliveredAsync(Bob, group, 1, Ct);
        await chat.Chat.MarkAsDeliveredAsync(Bob, direct, 1, Ct);

        Assert.Equal([direct], chat.Events.Of<MessageDeliveredEvent>().Select(e => e.ConversationId));
        Assert.Equal(1, Assert.Single((await chat.Chat.GetConversationAsync(Alice, group, Ct)).Positions, p => p.UserId == "bob").LastDeliveredSeq);
    }

    [Fact]
    public async Task Metadata_OnCreateAndSend_IsCompactedAndValidated()
    {
        await using var chat = new ChatHarness(o => o.MaxMetadataBytes = 20);
        var created = await chat.Chat.CreateConversationAsync(
            Alice,
            new CreateConversationRequest { Type = ConversationType.Group, Name = "Team", ParticipantIds = [Bob.Id], Metadata = Json("{ \"a\" : 1 }") },
            Ct);
        Assert.Equal("{\"a\":1}", created.Conversation.Conversation.Metadata);
        var id = created.Conversation.Conversation.Id;
        var sent = await chat.Chat.SendMessageAsync(Alice, new SendMessageRequest { ConversationId = id, Content = "hi", Metadata = Json("{\"k\": \"v\"}") }, Ct);
        Assert.Equal("{\"k\":\"v\"}", sent.Message.Metadata);
        var none = await chat.Chat.SendMessageAsync(Alice, new SendMessageRequest { ConversationId = id, Content = "hi", Metadata = Json("null") }, Ct);
        Assert.Null(none.Message.Metadata);

        foreach (var bad in new[] { "[1]", "\"text\"", "3", "{\"long\":\"abcdefghijklmnop\"}" })
        {
            var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.SendMessageAsync(Alice, new SendMessageRequest { ConversationId = id, Content = "x", Metadata = Json(bad) }, Ct));
            Assert.Equal("validation_failed", error.Code);
            Assert.Contains("metadata", error.Errors.Keys);
        }

        Assert.Equal(2, (await chat.Chat.GetMessagesAsync(Alice, id, cancellationToken: Ct)).Items.Count);
    }

    [Fact]
    public async Task UpdateConversation_RenamesWithASystemMessage_ChangesMetadata_AndRefusesMembersAndDirects()
    {
        await using var chat = new ChatHarness();
        var id = (await chat.CreateGroupAsync(Alice, Bob, Carol)).Conversation.Id;
        await chat.Chat.ChangeRoleAsync(Alice, id, Bob.Id, ParticipantRole.Admin, Ct);
        chat.Events.Clear();

        var renamed = await chat.Chat.UpdateConversationAsync(Bob, id, new UpdateConversationRequest { Name = "  Launch  " }, Ct);
        Assert.Equal("Launch", renamed.Conversation.Name);
        var notice = Assert.Single(chat.Events.Of<MessageCreatedEvent>()).Message;
        Assert.Equal(MessageType.System, notice.Type);
        Assert.Equal("Bob renamed the group to \"Launch\"", notice.Content);
        Assert.Equal(new SystemMessageInfo(SystemEventKind.ConversationRenamed, Bob.Id, [], "Launch"), notice.System);
        Assert.Equal(notice.Id, renamed.LastMessage!.Id);
        Assert.Equal("Launch", Assert.Single(chat.Events.Of<ConversationUpdatedEvent>()).Conversation.Conversation.Name);

        // Metadata alone: an update, no system message; the same value again: nothing at all.
        chat.Events.Clear();
        var changed = await chat.Chat.UpdateConversationAsync(Alice, id, new UpdateConversationRequest { Metadata = Json("{\"color\":\"red\"}") }, Ct);
        Assert.Equal("{\"color\":\"red\"}", changed.Conversation.Metadata);
        Assert.Equal("Launch", changed.Conversation.Name);
        await chat.Chat.UpdateConversationAsync(Alice, id, new UpdateConversationRequest { Name = "Launch", Metadata = Json("{\"color\": \"red\"}") }, Ct);
        Assert.Single(chat.Events.Of<ConversationUpdatedEvent>());
        Assert.Empty(chat.Events.Of<MessageCreatedEvent>());
        var cleared = await chat.Chat.UpdateConversationAsync(Alice, id, new UpdateConversationRequest { Metadata = Json("null") }, Ct);
        Assert.Null(cleared.Conversation.Metadata);

        Assert.Equal("forbidden", (await Assert.ThrowsAsync<ChatException>(() => chat.Chat.UpdateConversationAsync(Carol, id, new UpdateConversationRequest { Name = "Mine" }, Ct))).Code);
        Assert.Equal("not_found", (await Assert.ThrowsAsync<ChatException>(() => chat.Chat.UpdateConversationAsync(Eve, id, new UpdateConversationRequest { Name = "Mine" }, Ct))).Code);
        Assert.Equal("validation_failed", (await Assert.ThrowsAsync<ChatException>(() => chat.Chat.UpdateConversationAsync(Alice, id, new UpdateConversationRequest { Name = "   " }, Ct))).Code);
        Assert.Equal("validation_failed", (await Assert.ThrowsAsync<ChatException>(() => chat.Chat.UpdateConversationAsync(Alice, id, new UpdateConversationRequest { Metadata = Json("[]") }, Ct))).Code);
        var direct = (await chat.CreateDirectAsync(Alice, Bob)).Conversation.Id;
        Assert.Equal("conflict", (await Assert.ThrowsAsync<ChatException>(() => chat.Chat.UpdateConversationAsync(Alice, direct, new UpdateConversationRequest { Name = "Us" }, Ct))).Code);
    }

    [Fact]
    public async Task ChangeRole_OwnerOnly_TransferMakesTheOldOwnerAdmin_WithSystemMessages()
    {
        await using var chat = new ChatHarness();
        var id = (await chat.CreateGroupAsync(Alice, Bob, Carol)).Conversation.Id;

        var promoted = await chat.Chat.ChangeRoleAsync(Alice, id, Bob.Id, ParticipantRole.Admin, Ct);
        Assert.Equal(ParticipantRole.Admin, promoted.Conversation.FindParticipant(Bob.Id)!.Role);
        Assert.Equal("forbidden", (await Assert.ThrowsAsync<ChatException>(() => chat.Chat.ChangeRoleAsync(Bob, id, Carol.Id, ParticipantRole.Admin, Ct))).Code);
        Assert.Equal("forbidden", (await Assert.ThrowsAsync<ChatException>(() => chat.Chat.ChangeRoleAsync(Carol, id, Bob.Id, ParticipantRole.Member, Ct))).Code);
        Assert.Equal("not_found", (await Assert.ThrowsAsync<ChatException>(() => chat.Chat.ChangeRoleAsync(Alice, id, Eve.Id, ParticipantRole.Admin, Ct))).Code);
        Assert.Equal("not_found", (await Assert.ThrowsAsync<ChatException>(() => chat.Chat.ChangeRoleAsync(Eve, id, Bob.Id, ParticipantRole.Admin, Ct))).Code);
        Assert.Equal("conflict", (await Assert.ThrowsAsync<ChatException>(() => chat.Chat.ChangeRoleAsync(Alice, id, Alice.Id, ParticipantRole.Member, Ct))).Code);

        var transferred = await chat.Chat.ChangeRoleAsync(Alice, id, Carol.Id, ParticipantRole.Owner, Ct);
        Assert.Equal(
            [(Alice.Id, ParticipantRole.Admin), (Bob.Id, ParticipantRole.Admin), (Carol.Id, ParticipantRole.Owner)],
            transferred.Conversation.Participants.Select(p => (p.UserId, p.Role)));
        Assert.Equal("forbidden", (await Assert.ThrowsAsync<ChatException>(() => chat.Chat.ChangeRoleAsync(Alice, id, Bob.Id, ParticipantRole.Member, Ct))).Code);

        var notices = chat.Events.Of<MessageCreatedEvent>().Select(e => e.Message).ToList();
        Assert.Equal(["Alice made bob an admin", "Alice made carol the owner"], notices.Select(m => m.Content));
        Assert.Equal(new SystemMessageInfo(SystemEventKind.RoleChanged, Alice.Id, [Carol.Id], null, ParticipantRole.Owner), notices[1].System);
        Assert.Equal(2, chat.Events.Of<ConversationUpdatedEvent>().Count);

        // The same role again changes nothing and says nothing.
        await chat.Chat.ChangeRoleAsync(Carol, id, Bob.Id, ParticipantRole.Admin, Ct);
        Assert.Equal(2, chat.Events.Of<MessageCreatedEvent>().Count);
    }

    [Fact]
    public async Task MembershipChanges_AreSystemMessagesInHistory_NeverUnread_AndALateJoinerSeesThem()
    {
        await using var chat = new ChatHarness();
        var id = (await chat.CreateGroupAsync(Alice, Bob, Carol)).Conversation.Id;
        await chat.SendAsync(Bob, id, "hello");
        await chat.Chat.AddParticipantsAsync(Alice, id, [Dave.Id, Eve.Id], Ct);
        await chat.Chat.RemoveParticipantAsync(Alice, id, Eve.Id, Ct);
        await chat.Chat.LeaveConversationAsync(Carol, id, Ct);
        await chat.Chat.LeaveConversationAsync(Alice, id, Ct);

        var history = (await chat.Chat.GetMessagesAsync(Dave, id, cancellationToken: Ct)).Items;
        Assert.Equal([1L, 2, 3, 4, 5], history.Select(m => m.Seq));
        Assert.Equal(["hello", "Alice added dave and eve", "Alice removed eve", "Carol left", "Alice left"], history.Select(m => m.Content));
        Assert.Equal(
            [SystemEventKind.ParticipantsAdded, SystemEventKind.ParticipantRemoved, SystemEventKind.ParticipantLeft, SystemEventKind.ParticipantLeft],
            history.Skip(1).Select(m => m.System!.Event));
        Assert.Equal([Dave.Id, Eve.Id], history[1].System!.UserIds);
        Assert.All(history.Skip(1), m => Assert.Equal(MessageType.System, m.Type));

        // Dave joined after "hello": only it is unread for him; Bob has read his own message, and system ones never count.
        var forDave = await chat.Chat.GetConversationAsync(Dave, id, Ct);
        Assert.Equal(1, forDave.UnreadCount);
        Assert.Equal(5, forDave.LastMessage!.Seq);
        Assert.Equal(0, (await chat.Chat.GetConversationAsync(Bob, id, Ct)).UnreadCount);

        // Alice was the owner: ownership passed to the first member (Bob), and everyone left heard the role change.
        Assert.Equal(ParticipantRole.Owner, forDave.Conversation.FindParticipant(Bob.Id)!.Role);
        var updated = Assert.Single(chat.Events.Of<ConversationUpdatedEvent>());
        Assert.Equal([Bob.Id, Dave.Id], updated.ParticipantIds);

        // The notices went to the participants of the time, never to whoever had gone.
        var leftNotice = chat.Events.Of<MessageCreatedEvent>().Single(e => e.Message.Content == "Carol left");
        Assert.DoesNotContain(Carol.Id, leftNotice.ParticipantIds);
        var addedNotice = chat.Events.Of<MessageCreatedEvent>().Single(e => e.Message.System?.Event == SystemEventKind.ParticipantsAdded);
        Assert.Contains(Eve.Id, addedNotice.ParticipantIds);
    }
}
