using System.Text.RegularExpressions;

namespace ChatKit.Packaging.Tests;

/// <summary>
/// docs/extensibility.md as a host pastes it: its <c>csharp</c> blocks, in order, are one program, built in a fresh
/// <c>dotnet new web</c> project against the packed ChatKit.AspNetCore package, so they use only public API: the filters,
/// the handler, the sink, the webhooks and a webhook receiver. Nothing on the page is left out as "planned".
/// </summary>
public sealed partial class ExtensibilityDocTests(PackedFeed feed)
{
    [Fact]
    public async Task TheCodeOfThePage_BuildsAsOneProgram_AgainstThePackedPackages()
    {
        await feed.EnsurePackedAsync();
        var page = Markdown.Read(Path.Combine("docs", "extensibility.md"));
        var blocks = Markdown.Blocks(page, "csharp");
        Assert.True(blocks.Count >= 7, $"expected the program, two filters, a handler, a sink, dead letters and a receiver; found {blocks.Count} csharp blocks");
        Assert.Empty(PlannedBlock().Matches(page));
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
