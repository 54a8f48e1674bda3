using System.Text.Json;
using ChatKit.AspNetCore.Tests.Support;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace ChatKit.AspNetCore.Tests;

/// <summary>Issue 15 items 1-4 over the hub: editMessage, addReaction/removeReaction, replies and mentions.</summary>
public sealed class InteractionHubTests(ChatHost host) : IClassFixture<ChatHost>
{
    [Fact]
    public async Task EditMessage_BySender_ReturnsTheMessageAndSendsMessageUpdatedToEveryParticipant()
    {
        var (alice, bob) = (ChatHost.NewUser("alice"), ChatHost.NewUser("bob"));
        var id = await host.DirectAsync(alice, bob);
        await using var aliceConnection = await host.ConnectAsync(alice, "Alice");
        await using var bobConnection = await host.ConnectAsync(bob);
        var messageId = (await aliceConnection.SendAsync(id, "helo")).GetProperty("messageId").GetString()!;

        var edited = await aliceConnection.InvokeAsync("editMessage", new { messageId, content = "  hello\u0007 " });

        Assert.Equal("hello", edited.GetProperty("content").GetString());
        Assert.EndsWith("Z", edited.GetProperty("editedAt").GetString(), StringComparison.Ordinal);
        foreach (var connection in new[] { aliceConnection, bobConnection })
        {
            var updated = await connection.WaitForAsync("messageUpdated");
            Assert.Equal(id, updated.Get("conversationId"));
            Assert.Equal(edited.GetRawText(), updated.Payload.GetProperty("message").GetRawText());
        }

        using var http = host.Http(bob);
        var (_, page) = await http.GetJsonAsync($"/chats/conversations/{id}/messages");
        Assert.Equal(edited.GetRawText(), page.GetProperty("items")[0].GetRawText());
    }

    [Fact]
    public async Task EditMessage_RefusedCases_CarryTheContractsCodes()
    {
        var (alice, bob, outsider) = (ChatHost.NewUser("alice"), ChatHost.NewUser("bob"), ChatHost.NewUser("outsider"));
        var id = await host.GroupAsync(alice, bob);
        await using var aliceConnection = await host.ConnectAsync(alice);
        await using var bobConnection = await host.ConnectAsync(bob);
        await using var outsiderConnection = await host.ConnectAsync(outsider);
        var messageId = (await aliceConnection.SendAsync(id, "original")).GetProperty("messageId").GetString()!;

        await AssertRefusedAsync("forbidden", () => bobConnection.InvokeAsync("editMessage", new { messageId, content = "not mine" }));
        await AssertRefusedAsync("not_found", () => outsiderConnection.InvokeAsync("editMessage", new { messageId, content = "not mine" }));
        await AssertRefusedAsync("validation_failed", () => aliceConnection.InvokeAsync("editMessage", new { messageId, content = " \t " }));
        await AssertRefusedAsync("validation_failed", () => aliceConnection.InvokeAsync("editMessage", new { messageId = (string?)null, content = "x" }));
        using (var http = host.Http(alice))
        {
            await http.DeleteJsonAsync($"/chats/messages/{messageId}");
        }

        await AssertRefusedAsync("conflict", () => aliceConnection.InvokeAsync("editMessage", new { messageId, content = "back" }));
        var marker = await host.SyncAsync(bobConnection);
        Assert.DoesNotContain(bobConnection.Before(marker), e => e.Name == "messageUpdated");
    }

    [Fact]
    public async Task Reactions_AreAggregatedAndEventsGoOutOnlyWhenSomethingChanged()
    {
        var (alice, bob) = (ChatHost.NewUser("alice"), ChatHost.NewUser("bob"));
        var id = await host.DirectAsync(alice, bob);
        await using var aliceConnection = await host.ConnectAsync(alice);
        await using var bobConnection = await host.ConnectAsync(bob);
        var messageId = (await aliceConnection.SendAsync(id, "react to me")).GetProperty("messageId").GetString()!;

        await bobConnection.InvokeAsync("addReaction", new { messageId, emoji = "👍" });
        await aliceConnection.InvokeAsync("addReaction", new { messageId, emoji = "🎉" });
        var both = await aliceConnection.InvokeAsync("addReaction", new { messageId, emoji = "👍" });
        var again = await bobConnection.InvokeAsync("addReaction", new { messageId, emoji = "👍" });

        Assert.Equal([("👍", 2, $"{bob},{alice}"), ("🎉", 1, alice)], Reactions(both));
        Assert.Equal(both.GetProperty("reactions").GetRawText(), again.GetProperty("reactions").GetRawText());
        var added = await aliceConnection.WaitForCountAsync("reactionAdded", 3);
        Assert.Equal([bob, alice, alice], added.Select(e => e.Get("userId")));
        Assert.All(added, e => Assert.Equal(id, e.Get("conversationId")));
        Assert.All(added, e => Assert.Equal(messageId, e.Get("messageId")));

        var removed = await bobConnection.InvokeAsync("removeReaction", new { messageId, emoji = "👍" });
        await bobConnection.InvokeAsync("removeReaction", new { messageId, emoji = "👍" });
        Assert.Equal(1, removed.GetProperty("reactions")[0].GetProperty("count").GetInt32());
        var gone = await aliceConnection.WaitForAsync("reactionRemoved");
        Assert.Equal(bob, gone.Get("userId"));
        Assert.Equal("👍", gone.Get("emoji"));

        // The repeated add and the repeated remove changed nothing and sent nothing.
        var marker = await host.SyncAsync(aliceConnection);
        Assert.Equal(3, aliceConnection.Before(marker).Count(e => e.Name == "reactionAdded"));
        Assert.Equal(1, aliceConnection.Before(marker).Count(e => e.Name == "reactionRemoved"));
    }

    [Fact]
    public async Task Reactions_RefusedCases_CarryTheContractsCodes()
    {
        var (alice, bob, outsider) = (ChatHost.NewUser("alice"), ChatHost.NewUser("bob"), ChatHost.NewUser("outsider"));
        var id = await host.DirectAsync(alice, bob);
        await using var aliceConnection = await host.ConnectAsync(alice);
        await using var outsiderConnection = await host.ConnectAsync(outsider);
        var messageId = (await aliceConnection.SendAsync(id, "hi")).GetProperty("messageId").GetString()!;

        await AssertRefusedAsync("validation_failed", () => aliceConnection.InvokeAsync("addReaction", new { messageId, emoji = "thumbs up" }));
        await AssertRefusedAsync("validation_failed", () => aliceConnection.InvokeAsync("addReaction", new { messageId, emoji = "" }));
        await AssertRefusedAsync("validation_failed", () => aliceConnection.InvokeAsync("addReaction", new { messageId, emoji = new string('x', 33) }));
        await AssertRefusedAsync("not_found", () => outsiderConnection.InvokeAsync("addReaction", new { messageId, emoji = "👍" }));
        await aliceConnection.InvokeAsync("addReaction", new { messageId, emoji = ":custom_name:" });
        using (var http = host.Http(alice))
        {
            await http.DeleteJsonAsync($"/chats/messages/{messageId}");
        }

        await AssertRefusedAsync("conflict", () => aliceConnection.InvokeAsync("addReaction", new { messageId, emoji = "👍" }));
        await AssertRefusedAsync("conflict", () => aliceConnection.InvokeAsync("removeReaction", new { messageId, emoji = ":custom_name:" }));
    }

    [Fact]
    public async Task Reply_CarriesASummaryThatFollowsTheOriginalsEditsAndDeletion()
    {
        var (alice, bob) = (ChatHost.NewUser("alice"), ChatHost.NewUser("bob"));
        var id = await host.DirectAsync(alice, bob);
        var other = await host.DirectAsync(alice, ChatHost.NewUser("carol"));
        await using var aliceConnection = await host.ConnectAsync(alice);
        await using var bobConnection = await host.ConnectAsync(bob);
        var original = new string('a', 95) + "🙂🙂🙂🙂";
        var originalId = (await aliceConnection.SendAsync(id, original)).GetProperty("messageId").GetString()!;

        var ack = await bobConnection.InvokeAsync("sendMessage", new { conversationId = id, content = "answer", replyToId = originalId });

        var expected = new { messageId = originalId, senderId = alice, excerpt = original[..99] }; // never half an emoji
        AssertReplyTo(expected, ack.GetProperty("message"));
        Assert.Equal(ack.GetProperty("messageId").GetString(), ack.GetProperty("message").GetProperty("id").GetString());
        var received = await aliceConnection.WaitForAsync("newMessage", e => e.GetProperty("message").GetProperty("content").GetString() == "answer");
        AssertReplyTo(expected, received.Payload.GetProperty("message"));

        await aliceConnection.InvokeAsync("editMessage", new { messageId = originalId, content = "edited original" });
        using var http = host.Http(bob);
        var (_, page) = await http.GetJsonAsync($"/chats/conversations/{id}/messages");
        AssertReplyTo(new { messageId = originalId, senderId = alice, excerpt = "edited original" }, page.GetProperty("items")[1]);

        await http.DeleteJsonAsync($"/chats/messages/{originalId}"); // bob may not: forbidden in a direct chat
        using var aliceHttp = host.Http(alice);
        await aliceHttp.DeleteJsonAsync($"/chats/messages/{originalId}");
        (_, page) = await http.GetJsonAsync($"/chats/conversations/{id}/messages");
        AssertReplyTo(new { messageId = originalId, senderId = alice, excerpt = string.Empty }, page.GetProperty("items")[1]);
        var (_, conversation) = await http.GetJsonAsync($"/chats/conversations/{id}");
        AssertReplyTo(new { messageId = originalId, senderId = alice, excerpt = string.Empty }, conversation.GetProperty("lastMessage"));

        var otherMessage = (await aliceConnection.SendAsync(other, "elsewhere")).GetProperty("messageId").GetString()!;
        await AssertRefusedAsync("validation_failed", () => bobConnection.InvokeAsync("sendMessage", new { conversationId = id, content = "x", replyToId = otherMessage }));
        await AssertRefusedAsync("validation_failed", () => bobConnection.InvokeAsync("sendMessage", new { conversationId = id, content = "x", replyToId = "m_unknown" }));
    }

    [Fact]
    public async Task Mentions_AreValidatedAndCountedAsUnreadForTheMentionedUser()
    {
        var (alice, bob, carol, outsider) = (ChatHost.NewUser("alice"), ChatHost.NewUser("bob"), ChatHost.NewUser("carol"), ChatHost.NewUser("outsider"));
        var id = await host.GroupAsync(alice, bob, carol);
        await using var aliceConnection = await host.ConnectAsync(alice);
        await using var bobConnection = await host.ConnectAsync(bob);

        var ack = await aliceConnection.InvokeAsync("sendMessage", new { conversationId = id, content = "@bob @carol look", mentions = new[] { bob, carol, bob } });
        await aliceConnection.InvokeAsync("sendMessage", new { conversationId = id, content = "@bob again", mentions = new[] { bob } });
        await aliceConnection.SendAsync(id, "no mention");

        Assert.Equal([bob, carol], ack.GetProperty("message").GetProperty("mentions").EnumerateArray().Select(e => e.GetString()));
        var received = await bobConnection.WaitForAsync("newMessage");
        Assert.Equal([bob, carol], received.Payload.GetProperty("message").GetProperty("mentions").EnumerateArray().Select(e => e.GetString()));
        await AssertRefusedAsync("validation_failed", () => aliceConnection.InvokeAsync("sendMessage", new { conversationId = id, content = "hey", mentions = new[] { outsider } }));

        using var bobHttp = host.Http(bob);
        var (_, conversation) = await bobHttp.GetJsonAsync($"/chats/conversations/{id}");
        Assert.Equal(3, conversation.GetProperty("unreadCount").GetInt32());
        Assert.Equal(2, conversation.GetProperty("unreadMentionCount").GetInt32());
        using var carolHttp = host.Http(carol);
        var (_, list) = await carolHttp.GetJsonAsync("/chats/conversations");
        Assert.Equal(1, list.GetProperty("items")[0].GetProperty("unreadMentionCount").GetInt32());
        using var aliceHttp = host.Http(alice);
        (_, conversation) = await aliceHttp.GetJsonAsync($"/chats/conversations/{id}");
        Assert.Equal(0, conversation.GetProperty("unreadMentionCount").GetInt32());

        await bobConnection.CallAsync("markConversationAsRead", new { conversationId = id });
        (_, conversation) = await bobHttp.GetJsonAsync($"/chats/conversations/{id}");
        Assert.Equal(0, conversation.GetProperty("unreadMentionCount").GetInt32());
    }

    [Fact]
    public async Task V1Client_SendingWithoutTheNewProperties_GetsTheSameAckAndEventAsBefore()
    {
        var (alice, bob) = (ChatHost.NewUser("alice"), ChatHost.NewUser("bob"));
        var id = await host.DirectAsync(alice, bob);
        await using var aliceConnection = await host.ConnectAsync(alice);
        await using var bobConnection = await host.ConnectAsync(bob);

        var ack = await aliceConnection.SendAsync(id, "plain", "t-v1");

        Assert.Equal(["tempId", "messageId", "seq", "createdAt"], ack.EnumerateObject().Select(p => p.Name).Take(4));
        var message = (await bobConnection.WaitForAsync("newMessage")).Payload.GetProperty("message");
        Assert.Equal(JsonValueKind.Null, message.GetProperty("replyTo").ValueKind);
        Assert.Empty(message.GetProperty("mentions").EnumerateArray());
        Assert.Empty(message.GetProperty("reactions").EnumerateArray());
    }

    private static void AssertReplyTo(object expected, JsonElement message)
    {
        var replyTo = message.GetProperty("replyTo");
        Assert.Equal(["messageId", "senderId", "excerpt"], replyTo.EnumerateObject().Select(p => p.Name));
        Assert.Equal(expected, JsonSerializer.Deserialize(replyTo.GetRawText(), expected.GetType()));
    }

    private static List<(string?, int, string)> Reactions(JsonElement message) =>
        [.. message.GetProperty("reactions").EnumerateArray().Select(r => (
            r.GetProperty("emoji").GetString(),
            r.GetProperty("count").GetInt32(),
            string.Join(",", r.GetProperty("userIds").EnumerateArray().Select(u => u.GetString()))))];

    internal static async Task AssertRefusedAsync(string code, Func<Task> call)
    {
        var refused = await Assert.ThrowsAsync<HubException>(call);
        Assert.StartsWith(code + ":", refused.Message, StringComparison.Ordinal);
    }
}

/// <summary>A host with an edit window of one minute and a clock the test moves.</summary>
public sealed class EditWindowHost : ChatHost
{
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override void ConfigureChatKit(ChatKitOptions options) => options.EditWindow = TimeSpan.FromMinutes(1);

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);
}

/// <summary>The edit window option: off by default (the other tests), and when set, edits after it are forbidden.</summary>
public sealed class EditWindowTests(EditWindowHost host) : IClassFixture<EditWindowHost>
{
    [Fact]
    public async Task EditMessage_AfterTheEditWindow_IsForbidden()
    {
        var (alice, bob) = (ChatHost.NewUser("alice"), ChatHost.NewUser("bob"));
        var id = await host.DirectAsync(alice, bob);
        await using var connection = await host.ConnectAsync(alice);
        var messageId = (await connection.SendAsync(id, "first")).GetProperty("messageId").GetString()!;

        host.Clock.Advance(TimeSpan.FromSeconds(59));
        await connection.InvokeAsync("editMessage", new { messageId, content = "within the window" });
        host.Clock.Advance(TimeSpan.FromSeconds(2));

        await InteractionHubTests.AssertRefusedAsync("forbidden", () => connection.InvokeAsync("editMessage", new { messageId, content = "too late" }));
        using var http = host.Http(alice);
        var (response, problem) = await http.SendJsonAsync(HttpMethod.Patch, $"/chats/messages/{messageId}", new { content = "too late" });
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("forbidden", problem.GetProperty("code").GetString());
    }
}
