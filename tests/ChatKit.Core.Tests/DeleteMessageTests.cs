using ChatKit.Core.Tests.Support;
using ChatKit.Events;
using static ChatKit.Core.Tests.Support.ChatHarness;

namespace ChatKit.Core.Tests;

public sealed class DeleteMessageTests
{
    [Fact]
    public async Task DeleteMessage_BySender_LeavesTombstoneAndPublishes()
    {
        await using var chat = new ChatHarness();
        var direct = await chat.CreateDirectAsync(Alice, Bob);
        var id = direct.Conversation.Id;
        var message = await chat.SendAsync(Alice, id, "oops", tempId: "t1");
        await chat.SendAsync(Bob, id);
        chat.Time.Advance(TimeSpan.FromMinutes(1));

        await chat.Chat.DeleteMessageAsync(Alice, message.Id, Ct);

        var tombstone = (await chat.Chat.GetMessagesAsync(Bob, id, cancellationToken: Ct)).Items[0];
        Assert.Equal(message with { Content = string.Empty, DeletedAt = chat.Now }, tombstone);
        Assert.Equal(1, tombstone.Seq);
        var deleted = Assert.Single(chat.Events.Of<MessageDeletedEvent>());
        Assert.Equal(message.Id, deleted.MessageId);
        Assert.Equal(id, deleted.ConversationId);
        Assert.Equal([Alice.Id, Bob.Id], deleted.ParticipantIds);
    }

    [Fact]
    public async Task DeleteMessage_OtherMemberOfDirect_IsForbidden()
    {
        await using var chat = new ChatHarness();
        var direct = await chat.CreateDirectAsync(Alice, Bob);
        var message = await chat.SendAsync(Alice, direct.Conversation.Id, "mine");

        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.DeleteMessageAsync(Bob, message.Id, Ct));

        Assert.Equal("forbidden", error.Code);
        Assert.Equal("mine", (await chat.Store.FindMessageAsync(message.Id, Ct))!.Content);
        Assert.Empty(chat.Events.Of<MessageDeletedEvent>());
    }

    [Fact]
    public async Task DeleteMessage_MemberOfGroupDeletingAnothersMessage_IsForbidden()
    {
        await using var chat = new ChatHarness();
        var group = await chat.CreateGroupAsync(Alice, Bob, Carol);
        var message = await chat.SendAsync(Bob, group.Conversation.Id);

        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.DeleteMessageAsync(Carol, message.Id, Ct));

        Assert.Equal("forbidden", error.Code);
        Assert.Null((await chat.Store.FindMessageAsync(message.Id, Ct))!.DeletedAt);
    }

    [Fact]
    public async Task DeleteMessage_GroupOwnerOrAdmin_MayDeleteOthersMessages()
    {
        await using var chat = new ChatHarness();
        var group = await chat.CreateGroupAsync(Alice, Bob, Carol);
        await chat.AddAdminAsync(group.Conversation.Id, Dave);
        var first = await chat.SendAsync(Bob, group.Conversation.Id);
        var second = await chat.SendAsync(Carol, group.Conversation.Id);
        var owners = await chat.SendAsync(Alice, group.Conversation.Id);

        await chat.Chat.DeleteMessageAsync(Alice, first.Id, Ct);
        await chat.Chat.DeleteMessageAsync(Dave, second.Id, Ct);
        await chat.Chat.DeleteMessageAsync(Dave, owners.Id, Ct);

        Assert.True((await chat.Store.FindMessageAsync(first.Id, Ct))!.IsDeleted);
        Assert.True((await chat.Store.FindMessageAsync(second.Id, Ct))!.IsDeleted);
        Assert.True((await chat.Store.FindMessageAsync(owners.Id, Ct))!.IsDeleted);
        Assert.Equal([first.Id, second.Id, owners.Id], chat.Events.Of<MessageDeletedEvent>().Select(e => e.MessageId));
    }

    [Fact]
    public async Task DeleteMessage_Twice_KeepsTheFirstDeletionAndPublishesNothingMore()
    {
        await using var chat = new ChatHarness();
        var direct = await chat.CreateDirectAsync(Alice, Bob);
        var message = await chat.SendAsync(Alice, direct.Conversation.Id);
        await chat.Chat.DeleteMessageAsync(Alice, message.Id, Ct);
        var deletedAt = chat.Now;
        chat.Time.Advance(TimeSpan.FromMinutes(5));

        await chat.Chat.DeleteMessageAsync(Alice, message.Id, Ct);

        Assert.Single(chat.Events.Of<MessageDeletedEvent>());
        Assert.Equal(deletedAt, (await chat.Store.FindMessageAsync(message.Id, Ct))!.DeletedAt);
    }

    [Fact]
    public async Task DeleteMessage_NotAParticipantOrUnknown_IsNotFound()
    {
        await using var chat = new ChatHarness();
        var direct = await chat.CreateDirectAsync(Alice, Bob);
        var message = await chat.SendAsync(Alice, direct.Conversation.Id);

        var stranger = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.DeleteMessageAsync(Carol, message.Id, Ct));
        var unknown = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.DeleteMessageAsync(Alice, "m_unknown", Ct));

        Assert.Equal("not_found", stranger.Code);
        Assert.Equal("not_found", unknown.Code);
        Assert.False((await chat.Store.FindMessageAsync(message.Id, Ct))!.IsDeleted);
    }

    [Fact]
    public async Task DeleteMessage_AfterTheSenderLeft_IsNotFoundForThem()
    {
        await using var chat = new ChatHarness();
        var group = await chat.CreateGroupAsync(Alice, Bob);
        var message = await chat.SendAsync(Bob, group.Conversation.Id);
        await chat.Chat.LeaveConversationAsync(Bob, group.Conversation.Id, Ct);

        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.DeleteMessageAsync(Bob, message.Id, Ct));

        Assert.Equal("not_found", error.Code);
    }
}
