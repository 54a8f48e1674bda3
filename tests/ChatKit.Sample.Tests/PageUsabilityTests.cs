using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChatKit.Sample.Tests;

/// <summary>The page for people who use a keyboard, a screen reader or a phone.</summary>
public sealed class PageUsabilityTests(SampleSite site, Browser browser) : IClassFixture<SampleSite>, IClassFixture<Browser>
{
    [Fact]
    public async Task Keyboard_SignInStartChatsSendAndSwitch_WithoutAMouse()
    {
        var aliceId = ChatPage.NewUser("alice");
        var bobId = ChatPage.NewUser("bob");
        var carolId = ChatPage.NewUser("carol");
        var alice = new ChatPage(await browser.OpenAsync(site.Address));
        var keyboard = alice.Page.Keyboard;

        await TabUntilFocusedAsync(alice.Page, alice.Page.GetByTestId("login-name"), "Tab");
        await keyboard.TypeAsync(aliceId);
        await keyboard.PressAsync("Enter");
        await alice.ExpectConnectedAsync();

        // After sign-in the focus waits in "New conversation": type a name, Enter, and the composer has the focus.
        await Expect(alice.Page.GetByTestId("new-chat-users")).ToBeFocusedAsync();
        await keyboard.TypeAsync(bobId);
        await keyboard.PressAsync("Enter");
        await Expect(alice.Page.GetByTestId("conversation-title")).ToHaveTextAsync(bobId);
        await Expect(alice.Page.GetByTestId("composer")).ToBeFocusedAsync();
        await keyboard.TypeAsync("typed, not clicked");
        await keyboard.PressAsync("Enter");
        await Expect(alice.StatusOf("typed, not clicked")).ToHaveAttributeAsync("data-status", "sent");

        // Escape goes back to the list, onto the conversation just left.
        await keyboard.PressAsync("Escape");
        await Expect(alice.Conversation(bobId)).ToBeFocusedAsync();
        await TabUntilFocusedAsync(alice.Page, alice.Page.GetByTestId("new-chat-users"), "Shift+Tab");
        await keyboard.TypeAsync(carolId);
        await keyboard.PressAsync("Enter");
        await Expect(alice.Page.GetByTestId("conversation-title")).ToHaveTextAsync(carolId);
        // Opened: its history loaded and the focus in its composer, where Escape belongs to the conversation.
        await Expect(alice.Page.GetByTestId("composer")).ToBeFocusedAsync();

        // Conversations are buttons in the tab order: back to Bob's with Escape, Tab and Enter.
        await keyboard.PressAsync("Escape");
        await Expect(alice.Conversation(carolId)).ToBeFocusedAsync();
        await TabUntilFocusedAsync(alice.Page, alice.Conversation(bobId), "Tab");
        await keyboard.PressAsync("Enter");
        await Expect(alice.Page.GetByTestId("conversation-title")).ToHaveTextAsync(bobId);
        await Expect(alice.Message("typed, not clicked")).ToBeVisibleAsync();
        await Expect(alice.Conversation(bobId)).ToHaveAttributeAsync("aria-current", "true");
    }

    [Fact]
    public async Task ConversationList_HoldsStillUnderThePointer_AndReSortsWhenItLeaves()
    {
        var aliceId = ChatPage.NewUser("alice");
        var bobId = ChatPage.NewUser("bob");
        var carolId = ChatPage.NewUser("carol");
        var alice = new ChatPage(await browser.OpenAsync(site.Address));
        var carol = new ChatPage(await browser.OpenAsync(site.Address));
        await alice.SignInAsync(aliceId);
        await carol.SignInAsync(carolId);
        await alice.StartChatAsync(carolId);
        await alice.SendAsync("older");
        await alice.StartChatAsync(bobId);
        await alice.SendAsync("newer");
        var names = alice.Page.GetByTestId("conversation-name");
        await Expect(names).ToHaveTextAsync([bobId, carolId]);

        // The pointer rests on Bob's item, at the top, when Carol's message would move her conversation there.
        await alice.Conversation(bobId).HoverAsync();
        await carol.OpenAsync(aliceId);
        await carol.SendAsync("moves to the top");
        await Expect(alice.Conversation(carolId).GetByTestId("unread-badge")).ToHaveTextAsync("1");
        await Expect(names).ToHaveTextAsync([bobId, carolId]);

        // The press lands on what the pointer was aimed at; leaving the list re-sorts it.
        await alice.Page.Mouse.DownAsync();
        await alice.Page.Mouse.UpAsync();
        await Expect(alice.Page.GetByTestId("conversation-title")).ToHaveTextAsync(bobId);
        await alice.Page.GetByTestId("composer").HoverAsync();
        await Expect(names).ToHaveTextAsync([carolId, bobId]);
    }

    [Fact]
    public async Task NarrowScreen_ListViewThenConversationViewWithBack_AndAReloadReopensTheConversation()
    {
        var aliceId = ChatPage.NewUser("alice");
        var bobId = ChatPage.NewUser("bob");
        var alice = new ChatPage(await browser.OpenAsync(site.Address, Browser.Phone));
        await alice.SignInAsync(aliceId);

        // The list fills the screen; no conversation pane beside it.
        await Expect(alice.Page.GetByTestId("new-chat-users")).ToBeVisibleAsync();
        await Expect(alice.Page.GetByTestId("no-conversations")).ToBeVisibleAsync();
        await Expect(alice.Page.GetByTestId("empty")).Not.ToBeVisibleAsync();

        // A conversation takes the whole screen, with a back button; the composer is on screen.
        await alice.StartChatAsync(bobId);
        await alice.SendAsync("from my phone");
        await Expect(alice.StatusOf("from my phone")).ToHaveAttributeAsync("data-status", "sent");
        await Expect(alice.Page.GetByTestId("new-chat-users")).Not.ToBeVisibleAsync();
        await Expect(alice.Page.GetByTestId("back")).ToBeVisibleAsync();
        await Expect(alice.Page.GetByTestId("composer")).ToBeInViewportAsync();
        var pane = await alice.Page.GetByTestId("messages").BoundingBoxAsync();
        Assert.True(pane!.Width >= Browser.Phone.Width - 2, $"the messages are {pane.Width} px wide on a {Browser.Phone.Width} px screen");
        Assert.True(pane.Height >= Browser.Phone.Height / 2, $"the messages get {pane.Height} px of {Browser.Phone.Height}");

        // A reload comes back to the conversation that was open.
        await alice.Page.ReloadAsync();
        await alice.ExpectConnectedAsync();
        await Expect(alice.Page.GetByTestId("conversation-title")).ToHaveTextAsync(bobId);
        await Expect(alice.Message("from my phone")).ToBeVisibleAsync();

        // Back shows the list again, and a tap reopens the conversation.
        await alice.Page.GetByTestId("back").ClickAsync();
        await Expect(alice.Page.GetByTestId("messages")).Not.ToBeVisibleAsync();
        await Expect(alice.Conversation(bobId)).ToBeVisibleAsync();
        await alice.Page.ReloadAsync();
        await alice.ExpectConnectedAsync();
        await Expect(alice.Conversation(bobId)).ToBeVisibleAsync();
        await Expect(alice.Page.GetByTestId("messages")).Not.ToBeVisibleAsync();
        await alice.Conversation(bobId).TapAsync();
        await Expect(alice.Message("from my phone")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task AccessibilityCheck_SignInDesktopAndPhone_HaveNoSeriousOrCriticalViolations()
    {
        var aliceId = ChatPage.NewUser("alice");
        var bobId = ChatPage.NewUser("bob");
        var carolId = ChatPage.NewUser("carol");
        var alice = new ChatPage(await browser.OpenAsync(site.Address));
        var violations = new List<string>();

        // The tab shows the page's own icon.
        var icon = await alice.Page.Locator("link[rel=icon]").GetAttributeAsync("href");
        var iconResponse = await alice.Page.APIRequest.GetAsync(icon!);
        Assert.Equal(200, iconResponse.Status);
        Assert.StartsWith("image/svg+xml", iconResponse.Headers["content-type"], StringComparison.Ordinal);

        // An empty sign-in says what to do, next to the field.
        await alice.Page.GetByTestId("login-submit").ClickAsync();
        await Expect(alice.Page.GetByTestId("login-error")).ToContainTextAsync("Type a user name");
        await Expect(alice.Page.GetByTestId("login-name")).ToBeFocusedAsync();
        violations.AddRange(await Accessibility.SeriousViolationsAsync(alice.Page));

        await alice.SignInAsync(aliceId);
        violations.AddRange(await Accessibility.SeriousViolationsAsync(alice.Page));
        await alice.StartChatAsync($"{bobId}, {carolId}", "Launch team");
        await alice.SendAsync("Welcome, both of you");
        await Expect(alice.StatusOf("Welcome, both of you")).ToHaveAttributeAsync("data-status", "sent");
        await Expect(alice.Page.GetByTestId("conversation-subtitle")).ToContainTextAsync(bobId);
        await Expect(alice.Page.GetByTestId("conversation-subtitle")).ToContainTextAsync(carolId);
        violations.AddRange(await Accessibility.SeriousViolationsAsync(alice.Page));

        var phone = new ChatPage(await browser.OpenAsync(site.Address, Browser.Phone));
        await phone.SignInAsync(bobId);
        violations.AddRange(await Accessibility.SeriousViolationsAsync(phone.Page));
        await phone.OpenAsync("Launch team");
        violations.AddRange(await Accessibility.SeriousViolationsAsync(phone.Page));

        Assert.True(violations.Count == 0, "axe-core found:\n" + string.Join('\n', violations.Distinct()));
    }

    [Fact]
    public async Task MessagesOlderThanToday_ShowTheirDate_TodaysOnlyTheTime()
    {
        var bobId = ChatPage.NewUser("bob");
        var alice = new ChatPage(await browser.OpenAsync(site.Address));
        await alice.SignInAsync(ChatPage.NewUser("alice"));
        await alice.StartChatAsync(bobId);
        await alice.SendAsync("sent today");
        var time = alice.Messages.Filter(new() { Has = alice.Message("sent today") }).GetByTestId("message-time");
        await Expect(time).ToHaveTextAsync(new Regex(@"^\d{1,2}:\d{2}"));

        // Three days later, in the browser's clock: the same message carries its date.
        await alice.Page.Clock.SetFixedTimeAsync(DateTime.Now.AddDays(3));
        await alice.Page.ReloadAsync();
        await alice.ExpectConnectedAsync();
        await Expect(alice.Page.GetByTestId("conversation-title")).ToHaveTextAsync(bobId);
        var date = DateTime.Now.ToString("MMM d", CultureInfo.GetCultureInfo("en-US"));
        await Expect(time).ToHaveTextAsync(new Regex($"^{date}(, \\d{{4}})?, \\d{{1,2}}:\\d{{2}}"));
    }

    private static async Task TabUntilFocusedAsync(IPage page, ILocator target, string key)
    {
        for (var presses = 0; presses < 25; presses++)
        {
            if (await target.EvaluateAsync<bool>("element => element === document.activeElement"))
            {
                return;
            }

            await page.Keyboard.PressAsync(key);
        }

        Assert.Fail($"{key} never reached {target}");
    }
}

/// <summary>A page whose user may send one message per five seconds.</summary>
public sealed class RateLimitedSampleSite : SampleSite
{
    protected override IEnumerable<string> Settings =>
        ["--ChatKit:SendRateLimit:PermitLimit", "1", "--ChatKit:SendRateLimit:Window", "00:00:05"];
}

/// <summary>A message the rate limit refuses stays on the page, marked, and is sent by its retry.</summary>
public sealed class RateLimitTests(RateLimitedSampleSite site, Browser browser) : IClassFixture<RateLimitedSampleSite>, IClassFixture<Browser>
{
    [Fact]
    public async Task RefusedByTheRateLimit_StaysMarkedWithARetry_ThatSendsItOnce()
    {
        var alice = new ChatPage(await browser.OpenAsync(site.Address));
        await alice.SignInAsync(ChatPage.NewUser("alice"));
        await alice.StartChatAsync(ChatPage.NewUser("bob"));

        await alice.SendAsync("first");
        await alice.SendAsync("second, too soon");

        var refused = alice.Messages.Filter(new() { Has = alice.Message("second, too soon") });
        await Expect(refused.GetByTestId("message-status")).ToHaveAttributeAsync("data-status", "refused");
        await Expect(refused.GetByTestId("message-status")).ToContainTextAsync("Not sent");
        await Expect(alice.Page.GetByTestId("toast")).Not.ToBeVisibleAsync();

        // Retry until the bucket has refilled (one permit per 5 s); each attempt ends refused again or sent, never lost.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var retry = refused.GetByTestId("retry");
            if (await retry.CountAsync() == 0)
            {
                break;
            }

            await retry.ClickAsync();
            await Expect(refused.GetByTestId("message-status")).Not.ToHaveAttributeAsync("data-status", "pending", new() { Timeout = 15_000 });
        }

        await Expect(alice.StatusOf("second, too soon")).ToHaveAttributeAsync("data-status", "sent");
        await Expect(alice.MessageTexts).ToHaveTextAsync(["first", "second, too soon"]);
    }
}
