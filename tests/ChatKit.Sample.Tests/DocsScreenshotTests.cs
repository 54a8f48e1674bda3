using static Microsoft.Playwright.Assertions;

namespace ChatKit.Sample.Tests;

/// <summary>
/// The screenshots of the page that README.md and the sample's README show (docs/images), remade by every run on a
/// sample of their own, so the names are plain and the pictures stay current.
/// </summary>
public sealed class DocsScreenshotTests(SampleSite site, Browser browser) : IClassFixture<SampleSite>, IClassFixture<Browser>
{
    [Fact]
    public async Task Screenshots_DesktopAndPhone_ShowAGroupConversation()
    {
        var alice = new ChatPage(await browser.OpenAsync(site.Address, new() { Width = 1200, Height = 760 }));
        var bob = new ChatPage(await browser.OpenAsync(site.Address));
        var carol = new ChatPage(await browser.OpenAsync(site.Address, Browser.Phone));
        await alice.SignInAsync("alice");
        await bob.SignInAsync("bob");
        await carol.SignInAsync("carol");

        await alice.StartChatAsync("bob");
        await alice.SendAsync("Lunch at noon?");
        await Expect(bob.Conversation("alice")).ToBeVisibleAsync();
        await bob.OpenAsync("alice");
        await bob.SendAsync("Yes, see you there");
        await Expect(alice.Message("Yes, see you there")).ToBeVisibleAsync();

        await alice.StartChatAsync("bob, carol", "Launch team");
        await alice.SendAsync("The release is tagged: thanks, both of you!");
        await bob.OpenAsync("Launch team");
        await bob.SendAsync("Great work. I'll post the notes.");
        // Stored before Carol answers, so the order (and the pictures) are the same on every run.
        await Expect(alice.Message("Great work. I'll post the notes.")).ToBeVisibleAsync();
        await carol.OpenAsync("Launch team");
        await carol.SendAsync("Deploying to production now.");
        await Expect(alice.Message("Deploying to production now.")).ToBeVisibleAsync();
        await Expect(alice.StatusOf("The release is tagged: thanks, both of you!")).ToHaveAttributeAsync("data-status", "read");
        await bob.Page.GetByTestId("composer").PressSequentiallyAsync("Sounds");
        await Expect(alice.Typing).ToHaveTextAsync("bob is typing…");
        await Expect(carol.Typing).ToHaveTextAsync("bob is typing…");

        await Screenshots.SaveForDocsAsync(alice.Page, "sample-desktop.png");
        await Screenshots.SaveForDocsAsync(carol.Page, "sample-mobile-conversation.png");
        await carol.Page.GetByTestId("back").ClickAsync();
        await Expect(carol.Conversation("Launch team")).ToBeFocusedAsync();
        await Screenshots.SaveForDocsAsync(carol.Page, "sample-mobile-list.png");
    }
}
