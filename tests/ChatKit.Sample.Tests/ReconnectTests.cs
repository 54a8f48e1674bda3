using static Microsoft.Playwright.Assertions;

namespace ChatKit.Sample.Tests;

/// <summary>The page through a server restart: the connection state shows, and nothing sent or edited meanwhile is lost.</summary>
public sealed class ReconnectTests(SampleSite site, Browser browser) : IClassFixture<SampleSite>, IClassFixture<Browser>
{
    [Fact]
    public async Task ServerRestart_ShowsReconnecting_ResendsWhatWasTypedOffline_AndTheOtherSideCatchesUpOnMessagesAndEdits()
    {
        var aliceId = ChatPage.NewUser("alice");
        var bobId = ChatPage.NewUser("bob");
        var alice = new ChatPage(await browser.OpenAsync(site.Address));
        var bob = new ChatPage(await browser.OpenAsync(site.Address));
        await alice.SignInAsync(aliceId);
        await bob.SignInAsync(bobId);
        await alice.StartChatAsync(bobId);
        await alice.SendAsync("before the restart");
        await bob.OpenAsync(aliceId);
        await Expect(bob.Message("before the restart")).ToBeVisibleAsync();

        // Bob's page may not reconnect until the test says so: it must then catch up on what it missed.
        var bobMayReconnect = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await bob.Page.RouteAsync("**/chat/negotiate**", async route =>
        {
            await bobMayReconnect.Task;
            await route.ContinueAsync();
        });

        await site.RestartAsync(async () =>
        {
            await Expect(alice.Connection).ToHaveAttributeAsync("data-state", "reconnecting");
            await Expect(bob.Connection).ToHaveAttributeAsync("data-state", "reconnecting");
            await alice.SendAsync("typed while the server was down");
            await Expect(alice.StatusOf("typed while the server was down")).ToHaveAttributeAsync("data-status", "failed");
        });

        // Alice comes back and her message goes out with its original tempId; Bob is still away, and says so.
        await Expect(bob.Connection).ToBeVisibleAsync();
        await Expect(bob.Connection).ToContainTextAsync("Reconnecting");
        await Screenshots.SaveAsync(bob.Page, "sample-reconnecting.png");

        await alice.ExpectConnectedAsync();
        await Expect(alice.StatusOf("typed while the server was down")).ToHaveAttributeAsync("data-status", "sent", new() { Timeout = 30_000 });
        await Expect(bob.Connection).ToHaveAttributeAsync("data-state", "reconnecting");
        await Expect(bob.Message("typed while the server was down")).ToHaveCountAsync(0);

        // An edit Bob misses too: no history page would bring it, the client's sync from its cursor does.
        await alice.Page.EvaluateAsync("""
            async () => {
              const page = window.chatkit;
              const message = page.messages.get(page.activeId).items.find((m) => m.content === "before the restart");
              await page.client.editMessage(message.id, "before the restart, edited");
            }
            """);

        bobMayReconnect.SetResult();
        await bob.ExpectConnectedAsync();
        await Expect(bob.Connection).ToBeHiddenAsync();
        await Expect(bob.MessageTexts).ToHaveTextAsync(["before the restart, edited", "typed while the server was down"]);
        await Expect(alice.MessageTexts).ToHaveTextAsync(["before the restart, edited", "typed while the server was down"]);
    }
}
