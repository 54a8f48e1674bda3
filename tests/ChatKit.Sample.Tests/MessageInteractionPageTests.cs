using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChatKit.Sample.Tests;

/// <summary>
/// The v2 interactions on the sample's page (issue 15), each driven from two people's pages: receipt marks that survive
/// a reload, editing, reactions, replies, @mentions and group administration.
/// </summary>
public sealed class MessageInteractionPageTests(SampleSite site, Browser browser) : IClassFixture<SampleSite>, IClassFixture<Browser>
{
    private async Task<(ChatPage Alice, ChatPage Bob, string AliceId, string BobId)> TwoPeopleAsync()
    {
        var aliceId = ChatPage.NewUser("alice");
        var bobId = ChatPage.NewUser("bob");
        var alice = new ChatPage(await browser.OpenAsync(site.Address));
        var bob = new ChatPage(await browser.OpenAsync(site.Address));
        await alice.SignInAsync(aliceId);
        await bob.SignInAsync(bobId);
        return (alice, bob, aliceId, bobId);
    }

    private static async Task ExpectAccessibleAsync(ChatPage person)
    {
        var violations = await Accessibility.SeriousViolationsAsync(person.Page);
        Assert.True(violations.Count == 0, "axe-core found:\n" + string.Join('\n', violations));
    }

    [Fact]
    public async Task ReceiptMarks_SentDeliveredRead_AndReadByNInAGroup_SurviveAReload()
    {
        var (alice, bob, aliceId, bobId) = await TwoPeopleAsync();
        var carolId = ChatPage.NewUser("carol");

        // Nobody's page has it: sent.
        await alice.StartChatAsync(ChatPage.NewUser("dave"));
        await alice.SendAsync("anyone?");
        await Expect(alice.StatusOf("anyone?")).ToHaveTextAsync("✓ sent");

        // Bob's page has it but shows another conversation: delivered, live and after a reload.
        await bob.StartChatAsync(ChatPage.NewUser("erin"));
        await alice.StartChatAsync(bobId);
        await alice.SendAsync("ping");
        await Expect(alice.StatusOf("ping")).ToHaveAttributeAsync("data-status", "delivered");
        await Expect(alice.StatusOf("ping")).ToHaveTextAsync("✓✓ delivered");
        await alice.ReloadAsync();
        await alice.OpenAsync(bobId);
        await Expect(alice.StatusOf("ping")).ToHaveAttributeAsync("data-status", "delivered");

        // Bob opens it: read, live and after a reload.
        await bob.OpenAsync(aliceId);
        await Expect(alice.StatusOf("ping")).ToHaveTextAsync("✓✓ read");
        await alice.ReloadAsync();
        await alice.OpenAsync(bobId);
        await Expect(alice.StatusOf("ping")).ToHaveTextAsync("✓✓ read");

        // In a group: delivered to whoever's page has it, then "read by N" with the names on hover.
        await alice.StartChatAsync($"{bobId}, {carolId}", "Receipts");
        await alice.SendAsync("hello group");
        await Expect(alice.StatusOf("hello group")).ToHaveAttributeAsync("data-status", "delivered");
        await Expect(alice.StatusOf("hello group")).ToHaveAttributeAsync("title", $"Delivered to {bobId}");
        await bob.OpenAsync("Receipts");
        await Expect(alice.StatusOf("hello group")).ToHaveTextAsync("✓✓ read by 1");
        await Expect(alice.StatusOf("hello group")).ToHaveAttributeAsync("title", $"Read by {bobId}");

        // Carol signs in later: her page acknowledges what arrived meanwhile, and reads it when she opens it.
        var carol = new ChatPage(await browser.OpenAsync(site.Address));
        await carol.SignInAsync(carolId);
        await Expect(alice.StatusOf("hello group")).ToHaveAttributeAsync("title", $"Read by {bobId}");
        await carol.OpenAsync("Receipts");
        await Expect(alice.StatusOf("hello group")).ToHaveTextAsync("✓✓ read by 2");

        await alice.ReloadAsync();
        await alice.OpenAsync("Receipts");
        await Expect(alice.StatusOf("hello group")).ToHaveTextAsync("✓✓ read by 2");
        await Expect(alice.StatusOf("hello group")).ToHaveAttributeAsync("title", $"Read by {bobId}, {carolId}");
        await alice.OpenAsync(bobId);
        await Expect(alice.StatusOf("ping")).ToHaveTextAsync("✓✓ read");
    }

    [Fact]
    public async Task Edit_OwnMessageInline_ShowsEditedOnBothPages_AndOthersCannotEditIt()
    {
        var (alice, bob, aliceId, bobId) = await TwoPeopleAsync();
        await alice.StartChatAsync(bobId);
        await alice.SendAsync("teh plan");
        await bob.OpenAsync(aliceId);
        await Expect(bob.Message("teh plan")).ToBeVisibleAsync(); // stored before Bob answers, so it comes first
        await bob.SendAsync("which plan?");
        await Expect(alice.Message("which plan?")).ToBeVisibleAsync();

        // Only her own message has an edit action.
        await Expect(alice.ItemOf("which plan?").GetByTestId("edit")).ToHaveCountAsync(0);
        await Expect(bob.ItemOf("teh plan").GetByTestId("edit")).ToHaveCountAsync(0);

        // Escape cancels and leaves the message as it was.
        await alice.ItemOf("teh plan").GetByTestId("edit").ClickAsync();
        await Expect(alice.Page.GetByTestId("edit-input")).ToBeFocusedAsync();
        await alice.Page.GetByTestId("edit-input").PressAsync("Escape");
        await Expect(alice.Page.GetByTestId("editor")).ToHaveCountAsync(0);
        await Expect(alice.Title).ToHaveTextAsync(bobId); // the conversation stayed open
        await Expect(alice.ItemOf("teh plan").GetByTestId("edit")).ToBeFocusedAsync();

        // Enter saves; both pages show the new text and the label, live.
        await alice.Page.Keyboard.PressAsync("Enter");
        await alice.Page.GetByTestId("edit-input").FillAsync("the plan");
        await alice.Page.GetByTestId("edit-input").PressAsync("Enter");
        await Expect(alice.ItemOf("the plan").GetByTestId("edited")).ToHaveTextAsync("edited");
        await Expect(bob.ItemOf("the plan").GetByTestId("edited")).ToHaveTextAsync("edited");
        await Expect(bob.MessageTexts).ToHaveTextAsync(["the plan", "which plan?"]);
        await Expect(bob.Conversation(aliceId).GetByTestId("conversation-preview")).ToContainTextAsync("which plan?");

        await bob.ReloadAsync();
        await bob.OpenAsync(aliceId);
        await Expect(bob.ItemOf("the plan").GetByTestId("edited")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Reactions_FromTheFixedPalette_ToggleAndCount_LiveOnTheOtherPage()
    {
        var (alice, bob, aliceId, bobId) = await TwoPeopleAsync();
        await alice.StartChatAsync(bobId);
        await alice.SendAsync("ship it?");
        await bob.OpenAsync(aliceId);

        // Bob opens the palette from the keyboard, picks 👍; Escape closes the palette without closing the chat.
        await bob.ItemOf("ship it?").GetByTestId("react").ClickAsync();
        await Expect(bob.Page.GetByTestId("palette-emoji")).ToHaveCountAsync(5);
        await Expect(bob.Page.GetByTestId("palette-emoji").First).ToBeFocusedAsync();
        await ExpectAccessibleAsync(bob);
        await bob.Page.Keyboard.PressAsync("Escape");
        await Expect(bob.Page.GetByTestId("palette")).ToHaveCountAsync(0);
        await Expect(bob.ItemOf("ship it?").GetByTestId("react")).ToBeFocusedAsync();
        await Expect(bob.Title).ToHaveTextAsync(aliceId);
        await bob.Page.Keyboard.PressAsync("Enter");
        await bob.Page.Locator("[data-testid=palette-emoji][data-emoji='👍']").ClickAsync();

        var bobThumb = bob.ItemOf("ship it?").Locator("[data-testid=reaction][data-emoji='👍']");
        var aliceThumb = alice.ItemOf("ship it?").Locator("[data-testid=reaction][data-emoji='👍']");
        await Expect(bobThumb).ToHaveTextAsync("👍 1");
        await Expect(bobThumb).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(aliceThumb).ToHaveTextAsync("👍 1");
        await Expect(aliceThumb).ToHaveAttributeAsync("aria-pressed", "false");
        await Expect(aliceThumb).ToHaveAttributeAsync("title", bobId);

        // Alice adds hers by the count itself; Bob takes his back.
        await aliceThumb.ClickAsync();
        await Expect(bobThumb).ToHaveTextAsync("👍 2");
        await Expect(aliceThumb).ToHaveAttributeAsync("aria-pressed", "true");
        await bobThumb.ClickAsync();
        await Expect(aliceThumb).ToHaveTextAsync("👍 1");
        await Expect(bobThumb).ToHaveAttributeAsync("aria-pressed", "false");

        // A second emoji, then a reload: both kept.
        await alice.ItemOf("ship it?").GetByTestId("react").ClickAsync();
        await alice.Page.Locator("[data-testid=palette-emoji][data-emoji='😂']").ClickAsync();
        await Expect(bob.ItemOf("ship it?").GetByTestId("reaction")).ToHaveTextAsync(["👍 1", "😂 1"]);
        await bob.ReloadAsync();
        await bob.OpenAsync(aliceId);
        await Expect(bob.ItemOf("ship it?").GetByTestId("reaction")).ToHaveTextAsync(["👍 1", "😂 1"]);
    }

    [Fact]
    public async Task Reply_QuotesTheOriginal_AndTheQuoteFollowsItsEditAndDeletion()
    {
        var (alice, bob, aliceId, bobId) = await TwoPeopleAsync();
        await alice.StartChatAsync(bobId);
        await alice.SendAsync("lunch at noon or one?");
        await bob.OpenAsync(aliceId);

        // Escape drops a quote (and only the quote).
        await bob.ItemOf("lunch at noon or one?").GetByTestId("reply").ClickAsync();
        await Expect(bob.Page.GetByTestId("reply-preview")).ToContainTextAsync("lunch at noon or one?");
        await Expect(bob.Page.GetByTestId("composer")).ToBeFocusedAsync();
        await bob.Page.GetByTestId("composer").PressAsync("Escape");
        await Expect(bob.Page.GetByTestId("reply-preview")).ToBeHiddenAsync();
        await Expect(bob.Title).ToHaveTextAsync(aliceId);

        await bob.ItemOf("lunch at noon or one?").GetByTestId("reply").ClickAsync();
        await ExpectAccessibleAsync(bob);
        await bob.SendAsync("noon");
        await Expect(bob.Page.GetByTestId("reply-preview")).ToBeHiddenAsync();
        await Expect(bob.ItemOf("noon").GetByTestId("reply-quote")).ToContainTextAsync("lunch at noon or one?");
        await Expect(alice.ItemOf("noon").GetByTestId("reply-quote")).ToContainTextAsync("lunch at noon or one?");
        await Expect(alice.ItemOf("noon").GetByTestId("reply-quote")).ToContainTextAsync("You");

        // The original is edited: the quote follows, live and after a reload.
        await alice.ItemOf("lunch at noon or one?").GetByTestId("edit").ClickAsync();
        await alice.Page.GetByTestId("edit-input").FillAsync("lunch at noon or two?");
        await alice.Page.GetByTestId("edit-input").PressAsync("Enter");
        await Expect(bob.ItemOf("noon").GetByTestId("quote-text")).ToHaveTextAsync("lunch at noon or two?");
        await bob.ReloadAsync();
        await bob.OpenAsync(aliceId);
        await Expect(bob.ItemOf("noon").GetByTestId("quote-text")).ToHaveTextAsync("lunch at noon or two?");

        // Deleted: the quote says so, live and after a reload.
        var status = await alice.Page.EvaluateAsync<int>("""
            async () => {
              const { token } = JSON.parse(sessionStorage.getItem("chatkit.sample"));
              const original = window.chatkit.messages.get(window.chatkit.activeId).items.find((m) => m.content === "lunch at noon or two?");
              return (await fetch("/chats/messages/" + original.id, { method: "DELETE", headers: { Authorization: "Bearer " + token } })).status;
            }
            """);
        Assert.Equal(204, status);
        await Expect(bob.ItemOf("noon").GetByTestId("quote-text")).ToHaveTextAsync("Original message deleted");
        await bob.ReloadAsync();
        await bob.OpenAsync(aliceId);
        await Expect(bob.ItemOf("noon").GetByTestId("quote-text")).ToHaveTextAsync("Original message deleted");
    }

    [Fact]
    public async Task Mention_CompletedFromTheKeyboard_IsHighlighted_AndRaisesAnAtBadgeThatSurvivesAReload()
    {
        var (alice, bob, _, bobId) = await TwoPeopleAsync();
        var carolId = ChatPage.NewUser("carol");
        await alice.StartChatAsync($"{bobId}, {carolId}", "Mentions");
        await Expect(bob.Conversation("Mentions")).ToBeVisibleAsync();

        // "@" lists the other participants; typing narrows; arrows move; Enter picks.
        var composer = alice.Page.GetByTestId("composer");
        await composer.PressSequentiallyAsync("Hi @");
        await Expect(alice.Page.GetByTestId("mention-option")).ToHaveTextAsync([$"@{bobId}", $"@{carolId}"]);
        await ExpectAccessibleAsync(alice);
        await composer.PressAsync("ArrowDown");
        await Expect(alice.Page.GetByTestId("mention-option").Nth(1)).ToHaveAttributeAsync("aria-selected", "true");
        await Expect(composer).ToHaveAttributeAsync("aria-activedescendant", "mention-option-1");
        await composer.PressAsync("ArrowUp");
        await composer.PressSequentiallyAsync("bo");
        await Expect(alice.Page.GetByTestId("mention-option")).ToHaveTextAsync([$"@{bobId}"]);
        await composer.PressAsync("Enter");
        await Expect(alice.Page.GetByTestId("mention-list")).ToBeHiddenAsync();
        await Expect(composer).ToHaveValueAsync($"Hi @{bobId} ");
        await composer.PressSequentiallyAsync("please review");
        await composer.PressAsync("Enter");

        var text = $"Hi @{bobId} please review";
        await Expect(alice.ItemOf(text).GetByTestId("mention")).ToHaveTextAsync($"@{bobId}");
        await Expect(bob.Conversation("Mentions").GetByTestId("mention-badge")).ToHaveTextAsync("@");
        await alice.SendAsync("no mention here");
        await Expect(bob.Conversation("Mentions").GetByTestId("unread-badge")).ToHaveTextAsync("2");

        await bob.ReloadAsync();
        await Expect(bob.Conversation("Mentions").GetByTestId("mention-badge")).ToHaveTextAsync("@");
        await bob.OpenAsync("Mentions");
        await Expect(bob.ItemOf(text)).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("mentions-me"));
        await Expect(bob.ItemOf(text).GetByTestId("mention")).ToHaveTextAsync($"@{bobId}");
        await Expect(bob.Conversation("Mentions").GetByTestId("mention-badge")).ToHaveCountAsync(0);
        await bob.ReloadAsync();
        await Expect(bob.Conversation("Mentions").GetByTestId("mention-badge")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task GroupAdministration_RenameAndMakeAdmin_OwnerOnlyUi_LiveOnTheOtherPage()
    {
        var (alice, bob, _, bobId) = await TwoPeopleAsync();
        var carolId = ChatPage.NewUser("carol");
        await alice.StartChatAsync($"{bobId}, {carolId}", "Launch team");
        await bob.OpenAsync("Launch team");

        // A member has no settings; the owner has.
        await Expect(bob.Page.GetByTestId("manage-group")).ToBeHiddenAsync();
        await alice.Page.GetByTestId("manage-group").ClickAsync();
        await Expect(alice.Page.GetByTestId("rename-input")).ToBeFocusedAsync();
        await Expect(alice.Page.GetByTestId("rename-input")).ToHaveValueAsync("Launch team");
        await ExpectAccessibleAsync(alice);

        await alice.Page.GetByTestId("rename-input").FillAsync("Rocket team");
        await alice.Page.GetByTestId("rename-input").PressAsync("Enter");
        await Expect(alice.Title).ToHaveTextAsync("Rocket team");
        await Expect(bob.Title).ToHaveTextAsync("Rocket team");
        await Expect(bob.Conversation("Rocket team")).ToBeVisibleAsync();
        await Expect(bob.Page.GetByTestId("system-message")).ToContainTextAsync([$"renamed the group to \"Rocket team\""]);

        var bobRow = alice.Page.Locator($"[data-testid=member][data-user-id='{bobId}']");
        await Expect(bobRow.GetByTestId("member-role")).ToHaveTextAsync("member");
        await bobRow.GetByTestId("role-toggle").ClickAsync();
        await Expect(bobRow.GetByTestId("member-role")).ToHaveTextAsync("admin");
        await Expect(bobRow.GetByTestId("role-toggle")).ToContainTextAsync("Make member");

        // Bob, now admin, gets the settings live: he may rename, but only the owner changes roles.
        await Expect(bob.Page.GetByTestId("manage-group")).ToBeVisibleAsync();
        await bob.Page.GetByTestId("manage-group").ClickAsync();
        await Expect(bob.Page.Locator($"[data-testid=member][data-user-id='{bobId}']").GetByTestId("member-role")).ToHaveTextAsync("admin");
        await Expect(bob.Page.GetByTestId("role-toggle")).ToHaveCountAsync(0);
        await bob.Page.GetByTestId("rename-input").FillAsync("Moon team");
        await bob.Page.GetByTestId("rename-save").ClickAsync();
        await Expect(alice.Title).ToHaveTextAsync("Moon team");

        // Made a member again, his settings go away.
        await bobRow.GetByTestId("role-toggle").ClickAsync();
        await Expect(bob.Page.GetByTestId("manage-group")).ToBeHiddenAsync();
        await Expect(bob.Page.GetByTestId("group-settings")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task OnAPhone_TheNewControls_FitTheScreen_AndPassTheAccessibilityCheck()
    {
        var bobId = ChatPage.NewUser("bob");
        var alice = new ChatPage(await browser.OpenAsync(site.Address, Browser.Phone));
        await alice.SignInAsync(ChatPage.NewUser("alice"));
        await alice.StartChatAsync($"{bobId}, {ChatPage.NewUser("carol")}", "Phone team");
        await alice.SendAsync($"A long first message for @{bobId}, long enough to wrap on a phone's narrow screen");
        var message = alice.Messages.First;
        await Expect(message.GetByTestId("message-status")).ToHaveAttributeAsync("data-status", "sent");

        // Settings, palette and the reply quote open at once; nothing sticks out of the 390 px wide screen.
        await alice.Page.GetByTestId("manage-group").ClickAsync();
        await message.GetByTestId("react").ClickAsync();
        await alice.Page.GetByTestId("palette-emoji").First.ClickAsync();
        await Expect(message.GetByTestId("reaction")).ToHaveTextAsync(["👍 1"]);
        await message.GetByTestId("reply").ClickAsync();
        await Expect(alice.Page.GetByTestId("reply-preview")).ToBeVisibleAsync();
        await ExpectAccessibleAsync(alice);
        // Text cut with an ellipsis inside a box that clips it does not count: the box does.
        var sticksOut = await alice.Page.EvaluateAsync<string[]>("""
            (width) => [...document.querySelectorAll("#conversation *")]
              .filter((e) => e.getClientRects().length > 0 && !e.closest(".visually-hidden"))
              .filter((e) => e.getBoundingClientRect().right > width + 0.5)
              .filter((e) => { for (let p = e.parentElement; p; p = p.parentElement) { if (getComputedStyle(p).overflowX !== "visible") return p.getBoundingClientRect().right > width + 0.5; } return true; })
              .map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)
            """, Browser.Phone.Width);
        Assert.True(sticksOut.Length == 0, $"beyond the {Browser.Phone.Width} px wide screen: " + string.Join(", ", sticksOut));
        await Screenshots.SaveAsync(alice.Page, "sample-phone-interactions.png");
    }
}
