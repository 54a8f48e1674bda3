using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChatKit.Sample.Tests;

/// <summary>What a person does on the sample's page, in the page's own terms (its data-testid attributes).</summary>
public sealed class ChatPage(IPage page)
{
    public IPage Page => page;

    public ILocator Connection => page.GetByTestId("connection-state");

    public ILocator Messages => page.GetByTestId("message");

    public ILocator MessageTexts => page.GetByTestId("message-content");

    public ILocator Typing => page.GetByTestId("typing");

    public static string NewUser(string name) => $"{name}-{Guid.NewGuid().ToString("N")[..6]}";

    public async Task SignInAsync(string userId)
    {
        await page.GetByTestId("login-name").FillAsync(userId);
        await page.GetByTestId("login-submit").ClickAsync();
        await ExpectConnectedAsync();
        await Expect(page.GetByTestId("me")).ToHaveTextAsync(userId);
    }

    public Task ExpectConnectedAsync() => Expect(Connection).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 30_000 });

    public async Task StartChatAsync(string users, string? groupName = null)
    {
        await page.GetByTestId("new-chat-users").FillAsync(users);
        if (groupName is not null)
        {
            await page.GetByTestId("new-chat-name").FillAsync(groupName);
        }

        await page.GetByTestId("new-chat-submit").ClickAsync();
        await Expect(page.GetByTestId("conversation-title")).ToBeVisibleAsync();
    }

    public ILocator Conversation(string title) =>
        page.GetByTestId("conversation").Filter(new() { Has = page.GetByTestId("conversation-name").GetByText(title, new() { Exact = true }) });

    public async Task OpenAsync(string title)
    {
        await Conversation(title).ClickAsync();
        await Expect(page.GetByTestId("conversation-title")).ToHaveTextAsync(title);
    }

    public async Task SendAsync(string text)
    {
        await page.GetByTestId("composer").FillAsync(text);
        await page.GetByTestId("composer").PressAsync("Enter");
    }

    public ILocator Message(string text) => MessageTexts.GetByText(text, new() { Exact = true });

    /// <summary>The sent/read mark of my message with this text.</summary>
    public ILocator StatusOf(string text) =>
        Messages.Filter(new() { Has = Message(text) }).GetByTestId("message-status");
}
