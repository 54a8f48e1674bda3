using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using ChatKit.AspNetCore.Tests.Support;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChatKit.Packaging.Tests;

/// <summary>
/// The programs of README.md and docs/getting-started.md as a reader pastes them: each in a fresh <c>dotnet new web</c>
/// folder with only the packages the text tells the reader to add, at the versions it names, from the packed packages.
/// Each is built, started and used by the JavaScript client the way a browser uses it: over WebSockets, with the token
/// in the <c>access_token</c> query parameter (a browser's WebSocket cannot carry headers).
/// </summary>
public sealed partial class DocsProgramTests(PackedFeed feed)
{
    /// <summary>Makes the client's WebSocket behave as a browser's: no headers, the token in the query string.</summary>
    private const string BrowserWebSocket = """
        import { createRequire } from "node:module";
        const require = createRequire(import.meta.url);
        const NodeWebSocket = require("ws");
        class BrowserWebSocket extends NodeWebSocket {
          constructor(url, protocols, options) {
            const authorization = options?.headers?.Authorization;
            if (authorization) {
              url += (url.includes("?") ? "&" : "?") + "access_token=" + encodeURIComponent(authorization.replace(/^Bearer /, ""));
            }
            super(url, protocols);
          }
        }
        require.cache[require.resolve("ws")].exports = BrowserWebSocket;
        """;

    private const string Epilogue = """
        console.log(`transport: ${connection.connection.transport.constructor.name}`);
        await connection.stop();
        """;

    [Fact]
    public async Task ReadmeQuickStart_AsPasted_ServesTheBrowserClientOverWebSockets_AndKeepsTheHostsLogQuiet()
    {
        await feed.EnsurePackedAsync();
        var quickStart = Markdown.Section(Markdown.Read("README.md"), "## Quick start");
        var commands = Markdown.Blocks(quickStart, "bash").SelectMany(b => b.Split('\n')).Select(l => l.Split('#')[0].Trim()).ToList();
        var packages = PackagesOf(quickStart);
        Assert.Contains("dotnet new web -o ChatApp && cd ChatApp", commands);
        Assert.Equal(["ChatKit.AspNetCore", "ChatKit.Storage.EfCore", "Microsoft.EntityFrameworkCore.Sqlite", "Microsoft.AspNetCore.Authentication.JwtBearer"], packages.Select(p => p.Id));

        using var app = await FreshApp.CreateAsync(feed, "ChatApp", Markdown.Blocks(quickStart, "csharp").Single(), packages);
        var userJwts = commands.Single(c => c.StartsWith("dotnet user-jwts create", StringComparison.Ordinal));
        var token = (await app.RunAsync("dotnet", userJwts.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..])).Trim().Split('\n')[^1].Trim();
        await app.BuildAsync();
        var (server, address) = await app.StartAsync([], new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Development" });

        var (exit, output) = await RunClientAsync(address, token, """
            import * as signalR from "@microsoft/signalr";
            const connection = new signalR.HubConnectionBuilder()
              .withUrl(`${serverUrl}/chat`, { accessTokenFactory: () => getToken() })
              .build();
            const received = new Promise(resolve => connection.on("newMessage", e => resolve(e.message)));
            await connection.start();
            const conversation = await connection.invoke("createConversation", { type: "direct", participantIds: ["bob"] });
            for (const content of ["Hello from the README", "and again"]) {
              await connection.invoke("sendMessage", { conversationId: conversation.id, content, tempId: crypto.randomUUID() });
            }
            const message = await received;
            console.log(`received #${message.seq} from ${message.sender.id}: ${message.content}`);
            """ + Epilogue);
        using var http = new HttpClient { BaseAddress = address };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var conversations = await http.GetFromJsonAsync<JsonElement>("/chats/conversations");
        using var anonymous = await new HttpClient().GetAsync(new Uri(address, "/chats/conversations"));
        var log = await StopAsync(server);

        Assert.True(exit == 0, $"the client failed:\n{output}\nthe app's output:\n{log}");
        Assert.Contains("received #1 from alice: Hello from the README", output, StringComparison.Ordinal);
        Assert.Contains("transport: WebSocketTransport", output, StringComparison.Ordinal);
        Assert.Equal(2, conversations.GetProperty("items")[0].GetProperty("lastMessage").GetProperty("seq").GetInt64());
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.True(File.Exists(Path.Combine(app.Folder, "chat.db")), "the SQLite file was not created");

        // dotnet new web logs at Information: ChatKit's SQL must not appear there, nor any warning or failure of ChatKit.
        Assert.DoesNotContain("Microsoft.EntityFrameworkCore.Database.Command", log, StringComparison.Ordinal);
        Assert.DoesNotContain("fail:", log, StringComparison.Ordinal);
        Assert.DoesNotContain("HubTokenDiagnostics", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GettingStartedProgram_AsPasted_RunsTheJavaScriptClientOfThePageOverWebSockets()
    {
        await feed.EnsurePackedAsync();
        var page = Markdown.Read(Path.Combine("docs", "getting-started.md"));
        var packages = PackagesOf(Markdown.Section(page, "## 1. Install the packages"));
        var dotnetClient = Markdown.Section(page, "## 4. A .NET client");
        var clientPackages = PackagesOf(dotnetClient);
        Assert.Equal(["Microsoft.AspNetCore.SignalR.Client"], clientPackages.Select(p => p.Id));
        Assert.Equal(["ChatKit.AspNetCore", "Microsoft.AspNetCore.Authentication.JwtBearer"], packages.Select(p => p.Id));
        const string secret = "getting-started-signing-key-of-at-least-32-bytes";

        using var app = await FreshApp.CreateAsync(feed, "ChatApp", Markdown.Blocks(page, "csharp")[0], packages);
        await app.BuildAsync();
        var (server, address) = await app.StartAsync([$"--Jwt:Secret={secret}"], new Dictionary<string, string>());
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object> { ["sub"] = "alice", ["name"] = "Alice" },
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), SecurityAlgorithms.HmacSha256),
        });

        var (exit, output) = await RunClientAsync(address, token, string.Join('\n', [.. Markdown.Blocks(page, "js"), "console.log(`conversations: ${items.length} ${nextCursor}`);", Epilogue]));

        // The .NET client's blocks, in order, in a console app: its usings first, then serverUrl and token from the
        // command line, then the statements and the records.
        var lines = string.Join('\n', Markdown.Blocks(dotnetClient, "csharp")).Split('\n');
        var program = string.Join('\n', [
            .. lines.Where(l => l.StartsWith("using ", StringComparison.Ordinal)),
            "var serverUrl = new Uri(args[0]);",
            "var token = args[1];",
            .. lines.Where(l => !l.StartsWith("using ", StringComparison.Ordinal)),
        ]);
        using var console = await FreshApp.CreateAsync(feed, "ChatClient", program, clientPackages, template: "console");
        await console.BuildAsync();
        var (dotnetExit, dotnetOutput) = await console.RunBuiltAsync([address.ToString(), token]);
        var log = await StopAsync(server);

        Assert.True(exit == 0, $"the client failed:\n{output}\nthe app's output:\n{log}");
        Assert.Matches(@"c_\w+ #1 Alice: Hello, Bob!", output);
        Assert.Contains("stored as #1", output, StringComparison.Ordinal);
        Assert.Contains("refused: validation_failed", output, StringComparison.Ordinal);
        Assert.Contains("conversations: 1 null", output, StringComparison.Ordinal);
        Assert.Contains("transport: WebSocketTransport", output, StringComparison.Ordinal);
        Assert.True(dotnetExit == 0, $"the .NET client failed:\n{dotnetOutput}\nthe app's output:\n{log}");
        Assert.Contains("stored as #2", dotnetOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void Docs_PinTheVersionsThisRepositoryBuildsWith()
    {
        var versionPrefix = XDocument.Load(RepositoryFiles.PathOf("Directory.Build.props")).Descendants()
            .Single(e => e.Name.LocalName == "VersionPrefix").Value;
        foreach (var file in new[] { "README.md", Path.Combine("docs", "getting-started.md") })
        {
            foreach (var package in PackagesOf(Markdown.Read(file)))
            {
                var expected = package.Id.StartsWith("ChatKit.", StringComparison.Ordinal) ? versionPrefix : CentralVersion(package.Id);
                Assert.True(package.Version == expected, $"{file} adds {package.Id} at version {package.Version ?? "(none)"}; name {expected}");
            }
        }
    }

    /// <summary>The <c>dotnet add package</c> lines of a text, in order.</summary>
    private static List<DocsPackage> PackagesOf(string markdown) =>
        [.. AddPackage().Matches(markdown).Select(m => new DocsPackage(m.Groups["id"].Value, m.Groups["version"].Success ? m.Groups["version"].Value : null))];

    private static string CentralVersion(string id) =>
        XDocument.Load(RepositoryFiles.PathOf("Directory.Packages.props")).Descendants()
            .Single(e => e.Name.LocalName == "PackageVersion" && e.Attribute("Include")?.Value == id).Attribute("Version")!.Value;

    /// <summary>Runs <paramref name="module"/> under node with <c>serverUrl</c> and <c>getToken</c> defined, as a browser page would.</summary>
    private static async Task<(int ExitCode, string Output)> RunClientAsync(Uri address, string token, string module)
    {
        var folder = await NodeClient.InstallAsync();
        var name = $"docs-client-{Guid.NewGuid():N}";
        var main = Path.Combine(folder, name + ".mjs");
        var client = Path.Combine(folder, name + "-module.mjs");
        await File.WriteAllTextAsync(client, module);
        await File.WriteAllTextAsync(main, $"""
            {BrowserWebSocket}
            globalThis.serverUrl = {JsonSerializer.Serialize(address.ToString().TrimEnd('/'))};
            globalThis.getToken = () => {JsonSerializer.Serialize(token)};
            await import("./{name}-module.mjs");
            """);
        try
        {
            return await Processes.RunAsync("node", [main], folder, TimeSpan.FromMinutes(1));
        }
        finally
        {
            File.Delete(main);
            File.Delete(client);
        }
    }

    /// <summary>Stops the app as a service manager does (SIGTERM) and returns everything it logged.</summary>
    private static async Task<string> StopAsync(RunningProcess server)
    {
        // The lifetime's last lines come after every earlier log line, so nothing logged before is still queued.
        await Processes.RunAsync("kill", ["-TERM", server.Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], Path.GetTempPath(), TimeSpan.FromSeconds(30));
        await server.WaitForOutputAsync("Application is shutting down", TimeSpan.FromSeconds(60));
        await server.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return server.Output;
    }

    [GeneratedRegex(@"dotnet add package (?<id>[\w.]+)(?: --version (?<version>\S+))?")]
    private static partial Regex AddPackage();
}

/// <summary>Reads the fenced code blocks of the repository's Markdown files.</summary>
internal static partial class Markdown
{
    public static string Read(string relativePath) => File.ReadAllText(RepositoryFiles.PathOf(relativePath)).ReplaceLineEndings("\n");

    /// <summary>The text from <paramref name="heading"/> to the next heading of the same level.</summary>
    public static string Section(string markdown, string heading)
    {
        var start = markdown.IndexOf("\n" + heading + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no section '{heading}'");
        var level = heading[..(heading.IndexOf(' ', StringComparison.Ordinal) + 1)];
        var end = markdown.IndexOf("\n" + level, start + heading.Length + 2, StringComparison.Ordinal);
        return end < 0 ? markdown[start..] : markdown[start..end];
    }

    public static List<string> Blocks(string markdown, string language) =>
        [.. FencedBlock().Matches(markdown).Where(m => m.Groups[1].Value == language).Select(m => m.Groups[2].Value)];

    [GeneratedRegex(@"^```(\w+)\n(.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex FencedBlock();
}
