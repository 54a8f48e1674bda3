using System.Text.RegularExpressions;

namespace ChatKit.Packaging.Tests;

/// <summary>
/// docs/extensibility.md as a host pastes it: its <c>csharp</c> blocks, in order, are one program, built in a fresh
/// <c>dotnet new web</c> project against the packed ChatKit.AspNetCore package, so they use only public API. The
/// sketch of the planned sink is fenced <c>csharp planned</c> and left out: its API does not exist yet.
/// </summary>
public sealed partial class ExtensibilityDocTests(PackedFeed feed)
{
    [Fact]
    public async Task TheCodeOfThePage_BuildsAsOneProgram_AgainstThePackedPackages()
    {
        await feed.EnsurePackedAsync();
        var page = Markdown.Read(Path.Combine("docs", "extensibility.md"));
        var blocks = Markdown.Blocks(page, "csharp");
        Assert.True(blocks.Count >= 4, $"expected the program, two filters and a handler; found {blocks.Count} csharp blocks");
        Assert.Single(PlannedBlock().Matches(page));
        var lines = string.Join('\n', blocks).Split('\n');
        var program = string.Join('\n', [
            .. lines.Where(l => l.StartsWith("using ", StringComparison.Ordinal)),
            .. lines.Where(l => !l.StartsWith("using ", StringComparison.Ordinal)),
        ]);

        using var app = await FreshApp.CreateAsync(feed, "ExtensibleChat", program, [new DocsPackage("ChatKit.AspNetCore", null)]);
        var output = await app.BuildAsync();

        Assert.Contains("Build succeeded", output, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^```csharp planned\n", RegexOptions.Multiline)]
    private static partial Regex PlannedBlock();
}
