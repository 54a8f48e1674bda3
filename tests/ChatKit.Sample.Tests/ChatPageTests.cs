using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChatKit.Sample.Tests;

/// <summary>Two people in two browser contexts chatting on the sample's page, in Debian's Chromium.</summary>
public sealed class ChatPageTests(SampleSite site, Browser browser) : IClassFixture<SampleSite>, IClassFixture<Browser>
{
    [Fact]
    public async Task TwoUsers_ChatBothWays_WithTypingReadMarksUnreadBadgeSafeTextReloadAndPresence()
    {
        var aliceId = ChatPage.NewUser("alice");
        var bobId = ChatPage.NewUser("bob");
        var alice = new ChatPage(await browser.OpenAsync(site.Address));
        var bob = new ChatPage(await browser.OpenAsync(site.Address));
        var dialogs = 0;
        foreach (var person in new[] { alice, bob })
        {
            person.Page.Dialog += (_, dialog) => { Interlocked.Increment(ref dialogs); _ = dialog.DismissAsync(); };
        }

        await alice.SignInAsync(aliceId);
        await bob.SignInAsync(bobId);

        // Alice starts a direct conversation; it appears in Bob's list at once, with Alice online.
        await alice.StartChatAsync(bobId);
        await Expect(bob.Conversation(aliceId)).ToBeVisibleAsync();
        await Expect(bob.Conversation(aliceId).GetByTestId("online-dot")).ToHaveAttributeAsync("data-online", "true");
        await bob.OpenAsync(aliceId);

        // Typing shows on Bob's side while Alice types, and clears when her message arrives.
        await alice.Page.GetByTestId("composer").PressSequentiallyAsync("Hi Bob");
        await Expect(bob.Typing).ToHaveTextAsync($"{aliceId} is typing…");
        await alice.Page.GetByTestId("composer").PressAsync("Enter");
        await Expect(bob.Message("Hi Bob")).ToBeVisibleAsync();
        await Expect(bob.Typing).ToHaveTextAsync("");

        // Bob has the conversation open, so he reads it: Alice's mark turns to read.
        await Expect(alice.StatusOf("Hi Bob")).ToHaveAttributeAsync("data-status", "read");

        // And back.
        await bob.SendAsync("Hello Alice");
        await Expect(alice.Message("Hello Alice")).ToBeVisibleAsync();

        // Alice moves to another conversation: Bob's next messages raise an unread badge and stay unread.
        await alice.StartChatAsync(ChatPage.NewUser("carol"));
        var attack = "<img src=x onerror=alert(1)>";
        await bob.SendAsync("Are you there?");
        await bob.SendAsync(attack);
        await Expect(alice.Conversation(bobId).GetByTestId("unread-badge")).ToHaveTextAsync("2");
        // Alice's page has them (it acknowledges what arrives), but has not shown them: delivered, not read.
        await Expect(bob.StatusOf(attack)).ToHaveAttributeAsync("data-status", "delivered");

        // Opening it clears the badge and turns Bob's marks to read; the markup shows as text and runs nothing.
        await alice.OpenAsync(bobId);
        await Expect(alice.Conversation(bobId).GetByTestId("unread-badge")).ToHaveCountAsync(0);
        await Expect(bob.StatusOf(attack)).ToHaveAttributeAsync("data-status", "read");
        await Expect(alice.Message(attack)).ToHaveTextAsync(attack);
        await Expect(bob.Message(attack)).ToHaveTextAsync(attack);
        Assert.Equal(0, await alice.Page.Locator("[data-testid=messages] img").CountAsync());
        Assert.Equal(0, await bob.Page.Locator("[data-testid=messages] img").CountAsync());

        await Screenshots.SaveAsync(alice.Page, "sample-chat.png");

        // A reload keeps the user of the tab and the whole history, in order.
        await alice.Page.ReloadAsync();
        await alice.ExpectConnectedAsync();
        await alice.OpenAsync(bobId);
        await Expect(alice.MessageTexts).ToHaveTextAsync(["Hi Bob", "Hello Alice", "Are you there?", attack]);
        Assert.Equal(0, dialogs);

        // Presence is live: Bob closes his window and goes offline on Alice's page.
        await Expect(alice.Conversation(bobId).GetByTestId("online-dot")).ToHaveAttributeAsync("data-online", "true");
        await bob.Page.Context.CloseAsync();
        await Expect(alice.Conversation(bobId).GetByTestId("online-dot")).ToHaveAttributeAsync("data-online", "false");
        await Expect(alice.Page.GetByTestId("conversation-subtitle")).ToHaveTextAsync("offline");
    }

    [Fact]
    public async Task Group_CreatedOnThePage_ReachesEveryMember()
    {
        var aliceId = ChatPage.NewUser("alice");
        var bobId = ChatPage.NewUser("bob");
        var carolId = ChatPage.NewUser("carol");
        var alice = new ChatPage(await browser.OpenAsync(site.Address));
        var carol = new ChatPage(await browser.OpenAsync(site.Address));
        await alice.SignInAsync(aliceId);
        await carol.SignInAsync(carolId);

        await alice.StartChatAsync($"{bobId}, {carolId}", "Launch team");
        await alice.SendAsync("Welcome, both of you");
        await Expect(carol.Conversation("Launch team").GetByTestId("unread-badge")).ToHaveTextAsync("1");
        await carol.OpenAsync("Launch team");

        await Expect(carol.Message("Welcome, both of you")).ToBeVisibleAsync();
        await Expect(carol.Page.GetByTestId("conversation-title")).ToHaveTextAsync("Launch team");
    }

    [Fact]
    public async Task History_LoadsOlderPagesAsYouScrollUp()
    {
        var aliceId = ChatPage.NewUser("alice");
        var bobId = ChatPage.NewUser("bob");
        var alice = new ChatPage(await browser.OpenAsync(site.Address));
        await alice.SignInAsync(aliceId);
        await alice.StartChatAsync(bobId);
        for (var i = 1; i <= 45; i++)
        {
            await alice.SendAsync($"message {i}");
        }

        await Expect(alice.StatusOf("message 45")).ToHaveAttributeAsync("data-status", "sent");

        // A fresh page shows the newest page only (30), and the rest after scrolling to the top.
        await alice.Page.ReloadAsync();
        await alice.ExpectConnectedAsync();
        await alice.OpenAsync(bobId);
        await Expect(alice.Messages).ToHaveCountAsync(30);
        await Expect(alice.Message("message 16")).ToBeVisibleAsync();
        await alice.Page.GetByTestId("messages").EvaluateAsync("list => list.scrollTop = 0");
        await Expect(alice.Messages).ToHaveCountAsync(45);
        await Expect(alice.MessageTexts.First).ToHaveTextAsync("message 1");
    }
}
