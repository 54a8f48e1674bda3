using System.Net.Http.Json;
using ChatKit.Client;

namespace ChatKit.ConsoleClient;

/// <summary>
/// A terminal chat on <see cref="ChatClient"/>: signs in through the web sample's development token endpoint, opens a
/// direct conversation, prints every message once and in order (through reconnects), and sends each line typed.
/// </summary>
public static class ConsoleChat
{
    private const string Usage = "usage: ChatKit.ConsoleClient --user <id> [--name <display name>] [--with <user id>] [--server <url>]";

    /// <summary>Runs the chat until <c>/quit</c>, the end of <paramref name="input"/>, or <paramref name="cancellationToken"/>.</summary>
    /// <param name="args">The command line.</param>
    /// <param name="input">Where lines come from.</param>
    /// <param name="output">Where the chat is printed.</param>
    /// <param name="cancellationToken">Stops the chat.</param>
    /// <returns>The exit code.</returns>
    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        var options = Parse(args);
        if (!options.TryGetValue("user", out var user))
        {
            await output.WriteLineAsync(Usage);
            return 2;
        }

        var server = new Uri(options.GetValueOrDefault("server", "http://localhost:5080/"));
        using var http = new HttpClient { BaseAddress = server };
        var tokens = new DevTokens(http, user, options.GetValueOrDefault("name", user));
        await using var chat = new ChatClient(new ChatClientOptions { ServerUrl = server, AccessTokenProvider = tokens.GetAsync });
        var console = new Lock();
        void Print(string line)
        {
            lock (console)
            {
                output.WriteLine(line);
                output.Flush();
            }
        }

        string? current = null;
        chat.MessageReceived += (_, m) => Print(m.ConversationId == current ? $"#{m.Seq} {m.Sender.Name}: {m.Content}" : $"[{m.ConversationId}] #{m.Seq} {m.Sender.Name}: {m.Content}");
        chat.MessageUpdated += (_, e) => Print($"#{e.Message.Seq} {e.Message.Sender.Name} (edited): {e.Message.Content}");
        chat.MessageDeleted += (_, e) => Print($"(message {e.MessageId} was deleted)");
        chat.ConversationCreated += (_, c) => Print($"* new conversation {c.Id} ({c.Name ?? string.Join(", ", c.Participants.Select(p => p.UserId))})");
        chat.ConnectionStateChanged += (_, state) => Print($"* {state}");
        chat.MessageRejected += (_, e) => Print($"* not sent: {e.Error.Message}");

        await chat.StartAsync(cancellationToken);
        Print($"* signed in as {user}. Type a message and press Enter; /with <user> to switch, /quit to leave.");
        if (options.TryGetValue("with", out var other))
        {
            current = await OpenAsync(chat, other, Print, cancellationToken);
        }

        while (await input.ReadLineAsync(cancellationToken) is { } line)
        {
            line = line.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (line == "/quit")
            {
                break;
            }

            if (line.StartsWith("/with ", StringComparison.Ordinal))
            {
                current = await OpenAsync(chat, line["/with ".Length..].Trim(), Print, cancellationToken);
                continue;
            }

            if (current is null)
            {
                Print("* first choose someone: /with <user>");
                continue;
            }

            // Not awaited: the outbox sends it (again after a reconnect, under the same tempId) and the chat goes on;
            // it shows when the server raises it back.
            _ = chat.SendMessageAsync(current, line, cancellationToken);
        }

        return 0;
    }

    private static async Task<string> OpenAsync(ChatClient chat, string other, Action<string> print, CancellationToken cancellationToken)
    {
        var conversation = await chat.CreateConversationAsync(ConversationType.Direct, [other], cancellationToken: cancellationToken);
        var history = await chat.GetMessagesAsync(conversation.Id, limit: 20, cancellationToken: cancellationToken);
        print($"* chatting with {other} in {conversation.Id}");
        foreach (var m in history.Items)
        {
            print($"#{m.Seq} {m.Sender.Name}: {m.Content}");
        }

        return conversation.Id;
    }

    private static Dictionary<string, string> Parse(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            if (args[i].StartsWith("--", StringComparison.Ordinal))
            {
                options[args[i][2..]] = args[i + 1];
            }
        }

        return options;
    }

    /// <summary>Tokens from the web sample's <c>POST /dev/token</c> (development only), renewed every 30 minutes.</summary>
    private sealed class DevTokens(HttpClient http, string userId, string name)
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private string? _token;
        private DateTimeOffset _renewAt;

        public async ValueTask<string?> GetAsync(CancellationToken cancellationToken)
        {
            await _gate.WaitAsync(cancellationToken);
            try
            {
                if (_token is null || DateTimeOffset.UtcNow >= _renewAt)
                {
                    using var response = await http.PostAsJsonAsync("/dev/token", new { userId, name }, cancellationToken);
                    response.EnsureSuccessStatusCode();
                    _token = (await response.Content.ReadFromJsonAsync<TokenResponse>(cancellationToken))!.Token;
                    _renewAt = DateTimeOffset.UtcNow.AddMinutes(30);
                }

                return _token;
            }
            finally
            {
                _gate.Release();
            }
        }
    }

    private sealed record TokenResponse(string Token);
}
