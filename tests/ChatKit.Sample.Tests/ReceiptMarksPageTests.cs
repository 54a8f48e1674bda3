using static Microsoft.Playwright.Assertions;

namespace ChatKit.Sample.Tests;

/// <summary>Sent, delivered and read marks on the sample's page, from live events and, after a reload, from the stored positions.</summary>
public sealed class ReceiptMarksPageTests(SampleSite site, Browser browser) : IClassFixture<SampleSite>, IClassFixture<Browser>
{
    [Fact]
    public async Task Direct_SentThenDeliveredThenRead_AndEachSurvivesAReload()
    {
        var aliceId = ChatPage.NewUser("alice");
        var bobId = ChatPage.NewUser("bob");
        var alice = new ChatPage(await browser.OpenAsync(site.Address));
        await alice.SignInAsync(aliceId);
        await alice.StartChatAsync(bobId);
        await alice.SendAsync("before Bob came");
        await Expect(alice.StatusOf("before Bob came")).ToHaveAttributeAsync("data-status", "sent");

        // Bob signs in elsewhere: his page acknowledges what it loaded, without opening the conversation.
        var bob = new ChatPage(await browser.OpenAsync(site.Address));
        await bob.SignInAsync(bobId);
        await Expect(bob.Conversation(aliceId).GetByTestId("unread-badge")).ToHaveTextAsync("1");
        await Expect(alice.StatusOf("before Bob came")).ToHaveAttributeAsync("data-status", "delivered");
        await Expect(alice.StatusOf("before Bob came")).ToHaveTextAsync("✓✓ delivered");
        await alice.SendAsync("while Bob is here");
        await Expect(alice.StatusOf("while Bob is here")).ToHaveAttributeAsync("data-status", "delivered");

        await alice.Page.ReloadAsync();
        await alice.ExpectConnectedAsync();
        await alice.OpenAsync(bobId);
        await Expect(alice.StatusOf("while Bob is here")).ToHaveAttributeAsync("data-status", "delivered");

        await bob.OpenAsync(aliceId);
        await Expect(alice.StatusOf("while Bob is here")).ToHaveAttributeAsync("data-status", "read");
        await alice.Page.ReloadAsync();
        await alice.ExpectConnectedAsync();
        await alice.OpenAsync(bobId);
        await Expect(alice.StatusOf("before Bob came")).ToHaveAttributeAsync("data-status", "read");
        await Expect(alice.StatusOf("while Bob is here")).ToHaveAttributeAsync("data-status", "read");
    }

    [Fact]
    public async Task Group_ShowsReadByN_WithTheReadersNamesOnHover()
    {
        var aliceId = ChatPage.NewUser("alice");
        var bobId = ChatPage.NewUser("bob");
        var carolId = ChatPage.NewUser("carol");
        var alice = new ChatPage(await browser.OpenAsync(site.Address));
        var bob = new ChatPage(await browser.OpenAsync(site.Address));
        await alice.SignInAsync(aliceId);
        await bob.SignInAsync(bobId);
        await alice.StartChatAsync($"{bobId}, {carolId}", "Readers");
        await alice.SendAsync("who reads this?");
        await Expect(alice.StatusOf("who reads this?")).ToHaveAttributeAsync("data-status", "delivered");

        await bob.OpenAsync("Readers");
        await Expect(alice.StatusOf("who reads this?")).ToHaveTextAsync("✓✓ read by 1");
        await Expect(alice.StatusOf("who reads this?")).ToHaveAttributeAsync("title", $"Read by {bobId}");

        await alice.Page.ReloadAsync();
        await alice.ExpectConnectedAsync();
        await alice.OpenAsync("Readers");
        await Expect(alice.StatusOf("who reads this?")).ToHaveTextAsync("✓✓ read by 1");
    }
}
