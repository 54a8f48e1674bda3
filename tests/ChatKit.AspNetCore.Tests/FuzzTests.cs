using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ChatKit.AspNetCore.Tests.Support;
using ChatKit.Testing.Servers;

namespace ChatKit.AspNetCore.Tests;

/// <summary>
/// Issue 12 §6: thousands of generated malformed and boundary inputs at every hub method and REST endpoint of a real host
/// on each store. Every answer must be a documented error code or a success: never a 5xx or <c>internal_error</c>, never a
/// connection dropped over a bad argument, and the managed heap must not grow with the calls. Fixed seeds, so a failure
/// replays; the counts are printed (and copied into docs/security.md).
/// </summary>
[Collection(HeapMeasurementCollection.Name)]
public sealed class FuzzTests(ITestOutputHelper output, PostgresServerFixture postgres) : IClassFixture<PostgresServerFixture>
{
    private const int HubCalls = 3_000;
    private const int RestCalls = 2_000;

    private static readonly string[] DocumentedCodes = ["validation_failed", "forbidden", "not_found", "conflict", "rate_limited"];

    private static readonly (string Method, string[] Fields)[] HubMethods =
    [
        ("createConversation", ["type", "participantIds", "name"]),
        ("joinRoom", ["conversationId"]),
        ("leaveRoom", ["conversationId"]),
        ("sendMessage", ["conversationId", "content", "tempId", "type"]),
        ("typing", ["conversationId"]),
        ("stopTyping", ["conversationId"]),
        ("markAsRead", ["conversationId", "messageId"]),
        ("markConversationAsRead", ["conversationId"]),
        ("getOnlineUsers", []),
        ("deleteEverything", ["conversationId"]),
        ("OnConnectedAsync", []),
        ("SENDMESSAGE", ["conversationId", "content"]),
    ];

    [Fact]
    public Task EveryHubMethodAndEndpoint_OnTheInMemoryStore_AnswersEveryInputWithADocumentedOutcome() =>
        FuzzAsync("InMemory", null);

    [Fact]
    public async Task EveryHubMethodAndEndpoint_OnSqlite_AnswersEveryInputWithADocumentedOutcome()
    {
        var folder = Directory.CreateTempSubdirectory("chatkit-fuzz-");
        try
        {
            await FuzzAsync("Sqlite", $"Data Source={Path.Combine(folder.FullName, "chat.db")};Pooling=False");
        }
        finally
        {
            try
            {
                folder.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is harmless.
            }
        }
    }

    [Fact]
    public async Task EveryHubMethodAndEndpoint_OnPostgres_AnswersEveryInputWithADocumentedOutcome()
    {
        var server = await postgres.GetServerAsync();
        await FuzzAsync("Postgres", PostgresServerFixture.ConnectionString(server, PostgresServerFixture.NewDatabaseName()));
    }

    private async Task FuzzAsync(string store, string? connectionString)
    {
        await using var host = await StoreHost.StartAsync(store, connectionString);
        var world = await World.CreateAsync(host);
        var fuzzer = new InputFuzzer(seed: 12);
        var hubOutcomes = new ConcurrentDictionary<string, int>();
        var restOutcomes = new ConcurrentDictionary<string, int>();
        var failures = new List<string>();

        // A first, short round warms up every path (JIT, pools, caches); the heap is measured around the long one.
        await RunAsync(host, world, new InputFuzzer(seed: 7), 300, 200, [], new(), new());
        var before = Heap();
        var clock = Stopwatch.StartNew();
        await RunAsync(host, world, fuzzer, HubCalls, RestCalls, failures, hubOutcomes, restOutcomes);
        clock.Stop();
        var after = Heap();

        output.WriteLine($"{store}: {HubCalls} hub calls and {RestCalls} REST calls in {clock.Elapsed.TotalSeconds:F1} s");
        output.WriteLine("  hub:  " + string.Join(", ", hubOutcomes.OrderByDescending(p => p.Value).Select(p => $"{p.Key} {p.Value}")));
        output.WriteLine("  REST: " + string.Join(", ", restOutcomes.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}")));
        output.WriteLine($"  managed heap: {before / 1024.0 / 1024:F1} MB before, {after / 1024.0 / 1024:F1} MB after ({(after - before) / 1024.0 / 1024:+0.0;-0.0} MB)");
        foreach (var failure in failures.Take(20))
        {
            output.WriteLine("  FAILURE " + failure);
        }

        Assert.True(failures.Count == 0, $"{failures.Count} undocumented answers, first: {failures.FirstOrDefault()}");
        Assert.Equal(HubCalls, hubOutcomes.Values.Sum());
        Assert.Equal(RestCalls, restOutcomes.Values.Sum());
        Assert.True(hubOutcomes.GetValueOrDefault("ok") > 100, "too few hub calls succeeded to exercise the success paths");
        Assert.True(restOutcomes.Keys.Count(k => k.StartsWith('2')) > 0, "no REST call succeeded");
        Assert.True(after - before < 48 * 1024 * 1024, $"the managed heap grew by {(after - before) / 1024 / 1024} MB");
        await world.DisposeAsync();
    }

    private static long Heap()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static async Task RunAsync(
        StoreHost host, World world, InputFuzzer fuzzer, int hubCalls, int restCalls, List<string> failures,
        ConcurrentDictionary<string, int> hubOutcomes, ConcurrentDictionary<string, int> restOutcomes)
    {
        for (int hub = 0, rest = 0; hub < hubCalls || rest < restCalls;)
        {
            if (hub < hubCalls && (rest >= restCalls || fuzzer.Chance(0.6)))
            {
                hub++;

                // SignalR's JSON protocol refuses a frame nested deeper than 64 levels as malformed and closes the
                // connection, as it does a frame over 32 KB: both are frame limits, documented, not argument answers.
                fuzzer.Nesting = 50;
                var (method, args) = HubCall(fuzzer, world);
                fuzzer.Nesting = 100;
                var client = world.Clients[fuzzer.Next(world.Clients.Length)];
                var completion = await client.Connection.InvokeAsync(method, args);
                var outcome = Classify(completion);
                hubOutcomes.AddOrUpdate(outcome, 1, (_, n) => n + 1);
                if (outcome.StartsWith("FAIL", StringComparison.Ordinal))
                {
                    failures.Add($"{host.Store} hub {method}({Shorten(args)}) -> {completion.Error}");
                }

                if (completion.Closed || !client.Connection.IsOpen)
                {
                    await client.ReconnectAsync(host);
                }
            }
            else
            {
                rest++;
                var (outcome, detail) = await RestCallAsync(host, world, fuzzer);
                restOutcomes.AddOrUpdate(outcome, 1, (_, n) => n + 1);
                if (outcome.StartsWith("FAIL", StringComparison.Ordinal))
                {
                    failures.Add($"{host.Store} REST {detail}");
                }
            }
        }
    }

    private static string Classify(RawCompletion completion)
    {
        if (completion.Closed)
        {
            return "FAIL dropped";
        }

        if (completion.Error is null)
        {
            return "ok";
        }

        var code = completion.Error.Split(": ", 2)[0];
        if (DocumentedCodes.Contains(code))
        {
            return code;
        }

        // SignalR's own answers, before ChatKit's code runs (docs/protocol.md): an argument that cannot be bound, an unknown method.
        return completion.Error.StartsWith("Failed to invoke '", StringComparison.Ordinal) ? "signalr: not bound or no such method" : "FAIL " + code;
    }

    private static (string Method, string Args) HubCall(InputFuzzer fuzzer, World world)
    {
        var (method, fields) = fuzzer.Pick(HubMethods);
        if (fuzzer.Chance(0.15))
        {
            // The wrong number or shape of arguments.
            return (method, fuzzer.Next(4) switch
            {
                0 => "[]",
                1 => "[" + fuzzer.JsonValue() + "]",
                2 => "[{},{}]",
                _ => "[null]",
            });
        }

        if (fields.Length == 0)
        {
            return (method, "[]");
        }

        var members = new List<string>();
        foreach (var field in fields)
        {
            if (fuzzer.Chance(0.1))
            {
                continue;
            }

            members.Add(InputFuzzer.Quote(field) + ":" + (fuzzer.Chance(0.5) ? world.Valid(field, fuzzer) : fuzzer.JsonValue()));
        }

        if (fuzzer.Chance(0.2))
        {
            members.Add(InputFuzzer.Quote(fuzzer.Pick(["extra", "senderId", "seq", "role", "isAdmin"])) + ":" + fuzzer.JsonValue());
        }

        var args = "[{" + string.Join(",", members) + "}]";

        // Keep every frame under the hub's 32 KB limit: a larger frame closing the connection is the documented answer
        // to a frame, not to an argument.
        return Encoding.UTF8.GetByteCount(args) < 28_000 ? (method, args) : (method, "[{\"conversationId\":" + InputFuzzer.Quote(new string('z', 5_000)) + "}]");
    }

    private static async Task<(string Outcome, string Detail)> RestCallAsync(StoreHost host, World world, InputFuzzer fuzzer)
    {
        string Segment(string kind) => fuzzer.Chance(0.5) ? world.ValidSegment(kind, fuzzer) : InputFuzzer.PercentEncode(fuzzer.String());
        string Query(params string[] names) => string.Join("&", names.Where(_ => fuzzer.Chance(0.5)).Select(n =>
            n + "=" + (fuzzer.Chance(0.5) ? fuzzer.Pick(["1", "0", "-1", "50", "101", "9223372036854775808", "abc", "", "1.5"]) : InputFuzzer.PercentEncode(fuzzer.String()))));

        var (method, path, bodyKind) = fuzzer.Next(13) switch
        {
            0 or 1 => (HttpMethod.Post, "/chats/conversations", "create"),
            2 => (HttpMethod.Get, "/chats/conversations?" + Query("limit", "cursor"), null),
            3 => (HttpMethod.Get, $"/chats/conversations/{Segment("conversation")}", null),
            4 => (HttpMethod.Get, $"/chats/conversations/{Segment("conversation")}/messages?" + Query("before", "after", "limit"), null),
            5 => (HttpMethod.Post, $"/chats/conversations/{Segment("conversation")}/read", null),
            6 => (HttpMethod.Delete, $"/chats/messages/{Segment("message")}", null),
            7 or 8 => (HttpMethod.Post, $"/chats/conversations/{Segment("group")}/participants", "participants"),
            9 => (HttpMethod.Delete, $"/chats/conversations/{Segment("group")}/participants/{Segment("user")}", null),
            10 => (HttpMethod.Post, $"/chats/conversations/{Segment("group")}/leave", null),
            11 => (fuzzer.Pick([HttpMethod.Put, HttpMethod.Patch, HttpMethod.Options]), "/chats/conversations", "create"),
            _ => (HttpMethod.Get, "/chats/" + InputFuzzer.PercentEncode(fuzzer.String()), null),
        };

        using var request = new HttpRequestMessage(method, path);
        var user = fuzzer.Pick(world.Clients);
        request.Headers.Authorization = fuzzer.Next(20) switch
        {
            0 => null,
            1 => new AuthenticationHeaderValue("Bearer", fuzzer.Pick(world.OddTokens)),
            _ => new AuthenticationHeaderValue("Bearer", user.Token),
        };
        if (bodyKind is not null || fuzzer.Chance(0.05))
        {
            request.Content = Body(fuzzer, world, bodyKind ?? "create");
        }

        using var response = await host.Http().SendAsync(request);
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync();
        var detail = $"{method} {Shorten(path)} -> {status} {Shorten(text)}";
        if (status >= 500)
        {
            return ("FAIL " + status, detail);
        }

        if (response.Content.Headers.ContentType?.MediaType == "application/problem+json" && status != (int)HttpStatusCode.Unauthorized)
        {
            var code = JsonDocument.Parse(text).RootElement.TryGetProperty("code", out var c) ? c.GetString() : null;
            if (code is null || !DocumentedCodes.Contains(code))
            {
                return ("FAIL code " + code, detail);
            }

            if (status == 429 && response.Headers.RetryAfter is null)
            {
                return ("FAIL 429 without Retry-After", detail);
            }
        }

        return (status.ToString(System.Globalization.CultureInfo.InvariantCulture), detail);
    }

    private static HttpContent Body(InputFuzzer fuzzer, World world, string kind)
    {
        var json = fuzzer.Next(20) switch
        {
            0 => fuzzer.JsonValue(),
            1 => fuzzer.Pick(["{", "{\"type\":", "[1,2", "\"unterminated", "{\"type\":\"group\",}", "\uFEFF{}", "nul", "{}}"]),
            2 => "{\"type\":\"group\",\"name\":\"big\",\"participantIds\":[" + string.Join(",", Enumerable.Range(0, 40_000).Select(i => $"\"user-{i}\"")) + "]}",
            3 => "{\"type\":\"group\",\"name\":\"many\",\"participantIds\":[" + string.Join(",", Enumerable.Range(0, 20_000).Select(i => $"\"u{i}\"")) + "]}",
            4 => "{\"userIds\":[" + string.Join(",", Enumerable.Range(0, 20_000).Select(i => $"\"u{i}\"")) + "]}",
            5 => "{\"name\":" + InputFuzzer.Quote(new string('n', 300_000)) + "}",
            _ => kind == "participants"
                ? "{" + InputFuzzer.Quote("userIds") + ":" + (fuzzer.Chance(0.5) ? world.Valid("participantIds", fuzzer) : fuzzer.JsonValue()) + "}"
                : "{" + string.Join(",", new[] { "type", "participantIds", "name" }.Select(f =>
                    InputFuzzer.Quote(f) + ":" + (fuzzer.Chance(0.5) ? world.Valid(f, fuzzer) : fuzzer.JsonValue()))) + "}",
        };
        var bytes = Encoding.UTF8.GetBytes(json);
        HttpContent content = fuzzer.Chance(0.05)
            ? new StreamContent(new UnknownLengthStream(bytes))   // chunked: no Content-Length to check first
            : new ByteArrayContent(bytes);
        var type = fuzzer.Next(20) switch
        {
            0 => null,
            1 => "text/plain",
            2 => "application/json; charset=utf-16",
            _ => "application/json",
        };
        if (type is not null)
        {
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        }

        return content;
    }

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "…";

    /// <summary>The users, their connections and the conversations and messages valid inputs point at.</summary>
    private sealed class World : IAsyncDisposable
    {
        private World(Client[] clients, string[] conversations, string[] groups, string[] messages, string[] foreign, string[] oddTokens)
        {
            Clients = clients;
            Conversations = conversations;
            Groups = groups;
            Messages = messages;
            Foreign = foreign;
            OddTokens = oddTokens;
        }

        public Client[] Clients { get; }

        public string[] Conversations { get; }

        public string[] Groups { get; }

        public string[] Messages { get; }

        public string[] Foreign { get; }

        public string[] OddTokens { get; }

        public static async Task<World> CreateAsync(StoreHost host)
        {
            var alice = ChatHost.NewUser("alice");
            var bob = ChatHost.NewUser("bob");
            var carol = ChatHost.NewUser("carol");
            var direct = await host.DirectAsync(alice, bob);
            var group = await host.GroupAsync(alice, bob, carol);
            var bobsGroup = await host.GroupAsync(bob, alice);
            var foreign = await host.GroupAsync(carol, ChatHost.NewUser("dave"));
            var messages = new List<string>();
            var clients = new[] { await Client.ConnectAsync(host, alice), await Client.ConnectAsync(host, bob) };
            foreach (var id in new[] { direct, group, bobsGroup })
            {
                var completion = await clients[0].Connection.InvokeAsync("sendMessage", $"[{{\"conversationId\":\"{id}\",\"content\":\"seed\"}}]");
                Assert.Null(completion.Error);
            }

            using (var http = host.Http(alice))
            {
                foreach (var id in new[] { direct, group, bobsGroup })
                {
                    var (_, page) = await http.GetJsonAsync($"/chats/conversations/{id}/messages");
                    messages.AddRange(page.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("id").GetString()!));
                }
            }

            string[] oddTokens =
            [
                TestAuth.Token(new string('s', 5_000)),
                TestAuth.Token("nul\u0000user"),
                TestAuth.Token("\u202Eadmin"),
                TestAuth.Token(ChatHost.NewUser("named"), new string('N', 20_000)),
                "not-a-token",
                TestAuth.Token("expired", lifetime: TimeSpan.FromHours(-2)),
            ];
            return new World(clients, [direct, group, bobsGroup], [group, bobsGroup], [.. messages], [foreign], oddTokens);
        }

        /// <summary>A valid JSON value for a field: an id the user may use, real content, a known type.</summary>
        public string Valid(string field, InputFuzzer fuzzer) => field switch
        {
            "conversationId" => InputFuzzer.Quote(fuzzer.Chance(0.8) ? fuzzer.Pick(Conversations) : fuzzer.Pick(Foreign)),
            "messageId" => InputFuzzer.Quote(fuzzer.Pick(Messages)),
            "content" => InputFuzzer.Quote(fuzzer.Pick(["hello", "👋 hi", "line\nbreak", new string('a', 4_000), "cafe\u0301"])),
            "tempId" => InputFuzzer.Quote("t-" + fuzzer.Next(50)),
            "type" => InputFuzzer.Quote(fuzzer.Pick(["direct", "group", "text"])),
            "name" => InputFuzzer.Quote(fuzzer.Pick(["Team", "Équipe", "  padded  "])),
            "participantIds" => "[" + string.Join(",", Enumerable.Range(0, 1 + fuzzer.Next(3)).Select(_ => InputFuzzer.Quote(fuzzer.Pick(Clients).UserId))) + "]",
            _ => "null",
        };

        public string ValidSegment(string kind, InputFuzzer fuzzer) => kind switch
        {
            "conversation" => fuzzer.Pick(Conversations),
            "group" => fuzzer.Chance(0.8) ? fuzzer.Pick(Groups) : fuzzer.Pick(Foreign),
            "message" => fuzzer.Pick(Messages),
            _ => fuzzer.Pick(Clients).UserId,
        };

        public async ValueTask DisposeAsync()
        {
            foreach (var client in Clients)
            {
                await client.Connection.DisposeAsync();
            }
        }
    }

    private sealed class Client(string userId, RawHubClient connection)
    {
        public string UserId { get; } = userId;

        public string Token { get; } = TestAuth.Token(userId);

        public RawHubClient Connection { get; private set; } = connection;

        public static async Task<Client> ConnectAsync(ChatHost host, string userId) =>
            new(userId, await RawHubClient.ConnectAsync(host.Address, TestAuth.Token(userId)));

        public async Task ReconnectAsync(ChatHost host)
        {
            await Connection.DisposeAsync();
            Connection = await RawHubClient.ConnectAsync(host.Address, Token);
        }
    }
}
