using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChatKit.Sample.Tests;

/// <summary>Group changes made through the REST API show on the sample's page as system lines, never as unread.</summary>
public sealed class GroupChangesPageTests(SampleSite site, Browser browser) : IClassFixture<SampleSite>, IClassFixture<Browser>
{
    /// <summary>Renames a group and makes a member admin with the page's own token, as a host's admin screen would.</summary>
    private const string RenameAndPromote = """
        async ({ name, newName, memberId }) => {
          const { token } = JSON.parse(sessionStorage.getItem("chatkit.sample"));
          const headers = { "Authorization": "Bearer " + token, "Content-Type": "application/json" };
          const list = await (await fetch("/chats/conversations", { headers })).json();
          const id = list.items.find((c) => c.name === name).id;
          const renamed = await fetch("/chats/conversations/" + id, { method: "PATCH", headers, body: JSON.stringify({ name: newName }) });
          const promoted = await fetch(`/chats/conversations/${id}/participants/${memberId}/role`, { method: "PUT", headers, body: JSON.stringify({ role: "admin" }) });
          return [renamed.status, promoted.status];
        }
        """;

    [Fact]
    public async Task RenameAndRoleChange_ShowAsSystemLines_UpdateTheTitle_AndRaiseNoUnreadBadge()
    {
        var aliceId = ChatPage.NewUser("alice");
        var bobId = ChatPage.NewUser("bob");
        var carolId = ChatPage.NewUser("carol");
        var alice = new ChatPage(await browser.OpenAsync(site.Address));
        var bob = new ChatPage(await browser.OpenAsync(site.Address));
        await alice.SignInAsync(aliceId);
        await bob.SignInAsync(bobId);
        await alice.StartChatAsync($"{bobId}, {carolId}", "Launch team");
        await alice.SendAsync("Welcome");
        await Expect(bob.Conversation("Launch team").GetByTestId("unread-badge")).ToHaveTextAsync("1");
        await bob.OpenAsync("Launch team");
        await Expect(bob.Message("Welcome")).ToBeVisibleAsync();

        // Bob moves to another conversation, so anything that counted as unread would raise a badge.
        await bob.StartChatAsync(ChatPage.NewUser("dave"));
        var statuses = await alice.Page.EvaluateAsync<int[]>(RenameAndPromote, new { name = "Launch team", newName = "Rocket team", memberId = carolId });
        Assert.Equal([200, 200], statuses);

        // On Alice's open page the lines arrive live, and the title follows the rename.
        await Expect(alice.Page.GetByTestId("system-message")).ToHaveTextAsync([$"{aliceId} renamed the group to \"Rocket team\"", $"{aliceId} made {carolId} an admin"]);
        await Expect(alice.Page.GetByTestId("conversation-title")).ToHaveTextAsync("Rocket team");
        await alice.SendAsync("After");

        // Bob's list counted only the text message: events arrive in order, so the system ones came first and added nothing.
        await Expect(bob.Conversation("Rocket team").GetByTestId("unread-badge")).ToHaveTextAsync("1");
        await bob.OpenAsync("Rocket team");
        await Expect(bob.Page.GetByTestId("system-message")).ToHaveTextAsync([$"{aliceId} renamed the group to \"Rocket team\"", $"{aliceId} made {carolId} an admin"]);
        await Expect(bob.MessageTexts).ToHaveTextAsync(["Welcome", "After"]);
        await Expect(bob.Conversation("Rocket team").GetByTestId("unread-badge")).ToHaveCountAsync(0);
        await Expect(alice.StatusOf("After")).ToHaveAttributeAsync("data-status", "read");

        // A reload keeps the lines in history, and Alice's read mark (from Bob's stored read position).
        await alice.Page.ReloadAsync();
        await alice.ExpectConnectedAsync();
        await alice.OpenAsync("Rocket team");
        await Expect(alice.Page.GetByTestId("system-message")).ToHaveCountAsync(2);
        await Expect(alice.StatusOf("After")).ToHaveAttributeAsync("data-status", "read");
    }
}
