using System.Net;
using System.Text.Json;
using ChatKit.AspNetCore.Tests.Support;

namespace ChatKit.AspNetCore.Tests;

/// <summary>GET .../messages paging, POST .../read and DELETE /chats/messages/{id}.</summary>
public sealed class RestMessageTests(ChatHost host) : IClassFixture<ChatHost>
{
    [Fact]
    public async Task GetMessages_PagesBeforeAndAfter_AscendingBySeq()
    {
        var (id, alice, _) = await ConversationWithMessagesAsync(7);
        using var http = host.Http(alice);

        var (_, newest) = await http.GetJsonAsync($"/chats/conversations/{id}/messages?limit=3");
        var (_, older) = await http.GetJsonAsync($"/chats/conversations/{id}/messages?limit=3&before=5");
        var (_, oldest) = await http.GetJsonAsync($"/chats/conversations/{id}/messages?limit=3&before=2");
        var (_, catchUp) = await http.GetJsonAsync($"/chats/conversations/{id}/messages?limit=3&after=2");
        var (_, tail) = await http.GetJsonAsync($"/chats/conversations/{id}/messages?limit=3&after=5");
        var (_, fromStart) = await http.GetJsonAsync($"/chats/conversations/{id}/messages?after=0");
        var (_, nothingNewer) = await http.GetJsonAsync($"/chats/conversations/{id}/messages?after=7");

        Assert.Equal([5L, 6, 7], Seqs(newest));
        Assert.True(newest.GetProperty("hasMore").GetBoolean());
        Assert.Equal([2L, 3, 4], Seqs(older));
        Assert.True(older.GetProperty("hasMore").GetBoolean());
        Assert.Equal([1L], Seqs(oldest));
        Assert.False(oldest.GetProperty("hasMore").GetBoolean());
        Assert.Equal([3L, 4, 5], Seqs(catchUp));
        Assert.True(catchUp.GetProperty("hasMore").GetBoolean());
        Assert.Equal([6L, 7], Seqs(tail));
        Assert.False(tail.GetProperty("hasMore").GetBoolean());
        Assert.Equal([1L, 2, 3, 4, 5, 6, 7], Seqs(fromStart));
        Assert.False(fromStart.GetProperty("hasMore").GetBoolean());
        Assert.Empty(Seqs(nothingNewer));
        Assert.False(nothingNewer.GetProperty("hasMore").GetBoolean());
    }

    [Fact]
    public async Task GetMessages_DefaultLimitIs50AndLargerLimitsAreTreatedAs100()
    {
        var (id, alice, _) = await ConversationWithMessagesAsync(120);
        using var http = host.Http(alice);

        var (_, defaults) = await http.GetJsonAsync($"/chats/conversations/{id}/messages");
        var (_, huge) = await http.GetJsonAsync($"/chats/conversations/{id}/messages?limit=500");
        var (_, zero) = await http.GetJsonAsync($"/chats/conversations/{id}/messages?limit=0");

        Assert.Equal(Enumerable.Range(71, 50).Select(i => (long)i), Seqs(defaults));
        Assert.Equal(Enumerable.Range(21, 100).Select(i => (long)i), Seqs(huge));
        Assert.True(huge.GetProperty("hasMore").GetBoolean());
        Assert.Equal([120L], Seqs(zero));
    }

    [Theory]
    [InlineData("limit=abc", "limit")]
    [InlineData("limit=1.5", "limit")]
    [InlineData("limit=1&limit=2", "limit")]
    [InlineData("before=x", "before")]
    [InlineData("after=", null)]
    [InlineData("before=0", "before")]
    [InlineData("after=-1", "after")]
    [InlineData("before=3&after=1", "before")]
    public async Task GetMessages_BadQuery_Returns400WithFieldError(string query, string? field)
    {
        var (id, alice, _) = await ConversationWithMessagesAsync(1);
        using var http = host.Http(alice);

        var (response, body) = await http.GetJsonAsync($"/chats/conversations/{id}/messages?{query}");

        if (field is null)
        {
            // An empty value is the same as no value.
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return;
        }

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("validation_failed", body.GetProperty("code").GetString());
        Assert.True(body.GetProperty("errors").TryGetProperty(field, out _), body.GetRawText());
    }

    [Fact]
    public async Task MarkConversationRead_Returns204AndEmitsConversationRead()
    {
        var (id, alice, bob) = await ConversationWithMessagesAsync(3);
        await using var aliceConnection = await host.ConnectAsync(alice);
        using var http = host.Http(bob);

        var (response, _) = await http.PostJsonAsync($"/chats/conversations/{id}/read");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var read = await aliceConnection.WaitForAsync("conversationRead");
        Assert.Equal(id, read.Get("conversationId"));
        Assert.Equal(bob, read.Get("readBy"));
        var (_, conversation) = await http.GetJsonAsync($"/chats/conversations/{id}");
        Assert.Equal(0, conversation.GetProperty("unreadCount").GetInt32());
    }

    [Fact]
    public async Task DeleteMessage_BySender_LeavesTombstoneEmitsOnceAndSecondDeleteIsNoOp()
    {
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        var id = await host.DirectAsync(alice, bob);
        await using var aliceConnection = await host.ConnectAsync(alice);
        await using var bobConnection = await host.ConnectAsync(bob);
        var messageId = (await aliceConnection.SendAsync(id, "oops")).GetProperty("messageId").GetString()!;
        await aliceConnection.SendAsync(id, "after");
        using var http = host.Http(alice);

        var (first, _) = await http.DeleteJsonAsync($"/chats/messages/{messageId}");
        var (second, _) = await http.DeleteJsonAsync($"/chats/messages/{messageId}");

        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, second.StatusCode);
        var deleted = await bobConnection.WaitForAsync("messageDeleted");
        Assert.Equal(messageId, deleted.Get("messageId"));
        Assert.Equal(id, deleted.Get("conversationId"));
        await aliceConnection.WaitForAsync("messageDeleted");
        var marker = await host.SyncAsync(bobConnection);
        Assert.Single(bobConnection.Before(marker), e => e.Name == "messageDeleted");
        var (_, page) = await http.GetJsonAsync($"/chats/conversations/{id}/messages");
        var tombstone = page.GetProperty("items")[0];
        Assert.Equal(messageId, tombstone.GetProperty("id").GetString());
        Assert.Equal(1, tombstone.GetProperty("seq").GetInt64());
        Assert.Equal(string.Empty, tombstone.GetProperty("content").GetString());
        Assert.EndsWith("Z", tombstone.GetProperty("deletedAt").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, page.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task DeleteMessage_OfAnotherUserInDirectConversation_Returns403()
    {
        var (id, alice, bob) = await ConversationWithMessagesAsync(1);
        using var http = host.Http(bob);
        using var aliceHttp = host.Http(alice);
        var (_, page) = await aliceHttp.GetJsonAsync($"/chats/conversations/{id}/messages");
        var messageId = page.GetProperty("items")[0].GetProperty("id").GetString();

        var (response, problem) = await http.DeleteJsonAsync($"/chats/messages/{messageId}");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(403, problem.GetProperty("status").GetInt32());
        Assert.Equal("Forbidden", problem.GetProperty("title").GetString());
        Assert.Equal("forbidden", problem.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
        Assert.False(problem.TryGetProperty("errors", out _));
    }

    [Fact]
    public async Task DeleteMessage_InGroup_ByOwnerOrAdminAllowedAndByMemberForbidden()
    {
        var owner = ChatHost.NewUser("owner");
        var author = ChatHost.NewUser("author");
        var other = ChatHost.NewUser("other");
        var id = await host.GroupAsync(owner, author, other);
        await using var authorConnection = await host.ConnectAsync(author);
        var first = (await authorConnection.SendAsync(id, "1")).GetProperty("messageId").GetString();
        using var otherHttp = host.Http(other);
        using var ownerHttp = host.Http(owner);

        var (byMember, _) = await otherHttp.DeleteJsonAsync($"/chats/messages/{first}");
        var (byOwner, _) = await ownerHttp.DeleteJsonAsync($"/chats/messages/{first}");

        Assert.Equal(HttpStatusCode.Forbidden, byMember.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, byOwner.StatusCode);
    }

    private static IEnumerable<long> Seqs(JsonElement page) =>
        page.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("seq").GetInt64()).ToList();

    private async Task<(string Id, string Alice, string Bob)> ConversationWithMessagesAsync(int count)
    {
        // The default send limit is a burst of 30 per user: longer histories are a group's, written 25 per sender.
        const int perSender = 25;
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        var senders = new List<string> { alice };
        while (senders.Count * perSender < count)
        {
            senders.Add(ChatHost.NewUser("writer"));
        }

        var id = count <= perSender ? await host.DirectAsync(alice, bob) : await host.GroupAsync(alice, [bob, .. senders.Skip(1)]);
        for (var chunk = 0; chunk < senders.Count; chunk++)
        {
            await using var connection = await host.ConnectAsync(senders[chunk]);
            for (var i = (chunk * perSender) + 1; i <= Math.Min(count, (chunk + 1) * perSender); i++)
            {
                await connection.SendAsync(id, $"message {i}");
            }
        }

        return (id, alice, bob);
    }
}
