using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChatKit.AspNetCore.Tests.Support;
using Microsoft.AspNetCore.SignalR;

namespace ChatKit.AspNetCore.Tests;

/// <summary>
/// A user who is not a participant is refused everything with not_found, exactly as for a conversation that does not
/// exist, and never receives an event of the conversation. Absence is proved by order: after the refused actions, an
/// event the user does receive arrives, and nothing of the conversation came before it.
/// </summary>
public sealed class OutsiderTests(ChatHost host) : IClassFixture<ChatHost>
{
    public static TheoryData<string> HubMethods => ["joinRoom", "sendMessage", "typing", "stopTyping", "markAsRead", "markConversationAsRead"];

    private static readonly (string Method, string Template)[] EndpointList =
    [
        ("GET", "/chats/conversations/{id}"),
        ("GET", "/chats/conversations/{id}/messages"),
        ("POST", "/chats/conversations/{id}/read"),
        ("DELETE", "/chats/messages/{messageId}"),
        ("POST", "/chats/conversations/{id}/participants"),
        ("DELETE", "/chats/conversations/{id}/participants/{bob}"),
        ("POST", "/chats/conversations/{id}/leave"),
    ];

    public static TheoryData<string, string> Endpoints => new(EndpointList);

    [Theory]
    [MemberData(nameof(HubMethods))]
    public async Task HubMethod_ByOutsider_FailsWithNotFoundLikeAMissingConversation(string method)
    {
        var scene = await SceneAsync();
        await using var eve = await host.ConnectAsync(scene.Eve);

        var refused = await Assert.ThrowsAsync<HubException>(() => InvokeAsync(eve, method, scene.Id, scene.MessageId));
        var missing = await Assert.ThrowsAsync<HubException>(() => InvokeAsync(eve, method, "c_missing", scene.MessageId));

        Assert.Equal($"not_found: conversation {scene.Id} does not exist", refused.Message);
        Assert.Equal("not_found: conversation c_missing does not exist", missing.Message);
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Endpoint_ByOutsider_Returns404LikeAMissingResource(string method, string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var scene = await SceneAsync();
        using var http = host.Http(scene.Eve);

        using var refused = await SendAsync(http, method, Fill(template, scene.Id, scene.MessageId, scene.Bob));
        using var missing = await SendAsync(http, method, Fill(template, "c_missing", "m_missing", scene.Bob));

        var problems = new List<JsonElement>();
        foreach (var response in new[] { refused, missing })
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("not_found", problem.GetProperty("code").GetString());
            Assert.Equal(404, problem.GetProperty("status").GetInt32());
            problems.Add(problem);
        }

        var refusedDetail = problems[0].GetProperty("detail").GetString();
        var missingDetail = problems[1].GetProperty("detail").GetString();
        Assert.Equal(
            missingDetail!.Replace("c_missing", "<id>", StringComparison.Ordinal).Replace("m_missing", "<id>", StringComparison.Ordinal),
            refusedDetail!.Replace(scene.Id, "<id>", StringComparison.Ordinal).Replace(scene.MessageId, "<id>", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Outsider_ReceivesNothingOfTheConversation_WhateverHappensInIt()
    {
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        var carol = ChatHost.NewUser("carol");
        var eve = ChatHost.NewUser("eve");
        await using var eveConnection = await host.ConnectAsync(eve);
        await using var aliceConnection = await host.ConnectAsync(alice);
        await using var bobConnection = await host.ConnectAsync(bob);
        await using var carolConnection = await host.ConnectAsync(carol);

        // Eve tries to get into the room first; it is refused, so she must hear none of its typing either.
        var id = await host.GroupAsync(alice, bob, carol);
        await Assert.ThrowsAsync<HubException>(() => eveConnection.InvokeAsync("joinRoom", new { conversationId = id }));
        await aliceConnection.InvokeAsync("joinRoom", new { conversationId = id });
        await bobConnection.InvokeAsync("joinRoom", new { conversationId = id });
        var messageId = (await aliceConnection.SendAsync(id, "secret")).GetProperty("messageId").GetString()!;
        await bobConnection.CallAsync("typing", new { conversationId = id });
        await bobConnection.CallAsync("stopTyping", new { conversationId = id });
        await bobConnection.CallAsync("markAsRead", new { conversationId = id, messageId });
        await bobConnection.CallAsync("markConversationAsRead", new { conversationId = id });
        using (var http = host.Http(alice))
        {
            (await http.DeleteAsync($"/chats/messages/{messageId}")).EnsureSuccessStatusCode();
            (await http.PostAsJsonAsync($"/chats/conversations/{id}/participants", new { userIds = new[] { ChatHost.NewUser("frank") } })).EnsureSuccessStatusCode();
            (await http.DeleteAsync($"/chats/conversations/{id}/participants/{carol}")).EnsureSuccessStatusCode();
        }

        using (var http = host.Http(bob))
        {
            (await http.PostAsync($"/chats/conversations/{id}/leave", null)).EnsureSuccessStatusCode();
        }

        await aliceConnection.WaitForAsync("participantRemoved", e => e.GetProperty("userId").GetString() == bob);
        var marker = await host.SyncAsync(eveConnection);
        Assert.DoesNotContain(eveConnection.Before(marker), e => e.Raw.Contains(id, StringComparison.Ordinal));
        Assert.DoesNotContain(eveConnection.Before(marker), e => e.Name is not "userStatusChanged");
        using var eveHttp = host.Http(eve);
        var list = await eveHttp.GetFromJsonAsync<JsonElement>("/chats/conversations");
        Assert.DoesNotContain(list.GetProperty("items").EnumerateArray(), c => c.GetProperty("id").GetString() == id);
    }

    [Fact]
    public async Task Outsider_RefusedActions_CauseNoEventForTheParticipants()
    {
        var scene = await SceneAsync();
        await using var aliceConnection = await host.ConnectAsync(scene.Alice);
        await aliceConnection.InvokeAsync("joinRoom", new { conversationId = scene.Id });
        await using var eve = await host.ConnectAsync(scene.Eve);

        foreach (var method in new[] { "sendMessage", "typing", "stopTyping", "markAsRead", "markConversationAsRead" })
        {
            await Assert.ThrowsAsync<HubException>(() => InvokeAsync(eve, method, scene.Id, scene.MessageId));
        }

        using var http = host.Http(scene.Eve);
        foreach (var (method, template) in EndpointList)
        {
            using var response = await SendAsync(http, method, Fill(template, scene.Id, scene.MessageId, scene.Bob));
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        var marker = await host.SyncAsync(aliceConnection);
        Assert.DoesNotContain(aliceConnection.Before(marker), e => e.Raw.Contains(scene.Eve, StringComparison.Ordinal) || e.Name == "messageDeleted");
        using var aliceHttp = host.Http(scene.Alice);
        var messages = await aliceHttp.GetFromJsonAsync<JsonElement>($"/chats/conversations/{scene.Id}/messages");
        var only = Assert.Single(messages.GetProperty("items").EnumerateArray());
        Assert.Equal("hello", only.GetProperty("content").GetString());
        var conversation = await aliceHttp.GetFromJsonAsync<JsonElement>($"/chats/conversations/{scene.Id}");
        Assert.Equal(2, conversation.GetProperty("participants").GetArrayLength());
    }

    private static Task InvokeAsync(ChatConnection connection, string method, string conversationId, string messageId) => method switch
    {
        "joinRoom" => connection.InvokeAsync(method, new { conversationId }),
        "sendMessage" => connection.SendAsync(conversationId, "let me in"),
        "markAsRead" => connection.CallAsync(method, new { conversationId, messageId }),
        _ => connection.CallAsync(method, new { conversationId }),
    };

    private static string Fill(string template, string id, string messageId, string bob) =>
        template.Replace("{id}", id, StringComparison.Ordinal)
            .Replace("{messageId}", messageId, StringComparison.Ordinal)
            .Replace("{bob}", bob, StringComparison.Ordinal);

    private static Task<HttpResponseMessage> SendAsync(HttpClient http, string method, string path)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (path.EndsWith("/participants", StringComparison.Ordinal))
        {
            request.Content = JsonContent.Create(new { userIds = new[] { "eve-friend" } });
        }

        return http.SendAsync(request);
    }

    private async Task<(string Id, string MessageId, string Alice, string Bob, string Eve)> SceneAsync()
    {
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        var eve = ChatHost.NewUser("eve");
        var id = await host.GroupAsync(alice, bob);
        await using var aliceConnection = await host.ConnectAsync(alice);
        var messageId = (await aliceConnection.SendAsync(id, "hello")).GetProperty("messageId").GetString()!;
        return (id, messageId, alice, bob, eve);
    }
}
