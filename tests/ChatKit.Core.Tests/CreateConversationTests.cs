using ChatKit.Core.Tests.Support;
using ChatKit.Events;
using static ChatKit.Core.Tests.Support.ChatHarness;

namespace ChatKit.Core.Tests;

public sealed class CreateConversationTests
{
    private static CreateConversationRequest Direct(params string[] ids) => new() { Type = ConversationType.Direct, ParticipantIds = ids };

    private static CreateConversationRequest Group(string? name, params string[] ids) => new() { Type = ConversationType.Group, Name = name, ParticipantIds = ids };

    [Fact]
    public async Task CreateDirect_WithOneOtherUser_IncludesTheCreatorAndPublishesToBoth()
    {
        await using var chat = new ChatHarness();

        var result = await chat.Chat.CreateConversationAsync(Alice, Direct(Bob.Id) with { Name = "ignored" }, Ct);

        Assert.True(result.Created);
        var conversation = result.Conversation.Conversation;
        Assert.StartsWith("c_", conversation.Id, StringComparison.Ordinal);
        Assert.Equal(ConversationType.Direct, conversation.Type);
        Assert.Null(conversation.Name);
        Assert.Equal(Alice.Id, conversation.CreatedBy);
        Assert.Equal(chat.Now, conversation.CreatedAt);
        Assert.Equal(chat.Now, conversation.LastActivityAt);
        Assert.Equal(0, conversation.LastSeq);
        Assert.Equal(
            [new Participant(Alice.Id, ParticipantRole.Member, chat.Now), new Participant(Bob.Id, ParticipantRole.Member, chat.Now)],
            conversation.Participants);
        Assert.Null(result.Conversation.LastMessage);
        Assert.Equal(0, result.Conversation.UnreadCount);
        var created = Assert.Single(chat.Events.Of<ConversationCreatedEvent>());
        Assert.Equal(conversation.Id, created.Conversation.Conversation.Id);
        Assert.Equal([Alice.Id, Bob.Id], created.Conversation.Conversation.Participants.Select(p => p.UserId));
        Assert.Equal(conversation.Id, (await chat.Chat.GetConversationAsync(Bob, conversation.Id, Ct)).Conversation.Id);
    }

    [Fact]
    public async Task CreateDirect_ExistingPair_ReturnsSameConversationWithoutPublishing()
    {
        await using var chat = new ChatHarness();
        var first = await chat.Chat.CreateConversationAsync(Alice, Direct(Bob.Id), Ct);
        await chat.SendAsync(Alice, first.Conversation.Conversation.Id);
        await chat.SendAsync(Alice, first.Conversation.Conversation.Id);
        chat.Time.Advance(TimeSpan.FromMinutes(1));
        chat.Events.Clear();

        var again = await chat.Chat.CreateConversationAsync(Bob, Direct(Alice.Id), Ct);
        var sameSide = await chat.Chat.CreateConversationAsync(Alice, Direct(Bob.Id), Ct);

        Assert.False(again.Created);
        Assert.False(sameSide.Created);
        Assert.Equal(first.Conversation.Conversation.Id, again.Conversation.Conversation.Id);
        Assert.Equal(first.Conversation.Conversation.Id, sameSide.Conversation.Conversation.Id);
        Assert.Empty(chat.Events.Events);

        // The existing conversation as the caller sees it: Bob has two unread messages, Alice none.
        Assert.Equal(2, again.Conversation.UnreadCount);
        Assert.Equal(2, again.Conversation.LastMessage!.Seq);
        Assert.Equal(0, sameSide.Conversation.UnreadCount);
        Assert.Single((await chat.Chat.ListConversationsAsync(Alice, cancellationToken: Ct)).Items);
    }

    [Fact]
    public async Task CreateDirect_ListingTheCreatorAndDuplicates_StillTakesTheOneOtherUser()
    {
        await using var chat = new ChatHarness();

        var result = await chat.Chat.CreateConversationAsync(Alice, Direct(Alice.Id, Bob.Id, Bob.Id), Ct);

        Assert.Equal([Alice.Id, Bob.Id], result.Conversation.Conversation.Participants.Select(p => p.UserId));
    }

    [Theory]
    [InlineData("")]
    [InlineData("alice")]
    [InlineData("bob,carol")]
    public async Task CreateDirect_WithoutExactlyOneOtherUser_IsValidationFailed(string ids)
    {
        var participantIds = ids.Split(',', StringSplitOptions.RemoveEmptyEntries);
        await using var chat = new ChatHarness();

        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.CreateConversationAsync(Alice, Direct(participantIds), Ct));

        Assert.Equal("validation_failed", error.Code);
        Assert.Contains("participantIds", error.Errors.Keys);
        Assert.Empty(chat.Events.Events);
        Assert.Empty(await chat.Store.ListConversationsAsync(Alice.Id, null, 10, Ct));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task CreateConversation_WithBlankUserId_IsValidationFailed(string id)
    {
        await using var chat = new ChatHarness();

        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.CreateConversationAsync(Alice, Group("Team", Bob.Id, id), Ct));

        Assert.Equal("validation_failed", error.Code);
        Assert.Contains("participantIds", error.Errors.Keys);
    }

    [Fact]
    public async Task CreateConversation_WithTooLongUserId_IsValidationFailed()
    {
        await using var chat = new ChatHarness(o => o.MaxIdLength = 8);

        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.CreateConversationAsync(Alice, Direct("123456789"), Ct));
        var accepted = await chat.Chat.CreateConversationAsync(Alice, Direct("12345678"), Ct);

        Assert.Equal("validation_failed", error.Code);
        Assert.True(accepted.Created);
    }

    [Fact]
    public async Task CreateConversation_WithUnknownType_IsValidationFailed()
    {
        await using var chat = new ChatHarness();

        var error = await Assert.ThrowsAsync<ChatException>(
            () => chat.Chat.CreateConversationAsync(Alice, new CreateConversationRequest { Type = (ConversationType)7, ParticipantIds = [Bob.Id] }, Ct));

        Assert.Equal("validation_failed", error.Code);
        Assert.Contains("type", error.Errors.Keys);
    }

    [Fact]
    public async Task CreateGroup_MakesTheCreatorOwnerTrimsTheNameAndPublishes()
    {
        await using var chat = new ChatHarness();

        var result = await chat.Chat.CreateConversationAsync(Alice, Group("  Launch team \t", Bob.Id, Carol.Id, Bob.Id), Ct);

        Assert.True(result.Created);
        var group = result.Conversation.Conversation;
        Assert.Equal(ConversationType.Group, group.Type);
        Assert.Equal("Launch team", group.Name);
        Assert.Null(group.DirectKey);
        Assert.Equal(
            [
                new Participant(Alice.Id, ParticipantRole.Owner, chat.Now),
                new Participant(Bob.Id, ParticipantRole.Member, chat.Now),
                new Participant(Carol.Id, ParticipantRole.Member, chat.Now),
            ],
            group.Participants);
        var created = Assert.Single(chat.Events.Of<ConversationCreatedEvent>());
        Assert.Equal(group.Id, created.Conversation.Conversation.Id);
        Assert.Equal("Launch team", (await chat.Store.FindConversationAsync(group.Id, Ct))!.Name);
    }

    [Fact]
    public async Task CreateGroup_TwiceWithTheSameMembers_CreatesTwoGroups()
    {
        await using var chat = new ChatHarness();

        var first = await chat.CreateGroupAsync(Alice, Bob);
        var second = await chat.CreateGroupAsync(Alice, Bob);

        Assert.NotEqual(first.Conversation.Id, second.Conversation.Id);
        Assert.Equal(2, chat.Events.Of<ConversationCreatedEvent>().Count);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" \t ")]
    public async Task CreateGroup_WithoutName_IsValidationFailed(string? name)
    {
        await using var chat = new ChatHarness();

        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.CreateConversationAsync(Alice, Group(name, Bob.Id), Ct));

        Assert.Equal("validation_failed", error.Code);
        Assert.Contains("name", error.Errors.Keys);
        Assert.Empty(chat.Events.Events);
    }

    [Fact]
    public async Task CreateGroup_NameLength_IsLimitedAfterTrimming()
    {
        await using var chat = new ChatHarness(o => o.MaxConversationNameLength = 10);

        var longest = await chat.Chat.CreateConversationAsync(Alice, Group("  " + new string('n', 10) + "  ", Bob.Id), Ct);
        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.CreateConversationAsync(Alice, Group(new string('n', 11), Bob.Id), Ct));

        Assert.Equal(new string('n', 10), longest.Conversation.Conversation.Name);
        Assert.Equal("validation_failed", error.Code);
        Assert.Contains("name", error.Errors.Keys);
    }

    [Fact]
    public async Task CreateGroup_DefaultNameLimit_IsTwoHundred()
    {
        await using var chat = new ChatHarness();

        await chat.Chat.CreateConversationAsync(Alice, Group(new string('n', 200), Bob.Id), Ct);
        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.CreateConversationAsync(Alice, Group(new string('n', 201), Bob.Id), Ct));

        Assert.Equal("validation_failed", error.Code);
    }

    [Theory]
    [InlineData("")]
    [InlineData("alice")]
    [InlineData("alice,alice")]
    public async Task CreateGroup_WithoutAnotherParticipant_IsValidationFailed(string ids)
    {
        var participantIds = ids.Split(',', StringSplitOptions.RemoveEmptyEntries);
        await using var chat = new ChatHarness();

        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.CreateConversationAsync(Alice, Group("Team", participantIds), Ct));

        Assert.Equal("validation_failed", error.Code);
        Assert.Contains("participantIds", error.Errors.Keys);
    }

    [Fact]
    public async Task CreateGroup_MaxParticipants_CountsTheCreator()
    {
        await using var chat = new ChatHarness(o => o.MaxGroupParticipants = 3);

        var full = await chat.Chat.CreateConversationAsync(Alice, Group("Team", Bob.Id, Carol.Id), Ct);
        var error = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.CreateConversationAsync(Alice, Group("Team", Bob.Id, Carol.Id, Dave.Id), Ct));

        Assert.Equal(3, full.Conversation.Conversation.Participants.Count);
        Assert.Equal("validation_failed", error.Code);
        Assert.Contains("participantIds", error.Errors.Keys);
    }

    [Fact]
    public async Task CreateConversation_WithoutParticipantIds_IsValidationFailed()
    {
        await using var chat = new ChatHarness();

        var error = await Assert.ThrowsAsync<ChatException>(
            () => chat.Chat.CreateConversationAsync(Alice, new CreateConversationRequest { Type = ConversationType.Group, Name = "Team", ParticipantIds = null! }, Ct));

        Assert.Equal("validation_failed", error.Code);
        Assert.Contains("participantIds", error.Errors.Keys);
    }

    [Fact]
    public async Task GetConversation_NotAParticipantOrUnknown_IsNotFound()
    {
        await using var chat = new ChatHarness();
        var direct = await chat.CreateDirectAsync(Alice, Bob);

        var stranger = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.GetConversationAsync(Carol, direct.Conversation.Id, Ct));
        var unknown = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.GetConversationAsync(Alice, "c_unknown", Ct));
        var join = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.JoinAsync(Carol, direct.Conversation.Id, Ct));

        Assert.Equal("not_found", stranger.Code);
        Assert.Equal("not_found", unknown.Code);
        Assert.Equal("not_found", join.Code);
        Assert.Equal(stranger.Message.Replace(direct.Conversation.Id, "c_unknown", StringComparison.Ordinal), unknown.Message);
    }
}
