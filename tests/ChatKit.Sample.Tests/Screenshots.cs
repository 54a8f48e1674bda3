using Microsoft.Playwright;

namespace ChatKit.Sample.Tests;

/// <summary>Screenshots of the page, kept as test artifacts in artifacts/screenshots under the repository root.</summary>
public static class Screenshots
{
    /// <summary>The folder the screenshots go to.</summary>
    public static string Folder { get; } = Path.GetFullPath(Path.Combine(SampleSite.SampleFolder, "..", "..", "artifacts", "screenshots"));

    /// <summary>docs/images, where the screenshots the READMEs show live: the tests remake them, so they stay current.</summary>
    public static string DocsFolder { get; } = Path.GetFullPath(Path.Combine(SampleSite.SampleFolder, "..", "..", "docs", "images"));

    /// <summary>Saves a screenshot of <paramref name="page"/> into docs/images as <paramref name="fileName"/>.</summary>
    public static async Task<string> SaveForDocsAsync(IPage page, string fileName)
    {
        ArgumentNullException.ThrowIfNull(page);
        var path = Path.Combine(DocsFolder, fileName);

        // Message times are the only thing that differs from run to run: show fixed ones, so an unchanged page makes
        // the same file and a test run leaves docs/images untouched.
        await page.EvaluateAsync("() => document.querySelectorAll('time').forEach((t, i) => t.textContent = `10:${String(41 + i).padStart(2, '0')} AM`)");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path });
        TestContext.Current.TestOutputHelper?.WriteLine($"screenshot for the docs: {path}");
        return path;
    }

    /// <summary>Saves a screenshot of <paramref name="page"/> as <paramref name="fileName"/>, prints and attaches its path.</summary>
    public static async Task<string> SaveAsync(IPage page, string fileName)
    {
        ArgumentNullException.ThrowIfNull(page);
        Directory.CreateDirectory(Folder);
        var path = Path.Combine(Folder, fileName);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path });
        TestContext.Current.TestOutputHelper?.WriteLine($"screenshot: {path}");
        TestContext.Current.AddAttachment(fileName, path);
        return path;
    }
}
