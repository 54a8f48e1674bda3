using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using ChatKit.Testing.Hosting;
using Microsoft.Extensions.Logging;

namespace ChatKit.Packaging.Tests;

/// <summary>
/// docs/clients.md as a reader pastes it: the .NET section's program, in a fresh <c>dotnet new console</c> app with
/// only the package the text names, from the packed feed, run against a real ChatKit host.
/// </summary>
public sealed class ClientsDocTests(PackedFeed feed)
{
    private static readonly TestJwtBearer Jwt = new("clients-doc-signing-key-of-at-least-32-bytes");

    [Fact]
    public async Task DotNetClientProgram_AsPasted_SendsAndReceivesItsMessageOnce()
    {
        await feed.EnsurePackedAsync();
        var section = Markdown.Section(Markdown.Read(Path.Combine("docs", "clients.md")), "## .NET");
        var program = Markdown.Blocks(section, "csharp").Single();
        Assert.True(program.Split('\n').Length < 30, "the .NET client takes under 30 lines");
        Assert.Contains("dotnet add package ChatKit.Client --version 0.1.0", section, StringComparison.Ordinal);

        using var app = await FreshApp.CreateAsync(feed, "ChatClient", program, [new DocsPackage("ChatKit.Client", null)], template: "console");
        await app.BuildAsync();
        await using var host = await StartHostAsync();
        var address = host.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        var (exit, output) = await app.RunBuiltAsync([address + "/", Jwt.Token("alice", "Alice")]);

        Assert.True(exit == 0, output);
        Assert.Contains("connection: Connected", output, StringComparison.Ordinal);
        Assert.Contains("stored as #1", output, StringComparison.Ordinal);
        Assert.Single(output.Split('\n'), l => l.Trim() == "#1 Alice: Hello, Bob!");
    }

    private static async Task<WebApplication> StartHostAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        Jwt.AddTo(builder.Services);
        builder.Services.AddChatKit();
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapChatKit();
        await app.StartAsync();
        return app;
    }

}
