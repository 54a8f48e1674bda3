using System.Net;
using System.Text;
using System.Text.Json;
using ChatKit.AspNetCore.Tests.Support;

namespace ChatKit.AspNetCore.Tests;

/// <summary>POST and GET /chats/conversations, and the JSON shapes on the wire.</summary>
public sealed class RestConversationTests(ChatHost host) : IClassFixture<ChatHost>
{
    [Fact]
    public async Task CreateConversation_New_Returns201WithLocationAndExistingDirect_Returns200()
    {
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        using var aliceHttp = host.Http(alice);
        using var bobHttp = host.Http(bob);

        var (created, body) = await aliceHttp.PostJsonAsync("/chats/conversations", new { type = "direct", participantIds = new[] { bob } });
        var (existing, again) = await bobHttp.PostJsonAsync("/chats/conversations", new { type = "direct", participantIds = new[] { alice } });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = body.GetProperty("id").GetString();
        Assert.Equal($"/chats/conversations/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, existing.StatusCode);
        Assert.Equal(id, again.GetProperty("id").GetString());
        var (_, fetched) = await aliceHttp.GetJsonAsync(created.Headers.Location!.OriginalString);
        Assert.Equal(id, fetched.GetProperty("id").GetString());
    }

    [Fact]
    public async Task CreateConversation_Group_Returns201AndNotifiesHubClients()
    {
        var owner = ChatHost.NewUser("owner");
        var member = ChatHost.NewUser("member");
        await using var ownerConnection = await host.ConnectAsync(owner);
        await using var memberConnection = await host.ConnectAsync(member);
        using var http = host.Http(owner);

        var (response, body) = await http.PostJsonAsync("/chats/conversations", new { type = "group", participantIds = new[] { member }, name = "Team" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = body.GetProperty("id").GetString();
        await ownerConnection.WaitForAsync("conversationCreated", e => e.GetProperty("id").GetString() == id);
        var pushed = await memberConnection.WaitForAsync("conversationCreated", e => e.GetProperty("id").GetString() == id);
        Assert.Equal("Team", pushed.Get("name"));
    }

    [Fact]
    public async Task Conversation_JsonShape_MatchesTheContract()
    {
        var owner = ChatHost.NewUser("owner");
        var member = ChatHost.NewUser("member");
        using var http = host.Http(owner);

        var (_, body) = await http.PostJsonAsync("/chats/conversations", new { type = "group", participantIds = new[] { member }, name = "Team" });

        // v1's properties first and unchanged; v2 only adds after them.
        string[] v1 = ["id", "type", "name", "createdBy", "createdAt", "participants", "lastMessage", "lastSeq", "lastActivityAt", "unreadCount"];
        Assert.Equal(v1, body.EnumerateObject().Select(p => p.Name).Take(v1.Length));
        Assert.Contains("unreadMentionCount", body.EnumerateObject().Select(p => p.Name));
        Assert.Contains("metadata", body.EnumerateObject().Select(p => p.Name).Skip(v1.Length));
        Assert.Equal("group", body.GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("lastMessage").ValueKind);
        Assert.Equal(0, body.GetProperty("lastSeq").GetInt64());
        Assert.Equal(0, body.GetProperty("unreadCount").GetInt32());
        Assert.Equal(owner, body.GetProperty("createdBy").GetString());
        AssertUtc(body.GetProperty("createdAt"));
        AssertUtc(body.GetProperty("lastActivityAt"));
        var participant = body.GetProperty("participants")[0];
        Assert.Equal(["userId", "role", "joinedAt", "lastReadSeq", "lastDeliveredSeq"], participant.EnumerateObject().Select(p => p.Name));
        Assert.Equal("owner", participant.GetProperty("role").GetString());
        AssertUtc(participant.GetProperty("joinedAt"));
    }

    [Fact]
    public async Task Message_JsonShape_MatchesTheContract()
    {
        var alice = ChatHost.NewUser("alice");
        var id = await host.DirectAsync(alice, ChatHost.NewUser("bob"));
        await using var connection = await host.ConnectAsync(alice, "Alice");
        await connection.SendAsync(id, "hi", "tmp-1");
        using var http = host.Http(alice);

        var (_, conversation) = await http.GetJsonAsync($"/chats/conversations/{id}");
        var (_, page) = await http.GetJsonAsync($"/chats/conversations/{id}/messages");

        Assert.Equal(["items", "hasMore"], page.EnumerateObject().Select(p => p.Name));
        var message = page.GetProperty("items")[0];
        // v1's properties first and unchanged; v2 only adds after them.
        string[] v1 = ["id", "conversationId", "seq", "sender", "content", "type", "tempId", "createdAt", "editedAt", "deletedAt"];
        Assert.Equal(v1, message.EnumerateObject().Select(p => p.Name).Take(v1.Length));
        Assert.Subset(message.EnumerateObject().Select(p => p.Name).ToHashSet(), new HashSet<string> { "replyTo", "mentions", "reactions" });
        Assert.Contains("metadata", message.EnumerateObject().Select(p => p.Name).Skip(v1.Length));
        Assert.Contains("system", message.EnumerateObject().Select(p => p.Name).Skip(v1.Length));
        Assert.Equal(["id", "name"], message.GetProperty("sender").EnumerateObject().Select(p => p.Name));
        Assert.Equal("Alice", message.GetProperty("sender").GetProperty("name").GetString());
        Assert.Equal("text", message.GetProperty("type").GetString());
        AssertUtc(message.GetProperty("createdAt"));
        Assert.Equal(JsonValueKind.Null, message.GetProperty("editedAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, message.GetProperty("deletedAt").ValueKind);
        Assert.Equal(message.GetRawText(), conversation.GetProperty("lastMessage").GetRawText());
        Assert.Equal(1, conversation.GetProperty("lastSeq").GetInt64());
        Assert.Equal(message.GetProperty("createdAt").GetString(), conversation.GetProperty("lastActivityAt").GetString());
    }

    [Fact]
    public async Task Sender_WithoutNameClaim_IsNamedByUserId()
    {
        var alice = ChatHost.NewUser("alice");
        var id = await host.DirectAsync(alice, ChatHost.NewUser("bob"));
        await using var connection = await host.ConnectAsync(alice, name: null);

        await connection.SendAsync(id, "nameless");

        var received = await connection.WaitForAsync("newMessage");
        Assert.Equal(alice, received.Payload.GetProperty("message").GetProperty("sender").GetProperty("name").GetString());
    }

    [Fact]
    public async Task ListConversations_MostRecentActivityFirst_PagesWithCursor()
    {
        var alice = ChatHost.NewUser("alice");
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await host.DirectAsync(alice, ChatHost.NewUser($"peer{i}")));
        }

        await using (var connection = await host.ConnectAsync(alice))
        {
            await connection.SendAsync(ids[1], "bump the second one to the top");
        }

        using var http = host.Http(alice);
        var (first, page1) = await http.GetJsonAsync("/chats/conversations?limit=2");
        var cursor = page1.GetProperty("nextCursor").GetString();
        var (_, page2) = await http.GetJsonAsync($"/chats/conversations?limit=2&cursor={Uri.EscapeDataString(cursor!)}");
        var (_, page3) = await http.GetJsonAsync($"/chats/conversations?limit=2&cursor={Uri.EscapeDataString(page2.GetProperty("nextCursor").GetString()!)}");
        var (_, all) = await http.GetJsonAsync("/chats/conversations");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(["items", "nextCursor"], page1.EnumerateObject().Select(p => p.Name));
        var listed = all.GetProperty("items").EnumerateArray().ToList();
        var paged = new[] { page1, page2, page3 }.SelectMany(p => p.GetProperty("items").EnumerateArray()).Select(c => c.GetProperty("id").GetString());
        Assert.Equal(listed.Select(c => c.GetProperty("id").GetString()), paged);
        Assert.Equal(JsonValueKind.Null, page3.GetProperty("nextCursor").ValueKind);
        Assert.Equal(JsonValueKind.Null, all.GetProperty("nextCursor").ValueKind);
        Assert.Equal(ids.Order(StringComparer.Ordinal), listed.Select(c => c.GetProperty("id").GetString()!).Order(StringComparer.Ordinal));

        // The conversation with the newest message comes first; then by lastActivityAt, newest first, ties by id descending.
        Assert.Equal(ids[1], listed[0].GetProperty("id").GetString());
        var expected = listed
            .OrderByDescending(c => c.GetProperty("lastActivityAt").GetDateTimeOffset())
            .ThenByDescending(c => c.GetProperty("id").GetString(), StringComparer.Ordinal)
            .Select(c => c.GetProperty("id").GetString());
        Assert.Equal(expected, listed.Select(c => c.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task ListConversations_LimitOutOfRange_IsClampedAndNonNumericIs400()
    {
        var alice = ChatHost.NewUser("alice");
        for (var i = 0; i < 3; i++)
        {
            await host.DirectAsync(alice, ChatHost.NewUser($"peer{i}"));
        }

        using var http = host.Http(alice);
        var (_, zero) = await http.GetJsonAsync("/chats/conversations?limit=0");
        var (_, huge) = await http.GetJsonAsync("/chats/conversations?limit=500");
        var (bad, problem) = await http.GetJsonAsync("/chats/conversations?limit=abc");
        var (badCursor, cursorProblem) = await http.GetJsonAsync("/chats/conversations?cursor=not-a-cursor");

        Assert.Single(zero.GetProperty("items").EnumerateArray());
        Assert.Equal(3, huge.GetProperty("items").GetArrayLength());
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty("limit", out _));
        Assert.Equal(HttpStatusCode.BadRequest, badCursor.StatusCode);
        Assert.Equal("validation_failed", cursorProblem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task GetConversation_ReturnsUnreadCountForTheCaller()
    {
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        var id = await host.DirectAsync(alice, bob);
        await using var connection = await host.ConnectAsync(alice);
        await connection.SendAsync(id, "1");
        await connection.SendAsync(id, "2");
        using var aliceHttp = host.Http(alice);
        using var bobHttp = host.Http(bob);

        var (ok, forBob) = await bobHttp.GetJsonAsync($"/chats/conversations/{id}");
        var (_, forAlice) = await aliceHttp.GetJsonAsync($"/chats/conversations/{id}");

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(2, forBob.GetProperty("unreadCount").GetInt32());
        Assert.Equal(0, forAlice.GetProperty("unreadCount").GetInt32());
    }

    [Theory]
    [InlineData("{\"type\":\"direct\",\"participantIds\":[]}", "participantIds")]
    [InlineData("{\"type\":\"group\",\"participantIds\":[\"x\"]}", "name")]
    [InlineData("{\"type\":\"chat\",\"participantIds\":[\"x\"]}", "type")]
    [InlineData("{\"participantIds\":[\"x\"]}", "type")]
    [InlineData("{\"type\":\"direct\"}", "participantIds")]
    [InlineData("{\"type\":\"direct\",\"participantIds\":\"bob\"}", "participantIds")]
    [InlineData("{\"type\":\"direct\",\"participantIds\":[\"\"]}", "participantIds")]
    [InlineData("{not json", "body")]
    [InlineData("null", "body")]
    public async Task CreateConversation_InvalidBody_Returns400ValidationProblem(string json, string field)
    {
        using var http = host.Http(ChatHost.NewUser("alice"));

        var (response, problem) = await http.PostJsonAsync("/chats/conversations", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.Equal("Validation failed", problem.GetProperty("title").GetString());
        Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
        var messages = problem.GetProperty("errors").GetProperty(field);
        Assert.Equal(JsonValueKind.Array, messages.ValueKind);
        Assert.False(string.IsNullOrEmpty(messages[0].GetString()));
    }

    [Fact]
    public async Task CreateConversation_WithoutJsonContentType_Returns400()
    {
        using var http = host.Http(ChatHost.NewUser("alice"));

        var (response, problem) = await http.PostJsonAsync("/chats/conversations", new StringContent("{\"type\":\"direct\",\"participantIds\":[\"bob\"]}", Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
        Assert.Equal(
            ["type", "title", "status", "detail", "errors", "code", "traceId"],
            problem.EnumerateObject().Select(p => p.Name));
        Assert.Equal("the body must be JSON (Content-Type: application/json)", problem.GetProperty("errors").GetProperty("body")[0].GetString());
    }

    private static void AssertUtc(JsonElement value)
    {
        var text = value.GetString();
        Assert.NotNull(text);
        Assert.EndsWith("Z", text, StringComparison.Ordinal);
        Assert.True(DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var parsed), text);
        Assert.Equal(TimeSpan.Zero, parsed.Offset);
    }
}
