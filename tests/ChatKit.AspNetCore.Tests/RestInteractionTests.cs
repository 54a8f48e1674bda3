using System.Net;
using System.Text.Json;
using ChatKit.AspNetCore.Tests.Support;

namespace ChatKit.AspNetCore.Tests;

/// <summary>Issue 15 items 1-4 over REST: PATCH a message, PUT and DELETE reactions, and what GET returns.</summary>
public sealed class RestInteractionTests(ChatHost host) : IClassFixture<ChatHost>
{
    [Fact]
    public async Task PatchMessage_BySender_Returns200WithTheMessageAndNotifiesTheHub()
    {
        var (alice, bob) = (ChatHost.NewUser("alice"), ChatHost.NewUser("bob"));
        var id = await host.DirectAsync(alice, bob);
        await using var bobConnection = await host.ConnectAsync(bob);
        await using var aliceConnection = await host.ConnectAsync(alice);
        var messageId = (await aliceConnection.SendAsync(id, "first")).GetProperty("messageId").GetString()!;
        using var http = host.Http(alice);

        var (response, message) = await http.SendJsonAsync(HttpMethod.Patch, $"/chats/messages/{messageId}", new { content = "second" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("second", message.GetProperty("content").GetString());
        Assert.NotEqual(JsonValueKind.Null, message.GetProperty("editedAt").ValueKind);
        var updated = await bobConnection.WaitForAsync("messageUpdated");
        Assert.Equal(message.GetRawText(), updated.Payload.GetProperty("message").GetRawText());

        // The same content again is no edit: 200, nothing changes, no event.
        var (same, unchanged) = await http.SendJsonAsync(HttpMethod.Patch, $"/chats/messages/{messageId}", new { content = "second" });
        Assert.Equal(HttpStatusCode.OK, same.StatusCode);
        Assert.Equal(message.GetRawText(), unchanged.GetRawText());
        var marker = await host.SyncAsync(bobConnection);
        Assert.Equal(1, bobConnection.Before(marker).Count(e => e.Name == "messageUpdated"));
    }

    [Fact]
    public async Task PatchMessage_RefusedCases_AnswerTheContractsStatusAndCode()
    {
        var (alice, bob, outsider) = (ChatHost.NewUser("alice"), ChatHost.NewUser("bob"), ChatHost.NewUser("outsider"));
        var id = await host.GroupAsync(alice, bob);
        await using var aliceConnection = await host.ConnectAsync(alice);
        var messageId = (await aliceConnection.SendAsync(id, "mine")).GetProperty("messageId").GetString()!;
        using var aliceHttp = host.Http(alice);
        using var bobHttp = host.Http(bob);
        using var outsiderHttp = host.Http(outsider);

        await AssertProblemAsync(bobHttp, HttpMethod.Patch, $"/chats/messages/{messageId}", new { content = "x" }, HttpStatusCode.Forbidden, "forbidden");
        await AssertProblemAsync(outsiderHttp, HttpMethod.Patch, $"/chats/messages/{messageId}", new { content = "x" }, HttpStatusCode.NotFound, "not_found");
        await AssertProblemAsync(aliceHttp, HttpMethod.Patch, $"/chats/messages/{messageId}", new { content = "" }, HttpStatusCode.BadRequest, "validation_failed");
        await AssertProblemAsync(aliceHttp, HttpMethod.Patch, $"/chats/messages/{messageId}", new { }, HttpStatusCode.BadRequest, "validation_failed");
        await AssertProblemAsync(aliceHttp, HttpMethod.Patch, $"/chats/messages/{messageId}", new { content = new string('x', 4_001) }, HttpStatusCode.BadRequest, "validation_failed");
        await AssertProblemAsync(aliceHttp, HttpMethod.Patch, "/chats/messages/m_missing", new { content = "x" }, HttpStatusCode.NotFound, "not_found");
        await aliceHttp.DeleteJsonAsync($"/chats/messages/{messageId}");
        await AssertProblemAsync(aliceHttp, HttpMethod.Patch, $"/chats/messages/{messageId}", new { content = "x" }, HttpStatusCode.Conflict, "conflict");
    }

    [Fact]
    public async Task PutAndDeleteReaction_WithAnUrlEncodedEmoji_Return200WithTheReactions()
    {
        var (alice, bob) = (ChatHost.NewUser("alice"), ChatHost.NewUser("bob"));
        var id = await host.DirectAsync(alice, bob);
        await using var aliceConnection = await host.ConnectAsync(alice);
        var messageId = (await aliceConnection.SendAsync(id, "react")).GetProperty("messageId").GetString()!;
        using var http = host.Http(bob);
        var path = $"/chats/messages/{messageId}/reactions/{Uri.EscapeDataString("👍🏽")}";

        var (put, message) = await http.SendJsonAsync(HttpMethod.Put, path);
        var (again, _) = await http.SendJsonAsync(HttpMethod.Put, path);

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var reaction = Assert.Single(message.GetProperty("reactions").EnumerateArray());
        Assert.Equal("👍🏽", reaction.GetProperty("emoji").GetString());
        Assert.Equal(1, reaction.GetProperty("count").GetInt32());
        Assert.Equal([bob], reaction.GetProperty("userIds").EnumerateArray().Select(u => u.GetString()));
        var added = await aliceConnection.WaitForAsync("reactionAdded");
        Assert.Equal("👍🏽", added.Get("emoji"));

        var (history, page) = await http.GetJsonAsync($"/chats/conversations/{id}/messages");
        Assert.Equal(message.GetProperty("reactions").GetRawText(), page.GetProperty("items")[0].GetProperty("reactions").GetRawText());

        var (delete, afterDelete) = await http.SendJsonAsync(HttpMethod.Delete, path);
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        Assert.Empty(afterDelete.GetProperty("reactions").EnumerateArray());
        await aliceConnection.WaitForAsync("reactionRemoved");
        var (deleteAgain, _) = await http.SendJsonAsync(HttpMethod.Delete, path);
        Assert.Equal(HttpStatusCode.OK, deleteAgain.StatusCode);
        var marker = await host.SyncAsync(aliceConnection);
        Assert.Equal(1, aliceConnection.Before(marker).Count(e => e.Name == "reactionAdded"));
        Assert.Equal(1, aliceConnection.Before(marker).Count(e => e.Name == "reactionRemoved"));
    }

    [Fact]
    public async Task Reaction_RefusedCases_AnswerTheContractsStatusAndCode()
    {
        var (alice, bob, outsider) = (ChatHost.NewUser("alice"), ChatHost.NewUser("bob"), ChatHost.NewUser("outsider"));
        var id = await host.DirectAsync(alice, bob);
        await using var aliceConnection = await host.ConnectAsync(alice);
        var messageId = (await aliceConnection.SendAsync(id, "react")).GetProperty("messageId").GetString()!;
        using var aliceHttp = host.Http(alice);
        using var outsiderHttp = host.Http(outsider);

        await AssertProblemAsync(aliceHttp, HttpMethod.Put, $"/chats/messages/{messageId}/reactions/{Uri.EscapeDataString("a b")}", null, HttpStatusCode.BadRequest, "validation_failed");
        await AssertProblemAsync(aliceHttp, HttpMethod.Put, $"/chats/messages/{messageId}/reactions/{new string('x', 33)}", null, HttpStatusCode.BadRequest, "validation_failed");
        await AssertProblemAsync(outsiderHttp, HttpMethod.Put, $"/chats/messages/{messageId}/reactions/x", null, HttpStatusCode.NotFound, "not_found");
        await AssertProblemAsync(aliceHttp, HttpMethod.Put, "/chats/messages/m_missing/reactions/x", null, HttpStatusCode.NotFound, "not_found");
        await aliceHttp.DeleteJsonAsync($"/chats/messages/{messageId}");
        await AssertProblemAsync(aliceHttp, HttpMethod.Put, $"/chats/messages/{messageId}/reactions/x", null, HttpStatusCode.Conflict, "conflict");
        await AssertProblemAsync(aliceHttp, HttpMethod.Delete, $"/chats/messages/{messageId}/reactions/x", null, HttpStatusCode.Conflict, "conflict");
    }

    private static async Task AssertProblemAsync(HttpClient http, HttpMethod method, string path, object? body, HttpStatusCode status, string code)
    {
        var (response, problem) = await http.SendJsonAsync(method, path, body);
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(code, problem.GetProperty("code").GetString());
    }
}
