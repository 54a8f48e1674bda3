using System.Text.Json;
using Microsoft.Playwright;

namespace ChatKit.Sample.Tests;

/// <summary>Runs axe-core (vendored from npm, see axe/package.json) in the page and returns its violations.</summary>
public static class Accessibility
{
    private static readonly Lazy<string> Source = new(() => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "axe", "axe.min.js")));

    /// <summary>The serious and critical violations of WCAG 2.x A and AA rules on the page as it is now, one line each.</summary>
    public static async Task<List<string>> SeriousViolationsAsync(IPage page)
    {
        ArgumentNullException.ThrowIfNull(page);

        // Evaluated, not added as a script tag: the page's content security policy allows only its own scripts.
        if (!await page.EvaluateAsync<bool>("() => typeof window.axe === 'object'"))
        {
            await page.EvaluateAsync(Source.Value + "\n;undefined");
        }

        var violations = await page.EvaluateAsync<JsonElement>("""
            async () => (await axe.run(document, {
              runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
              resultTypes: ["violations"],
            })).violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(" ")) }))
            """);
        return [.. violations.EnumerateArray()
            .Where(v => v.GetProperty("impact").GetString() is "serious" or "critical")
            .Select(v => $"{v.GetProperty("impact").GetString()} {v.GetProperty("id").GetString()}: {v.GetProperty("help").GetString()} at "
                + string.Join(", ", v.GetProperty("nodes").EnumerateArray().Select(n => n.GetString())))];
    }
}
