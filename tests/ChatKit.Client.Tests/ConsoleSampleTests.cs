using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using ChatKit.Client.Tests.Support;
using ChatKit.ConsoleClient;
using ChatKit.Testing.Hosting;

namespace ChatKit.Client.Tests;

/// <summary>samples/ChatKit.ConsoleClient chatting with samples/ChatKit.Sample (both in-process, the sample as `dotnet run` starts it).</summary>
public sealed class ConsoleSampleTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ConsoleClient_ChatsWithAUserOfTheWebSample_BothWays()
    {
        await using var sample = await ProgramHost.StartAsync(
            Assembly.Load("ChatKit.Sample"),
            ["--urls", "http://127.0.0.1:0", "--environment", "Development", "--DevTokens:Enabled=true", "--ChatKit:Storage=InMemory", "--Logging:LogLevel:Default=None"]);
        using var http = new HttpClient { BaseAddress = sample.Address };
        await using var bob = new ChatClient(new ChatClientOptions
        {
            ServerUrl = sample.Address,
            AccessTokenProvider = async ct =>
            {
                using var response = await http.PostAsJsonAsync("/dev/token", new { userId = "bob", name = "Bob" }, ct);
                return (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("token").GetString();
            },
        });
        var bobSees = new AppStream(bob);
        await bob.StartAsync();
        var input = new TypedInput();
        var printed = new PrintedLines();

        var console = ConsoleChat.RunAsync(["--server", sample.Address.ToString(), "--user", "alice", "--name", "Alice", "--with", "bob"], input, printed, CancellationToken.None);
        var opened = await printed.WaitForAsync("* chatting with bob in ", Wait);
        var conversationId = opened.Split(' ')[^1];
        await bob.SendMessageAsync(conversationId, "Hi Alice, from the web");
        await printed.WaitForAsync("#1 Bob: Hi Alice, from the web", Wait);
        input.Type("Hello Bob, from the terminal");
        await bobSees.WaitForAsync(conversationId, "Hello Bob, from the terminal", Wait);
        await printed.WaitForAsync("#2 Alice: Hello Bob, from the terminal", Wait);
        input.Type("/quit");
        var exit = await console.WaitAsync(Wait);

        Assert.Equal(0, exit);
        Assert.Equal(["Hi Alice, from the web", "Hello Bob, from the terminal"], bobSees.Messages(conversationId).Select(m => m.Content));
        Assert.Single(printed.ToString().Split('\n'), l => l.Contains("Hello Bob, from the terminal", StringComparison.Ordinal));
    }
}
