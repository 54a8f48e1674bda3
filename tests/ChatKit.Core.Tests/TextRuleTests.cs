using ChatKit.Core.Tests.Support;
using ChatKit.Events;
using static ChatKit.Core.Tests.Support.ChatHarness;

namespace ChatKit.Core.Tests;

/// <summary>Issue 12 §4: every string a client or a token supplies is normalised and bounded before it is stored.</summary>
public sealed class TextRuleTests
{
    public static TheoryData<string> InvisibleContent() =>
    [
        "\u200B\u200B",            // zero-width spaces
        "\u2060\uFEFF\u200D",      // word joiner, BOM, zero-width joiner
        "\u202E\u2066\u2069",      // bidi controls only
        "\u3164\u115F",            // Hangul fillers
        "\u2800",                  // blank Braille pattern
        "\u0301\u0301",            // combining marks with no base
        " \u00A0\u2003\u3000 ",    // spaces of every width
    ];

    [Theory]
    [MemberData(nameof(InvisibleContent))]
    public async Task SendMessage_WithNothingVisible_IsValidationFailed(string content)
    {
        await using var chat = new ChatHarness();
        var id = (await chat.CreateDirectAsync(Alice, Bob)).Conversation.Id;

        var error = await Assert.ThrowsAsync<ChatException>(() => chat.SendAsync(Alice, id, content));

        Assert.Equal(ChatErrorCode.ValidationFailed, error.Error);
        Assert.Contains("content", error.Errors.Keys);
        Assert.Empty(chat.Events.Of<MessageCreatedEvent>());
    }

    [Fact]
    public async Task SendMessage_StripsBidiControlsAndNormalisesToNfc()
    {
        await using var chat = new ChatHarness();
        var id = (await chat.CreateDirectAsync(Alice, Bob)).Conversation.Id;

        // "e" + combining acute becomes "é"; the right-to-left override and the isolates go.
        var message = await chat.SendAsync(Alice, id, "cafe\u0301 \u202Egnp.exe\u202C \u2067x\u2069\u200B");

        Assert.Equal("caf\u00E9 gnp.exe x\u200B", message.Content);
    }

    // A [Fact] with a loop, not a theory: xunit serialises theory data, and an unpaired surrogate does not survive that.
    [Fact]
    public async Task EveryClientString_WithALoneSurrogate_IsValidationFailed()
    {
        foreach (var text in new[] { "a\uD800b", "\uDC00", "x\uD83D" })
        {
            await AssertEveryStringRefusesAsync(text);
        }
    }

    private static async Task AssertEveryStringRefusesAsync(string text)
    {
        await using var chat = new ChatHarness();
        var id = (await chat.CreateDirectAsync(Alice, Bob)).Conversation.Id;

        var content = await Assert.ThrowsAsync<ChatException>(() => chat.SendAsync(Alice, id, text));
        var tempId = await Assert.ThrowsAsync<ChatException>(() => chat.SendAsync(Alice, id, "hi", text));
        var name = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.CreateConversationAsync(
            Alice, new CreateConversationRequest { Type = ConversationType.Group, Name = text, ParticipantIds = [Bob.Id] }, Ct));
        var participant = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.CreateConversationAsync(
            Alice, new CreateConversationRequest { Type = ConversationType.Direct, ParticipantIds = [text] }, Ct));
        var conversationId = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.GetConversationAsync(Alice, text, Ct));
        var messageId = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.DeleteMessageAsync(Alice, text, Ct));

        Assert.All([content, tempId, name, participant, conversationId, messageId], e => Assert.Equal(ChatErrorCode.ValidationFailed, e.Error));
    }

    [Theory]
    [InlineData("a\u0000b")]
    [InlineData("a\u200Bb")]
    [InlineData("a\u202Eb")]
    [InlineData("a\nb")]
    [InlineData("a\u2028b")]
    public async Task Ids_WithControlOrFormatCharacters_AreValidationFailed(string id)
    {
        await using var chat = new ChatHarness();

        var participant = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.CreateConversationAsync(
            Alice, new CreateConversationRequest { Type = ConversationType.Direct, ParticipantIds = [id] }, Ct));
        var conversation = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.GetMessagesAsync(Alice, id, null, Ct));

        Assert.Equal(ChatErrorCode.ValidationFailed, participant.Error);
        Assert.Equal(ChatErrorCode.ValidationFailed, conversation.Error);
    }

    [Fact]
    public async Task GroupName_IsOneNfcLineWithoutControls_AndNeedsSomethingVisible()
    {
        await using var chat = new ChatHarness();

        var group = (await chat.Chat.CreateConversationAsync(
            Alice, new CreateConversationRequest { Type = ConversationType.Group, Name = " Cafe\u0301\n\u0000Team\u202E ", ParticipantIds = [Bob.Id] }, Ct)).Conversation;
        var invisible = await Assert.ThrowsAsync<ChatException>(() => chat.Chat.CreateConversationAsync(
            Alice, new CreateConversationRequest { Type = ConversationType.Group, Name = "\u200B\u3164", ParticipantIds = [Bob.Id] }, Ct));

        Assert.Equal("Caf\u00E9Team", group.Conversation.Name);
        Assert.Equal("a group name needs a visible character", invisible.Message);
    }

    [Fact]
    public void UserFromToken_WithAnOverlongOrMalformedId_IsRefused()
    {
        var options = new ChatKitOptions();

        Assert.Null(ChatUser.Create(new string('s', 5_000), "Sam", options));
        Assert.Null(ChatUser.Create("sam\u0000", "Sam", options));
        Assert.Null(ChatUser.Create("sam\uD800", "Sam", options));
        Assert.Null(ChatUser.Create("   ", "Sam", options));
        Assert.Null(ChatUser.Create(null, "Sam", options));
        Assert.Equal(new ChatUser(new string('s', 128), "Sam"), ChatUser.Create(new string('s', 128), "Sam", options));
    }

    [Fact]
    public void UserFromToken_DisplayName_IsNormalisedAndCut()
    {
        var options = new ChatKitOptions();

        var huge = ChatUser.Create("sam", new string('n', 100_000), options)!;
        var spoofed = ChatUser.Create("sam", "\u202Enimda\u202C Sam\u0000\n", options)!;
        var invisible = ChatUser.Create("sam", "\u200B\u2800", options)!;
        var broken = ChatUser.Create("sam", "Sam\uD800", options)!;
        var emoji = ChatUser.Create("sam", new string('n', 99) + "\U0001F600", options)!;

        Assert.Equal(new string('n', 100), huge.Name);
        Assert.Equal("nimda Sam", spoofed.Name);
        Assert.Equal("sam", invisible.Name);
        Assert.Equal("sam", broken.Name);
        Assert.Equal(new string('n', 99), emoji.Name);
    }

    [Fact]
    public async Task SendMessage_StoresTheBoundedDisplayName_EvenWhenTheHostPassesAHugeOne()
    {
        await using var chat = new ChatHarness();
        var id = (await chat.CreateDirectAsync(Alice, Bob)).Conversation.Id;

        var message = await chat.SendAsync(Alice with { Name = new string('A', 100_000) }, id);

        Assert.Equal(100, message.SenderName.Length);
    }
}
