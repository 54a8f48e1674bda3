using ChatKit.Testing;
using Microsoft.Playwright;

namespace ChatKit.Sample.Tests;

/// <summary>
/// Debian's Chromium driven by Playwright (never a downloaded browser), one per test class. Each user of a test gets a
/// browser context of their own: separate storage, as two people on two machines.
/// </summary>
public sealed class Browser : IAsyncLifetime
{
    /// <summary>Debian's Chromium; Playwright never downloads a browser of its own here.</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary>Launches Chromium headless, when it is installed (a test that needs it then skips or, in CI, fails).</summary>
    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            return;
        }

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    /// <summary>A phone's viewport: 390 × 844 CSS pixels.</summary>
    public static ViewportSize Phone { get; } = new() { Width = 390, Height = 844 };

    /// <summary>A new context (a new "person") with one page open at <paramref name="address"/>, 1100 × 720 unless told.</summary>
    public async Task<IPage> OpenAsync(Uri address, ViewportSize? viewport = null)
    {
        if (_browser is null)
        {
            ServiceAvailability.Missing($"chromium not found at {ChromiumPath}: apt-get install chromium, or run ./build.sh test");
        }

        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = address.ToString(),
            Locale = "en-US",
            ViewportSize = viewport ?? new ViewportSize { Width = 1100, Height = 720 },
            IsMobile = viewport is { Width: < 700 },
            HasTouch = viewport is { Width: < 700 },
        });
        context.SetDefaultTimeout(10_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        return page;
    }

    /// <summary>Closes Chromium and Playwright's driver.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}
