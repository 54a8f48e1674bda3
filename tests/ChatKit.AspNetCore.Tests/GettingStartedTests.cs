using System.Text;
using System.Text.RegularExpressions;
using ChatKit.AspNetCore.Tests.Support;
using ChatKit.Testing.Hosting;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace ChatKit.AspNetCore.Tests;

// Inside the namespace, so the snippet's Conversation and Message are the client's records, not ChatKit's model.
using static GettingStartedClient;

/// <summary>
/// docs/getting-started.md: its Program.cs runs as written, its .NET and JavaScript clients talk to it, and every C#
/// block of the page appears in this file (so a change to either shows up here).
/// </summary>
public sealed partial class GettingStartedTests
{
    [Fact]
    public async Task GettingStartedProgram_RunsAndServesTheDotNetClientSnippet()
    {
        await using var program = await StartAsync();
        var serverUrl = program.Address;
        var alice = ChatHost.NewUser("alice");
        var token = TestAuth.Token(alice, "Alice");

        // docs: the .NET client
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(serverUrl, "/chat"), options => options.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .WithAutomaticReconnect()
            .Build();

        connection.On<NewMessage>("newMessage", e => Console.WriteLine($"#{e.Message.Seq} {e.Message.Sender.Name}: {e.Message.Content}"));

        await connection.StartAsync();
        var conversation = await connection.InvokeAsync<Conversation>("createConversation", new { type = "direct", participantIds = new[] { "bob" } });
        var ack = await connection.InvokeAsync<SendAck>("sendMessage", new { conversationId = conversation.Id, content = "Hello, Bob!", tempId = Guid.NewGuid().ToString() });
        Console.WriteLine($"stored as #{ack.Seq}");

        // end of the snippet
        var received = new TaskCompletionSource<NewMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.On<NewMessage>("newMessage", e =>
        {
            if (e.Message.Seq == 2)
            {
                received.TrySetResult(e);
            }
        });
        var second = await connection.InvokeAsync<SendAck>("sendMessage", new { conversationId = conversation.Id, content = "typed records", tempId = "t-2" });
        var message = (await received.Task.WaitAsync(TimeSpan.FromSeconds(10))).Message;
        await connection.DisposeAsync();

        Assert.Equal("direct", conversation.Type);
        Assert.Null(conversation.Name);
        Assert.Equal(1, ack.Seq);
        Assert.Equal(2, second.Seq);
        Assert.Equal("t-2", second.TempId);
        Assert.Equal(second.MessageId, message.Id);
        Assert.Equal(conversation.Id, message.ConversationId);
        Assert.Equal("Alice", message.Sender.Name);
        Assert.Equal(alice, message.Sender.Id);
        Assert.Equal("typed records", message.Content);
        Assert.Equal(DateTimeKind.Utc, message.CreatedAt.Kind);
    }

    [Fact]
    public async Task GettingStartedProgram_RunsTheJavaScriptSnippets()
    {
        await using var program = await StartAsync();
        var blocks = CodeBlocks("js");
        var prelude = $$"""
            const serverUrl = {{System.Text.Json.JsonSerializer.Serialize(program.Address.ToString().TrimEnd('/'))}};
            const getToken = () => {{System.Text.Json.JsonSerializer.Serialize(TestAuth.Token(ChatHost.NewUser("alice"), "Alice"))}};
            """;
        var epilogue = """
            console.log(`conversations: ${items.length} ${nextCursor}`);
            await connection.stop();
            """;

        var (exit, stdout, stderr) = await NodeClient.RunScriptAsync(string.Join('\n', [prelude, .. blocks, epilogue]), [], ".mjs");

        Assert.True(exit == 0, $"node exited with {exit}: {stderr}\n{stdout}");
        Assert.Matches(@"c_\w+ #1 Alice: Hello, Bob!", stdout);
        Assert.Contains("stored as #1", stdout, StringComparison.Ordinal);
        Assert.Contains("refused: validation_failed", stdout, StringComparison.Ordinal);
        Assert.Contains("conversations: 1 null", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GettingStartedProgram_WithoutSecret_FailsToStartWithItsMessage()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(secret: null));

        Assert.Equal("Set Jwt:Secret (at least 32 bytes).", error.Message);
    }

    [Fact]
    public void GettingStartedPage_EveryCSharpBlockIsInThisFile()
    {
        var source = Lines(File.ReadAllText(Path.Combine(RepositoryRoot(), "tests", "ChatKit.AspNetCore.Tests", "GettingStartedTests.cs")));
        var blocks = CodeBlocks("csharp");

        Assert.Equal(3, blocks.Count);
        foreach (var block in blocks)
        {
            var lines = Lines(block);
            foreach (var usingLine in lines.Where(l => l.StartsWith("using ", StringComparison.Ordinal)))
            {
                Assert.Contains(usingLine, source);
            }

            var code = lines.Where(l => !l.StartsWith("using ", StringComparison.Ordinal)).ToList();
            var found = Enumerable.Range(0, source.Count - code.Count + 1).Any(start => source.Skip(start).Take(code.Count).SequenceEqual(code));
            Assert.True(found, $"this block of docs/getting-started.md is not in GettingStartedTests.cs:\n{block}");
        }
    }

    private static Task<ProgramHost> StartAsync(string? secret = TestAuth.Secret) =>
        ProgramHost.StartAsync(
            args => GettingStartedProgram.Run(args),
            ["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=None", .. secret is null ? Array.Empty<string>() : [$"--Jwt:Secret={secret}"]]);

    private static List<string> CodeBlocks(string language)
    {
        var page = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "getting-started.md"));
        return [.. FencedBlock().Matches(page).Where(m => m.Groups[1].Value == language).Select(m => m.Groups[2].Value)];
    }

    private static List<string> Lines(string text) =>
        [.. text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0)];

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ChatKit.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ChatKit.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"^```(\w+)\n(.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex FencedBlock();
}

/// <summary>docs/getting-started.md's Program.cs, word for word (top-level statements become this method's body).</summary>
internal static class GettingStartedProgram
{
    public static void Run(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);

        // Your app's authentication: here, HS256 bearer tokens. Keep "sub" and "name" as they are in the token.
        var signingKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(
            builder.Configuration["Jwt:Secret"] ?? throw new InvalidOperationException("Set Jwt:Secret (at least 32 bytes).")));
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(options =>
            {
                options.MapInboundClaims = false;
                options.TokenValidationParameters = new TokenValidationParameters
                {
                    IssuerSigningKey = signingKey,
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    ValidateIssuer = false, // validate the issuer and audience of your identity provider in production
                    ValidateAudience = false,
                };
                options.Events = new JwtBearerEvents
                {
                    // WebSockets cannot carry headers: the hub takes the token from ?access_token=.
                    OnMessageReceived = context =>
                    {
                        var token = context.Request.Query["access_token"];
                        if (!string.IsNullOrEmpty(token) && context.HttpContext.Request.Path.StartsWithSegments("/chat"))
                        {
                            context.Token = token;
                        }

                        return Task.CompletedTask;
                    },
                };
            });
        builder.Services.AddAuthorization();

        // ChatKit: the rules, the in-memory store, SignalR and the hub. Options are validated at start-up.
        builder.Services.AddChatKit(options =>
        {
            options.MaxContentLength = 4_000;
            options.TypingTimeout = TimeSpan.FromSeconds(5);
        });

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapChatKit(); // the hub at /chat, the REST API under /chats

        app.Run();
    }
}

/// <summary>docs/getting-started.md's records of the .NET client.</summary>
internal static class GettingStartedClient
{
    public sealed record Sender(string Id, string Name);

    public sealed record Message(string Id, string ConversationId, long Seq, Sender Sender, string Content, DateTime CreatedAt);

    public sealed record NewMessage(Message Message, string ConversationId);

    public sealed record Conversation(string Id, string Type, string? Name, long LastSeq, int UnreadCount);

    public sealed record SendAck(string? TempId, string MessageId, long Seq, DateTime CreatedAt);
}
