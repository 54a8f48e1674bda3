using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChatKit.Sample.Tests;

/// <summary>What a person does on the sample's page, in the page's own terms (its data-testid attributes).</summary>
public sealed class ChatPage(IPage page)
{
    private readonly List<string> _problems = Watch(page);

    /// <summary>The browser page.</summary>
    public IPage Page => page;

    /// <summary>The connection-state banner (its data-state is connecting, connected, reconnecting, recovering or disconnected).</summary>
    public ILocator Connection => page.GetByTestId("connection-state");

    /// <summary>The messages of the open conversation, pending ones included.</summary>
    public ILocator Messages => page.GetByTestId("message");

    /// <summary>The text bubbles of those messages.</summary>
    public ILocator MessageTexts => page.GetByTestId("message-content");

    /// <summary>The typing indicator line.</summary>
    public ILocator Typing => page.GetByTestId("typing");

    /// <summary>A user id of its own for each test, so tests sharing a database never meet.</summary>
    public static string NewUser(string name) => $"{name}-{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>Signs in as <paramref name="userId"/> through the demo sign-in and waits until connected.</summary>
    public async Task SignInAsync(string userId)
    {
        await page.GetByTestId("login-name").FillAsync(userId);
        await page.GetByTestId("login-submit").ClickAsync();
        await ExpectConnectedAsync();
        await Expect(page.GetByTestId("me")).ToHaveTextAsync(userId);
    }

    /// <summary>Waits until the page is connected and has caught up.</summary>
    public Task ExpectConnectedAsync() => Expect(Connection).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 30_000 });

    /// <summary>Starts a direct conversation (one user) or a group (several users and a name) and waits until it is open.</summary>
    public async Task StartChatAsync(string users, string? groupName = null)
    {
        await page.GetByTestId("new-chat-users").FillAsync(users);
        if (groupName is not null)
        {
            await page.GetByTestId("new-chat-name").FillAsync(groupName);
        }

        await page.GetByTestId("new-chat-submit").ClickAsync();

        // Wait for the new conversation itself, not any open one: until it is open, messages to the previous one are
        // read on arrival (it is still on screen), which is not what a test starting a new chat means to check.
        try
        {
            await Expect(page.GetByTestId("conversation-title")).ToHaveTextAsync(groupName ?? users.Trim(), new() { Timeout = 15_000 });
        }
        catch (PlaywrightException exception)
        {
            throw new InvalidOperationException($"The new conversation did not open. {await DescribeAsync()}", exception);
        }
    }

    /// <summary>What the page shows and reported that explains a failed step: its toast, banner, title and console errors.</summary>
    public async Task<string> DescribeAsync()
    {
        var toast = page.GetByTestId("toast");
        var toastText = await toast.IsVisibleAsync() ? await toast.TextContentAsync() : null;
        var banner = await Connection.GetAttributeAsync("data-state");
        var title = await page.GetByTestId("conversation-title").TextContentAsync();
        string[] problems;
        lock (_problems)
        {
            problems = [.. _problems];
        }

        return $"Toast: {toastText ?? "(none)"}; connection: {banner}; title: {title}; console: "
            + (problems.Length == 0 ? "(nothing)" : string.Join(" | ", problems));
    }

    private static List<string> Watch(IPage page)
    {
        var problems = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                lock (problems)
                {
                    problems.Add($"console.{message.Type}: {message.Text}");
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (problems)
            {
                problems.Add($"page error: {error}");
            }
        };
        return problems;
    }

    /// <summary>The conversation list item titled <paramref name="title"/>.</summary>
    public ILocator Conversation(string title) =>
        page.GetByTestId("conversation").Filter(new() { Has = page.GetByTestId("conversation-name").GetByText(title, new() { Exact = true }) });

    /// <summary>Opens the conversation titled <paramref name="title"/> from the list.</summary>
    public async Task OpenAsync(string title)
    {
        // The list re-sorts when a message arrives, so a click aimed at an item can land on the one that moved into its
        // place: click again (at most twice more) while the title says another conversation opened.
        for (var attempt = 1; attempt < 3; attempt++)
        {
            await Conversation(title).ClickAsync();
            try
            {
                await Expect(page.GetByTestId("conversation-title")).ToHaveTextAsync(title, new() { Timeout = 3_000 });
                return;
            }
            catch (PlaywrightException)
            {
            }
        }

        await Conversation(title).ClickAsync();
        await Expect(page.GetByTestId("conversation-title")).ToHaveTextAsync(title);
    }

    /// <summary>Types <paramref name="text"/> in the composer and presses Enter.</summary>
    public async Task SendAsync(string text)
    {
        await page.GetByTestId("composer").FillAsync(text);
        await page.GetByTestId("composer").PressAsync("Enter");
    }

    /// <summary>The bubble whose whole text is <paramref name="text"/>.</summary>
    public ILocator Message(string text) => MessageTexts.GetByText(text, new() { Exact = true });

    /// <summary>The message item (bubble, quote, reactions, meta and actions) whose bubble's whole text is <paramref name="text"/>.</summary>
    public ILocator ItemOf(string text) => Messages.Filter(new() { Has = Message(text) });

    /// <summary>The conversation header's title.</summary>
    public ILocator Title => page.GetByTestId("conversation-title");

    /// <summary>Reloads the page and waits until it is connected again.</summary>
    public async Task ReloadAsync()
    {
        await page.ReloadAsync();
        await ExpectConnectedAsync();
    }

    /// <summary>The sent/read mark of my message with this text.</summary>
    public ILocator StatusOf(string text) =>
        Messages.Filter(new() { Has = Message(text) }).GetByTestId("message-status");
}
