using System.Net;
using System.Text;
using System.Text.Json;
using ChatKit.AspNetCore.Tests.Support;
using ChatKit.Storage;
using ChatKit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChatKit.AspNetCore.Tests;

/// <summary>PUT and DELETE /chats/conversations/{id}/mute, the hub's muteConversation and unmuteConversation, and mutedUntil on the wire.</summary>
public sealed class MuteTests(ChatHost host) : IClassFixture<ChatHost>
{
    [Fact]
    public async Task Mute_WithATime_ShowsOnlyToTheCaller_AndUnmuteClearsIt()
    {
        var (owner, member) = (ChatHost.NewUser("owner"), ChatHost.NewUser("member"));
        var id = await host.GroupAsync(owner, member);
        using var ownerHttp = host.Http(owner);
        using var memberHttp = host.Http(member);
        var until = DateTimeOffset.UtcNow.AddHours(8);

        var (muted, body) = await memberHttp.SendJsonAsync(HttpMethod.Put, $"/chats/conversations/{id}/mute", new { until = until.ToString("O") });

        Assert.Equal(HttpStatusCode.OK, muted.StatusCode);
        Assert.Equal(id, body.GetProperty("id").GetString());
        Assert.Equal(until.ToUnixTimeMilliseconds(), body.GetProperty("mutedUntil").GetDateTimeOffset().ToUnixTimeMilliseconds());
        Assert.EndsWith("Z", body.GetProperty("mutedUntil").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.String, (await memberHttp.GetJsonAsync($"/chats/conversations/{id}")).Body.GetProperty("mutedUntil").ValueKind);
        var listed = (await memberHttp.GetJsonAsync("/chats/conversations")).Body.GetProperty("items").EnumerateArray().Single(c => c.GetProperty("id").GetString() == id);
        Assert.Equal(JsonValueKind.String, listed.GetProperty("mutedUntil").ValueKind);
        Assert.Equal(JsonValueKind.Null, (await ownerHttp.GetJsonAsync($"/chats/conversations/{id}")).Body.GetProperty("mutedUntil").ValueKind);
        Assert.DoesNotContain("muted", (await ownerHttp.GetJsonAsync($"/chats/conversations/{id}")).Body.GetProperty("participants").GetRawText(), StringComparison.OrdinalIgnoreCase);

        var (unmuted, after) = await memberHttp.DeleteJsonAsync($"/chats/conversations/{id}/mute");
        Assert.Equal(HttpStatusCode.OK, unmuted.StatusCode);
        Assert.Equal(JsonValueKind.Null, after.GetProperty("mutedUntil").ValueKind);
        Assert.Equal(JsonValueKind.Null, (await memberHttp.GetJsonAsync($"/chats/conversations/{id}")).Body.GetProperty("mutedUntil").ValueKind);
    }

    [Fact]
    public async Task Mute_WithoutABody_OrANullUntil_IsForever()
    {
        var alice = ChatHost.NewUser("alice");
        var id = await host.DirectAsync(alice, ChatHost.NewUser("bob"));
        using var http = host.Http(alice);

        var (bare, bareBody) = await http.SendJsonAsync(HttpMethod.Put, $"/chats/conversations/{id}/mute");
        var (nulled, nullBody) = await http.SendJsonAsync(HttpMethod.Put, $"/chats/conversations/{id}/mute", new { until = (string?)null });

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (bare.StatusCode, nulled.StatusCode));
        Assert.Equal("9999-12-31T23:59:59Z", bareBody.GetProperty("mutedUntil").GetString());
        Assert.Equal("9999-12-31T23:59:59Z", nullBody.GetProperty("mutedUntil").GetString());
    }

    [Fact]
    public async Task Mute_WithABadOrPastTime_Is400_AndANonParticipant404()
    {
        var alice = ChatHost.NewUser("alice");
        var id = await host.DirectAsync(alice, ChatHost.NewUser("bob"));
        using var http = host.Http(alice);
        using var outsider = host.Http(ChatHost.NewUser("eve"));

        var (bad, badBody) = await http.SendJsonAsync(HttpMethod.Put, $"/chats/conversations/{id}/mute", new { until = "tomorrow" });
        var (past, pastBody) = await http.SendJsonAsync(HttpMethod.Put, $"/chats/conversations/{id}/mute", new { until = "2020-01-01T00:00:00Z" });
        var (wrongType, _) = await http.SendJsonAsync(HttpMethod.Put, $"/chats/conversations/{id}/mute", new StringContent("{\"until\":5}", Encoding.UTF8, "application/json"));
        var (foreign, foreignBody) = await outsider.SendJsonAsync(HttpMethod.Put, $"/chats/conversations/{id}/mute");
        var (foreignDelete, _) = await outsider.DeleteJsonAsync($"/chats/conversations/{id}/mute");

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("validation_failed", badBody.GetProperty("code").GetString());
        Assert.True(badBody.GetProperty("errors").TryGetProperty("until", out _));
        Assert.Equal(HttpStatusCode.BadRequest, past.StatusCode);
        Assert.Contains("future", pastBody.GetProperty("errors").GetProperty("until")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, wrongType.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Equal("not_found", foreignBody.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, foreignDelete.StatusCode);
        Assert.Equal(JsonValueKind.Null, (await http.GetJsonAsync($"/chats/conversations/{id}")).Body.GetProperty("mutedUntil").ValueKind);
    }

    [Fact]
    public async Task Hub_MutesAndUnmutes_AndRefusesBadInputWithCodes()
    {
        var (alice, bob) = (ChatHost.NewUser("alice"), ChatHost.NewUser("bob"));
        var id = await host.GroupAsync(alice, bob);
        await using var connection = await host.ConnectAsync(alice);
        await using var other = await host.ConnectAsync(bob);

        var muted = await connection.InvokeAsync("muteConversation", new { conversationId = id });
        Assert.Equal("9999-12-31T23:59:59Z", muted.GetProperty("mutedUntil").GetString());
        var unmuted = await connection.InvokeAsync("unmuteConversation", new { conversationId = id });
        Assert.Equal(JsonValueKind.Null, unmuted.GetProperty("mutedUntil").ValueKind);

        await InteractionHubTests.AssertRefusedAsync("validation_failed", () => connection.InvokeAsync("muteConversation", new { conversationId = id, until = "2000-01-01T00:00:00Z" }));
        await InteractionHubTests.AssertRefusedAsync("validation_failed", () => connection.InvokeAsync("muteConversation", new { conversationId = id, until = "soon" }));
        await InteractionHubTests.AssertRefusedAsync("not_found", () => connection.InvokeAsync("muteConversation", new { conversationId = "c_" + Guid.NewGuid().ToString("N") }));

        // A rename by the muted owner goes to everyone without anyone's mute in it.
        await connection.InvokeAsync("muteConversation", new { conversationId = id });
        using var http = host.Http(alice);
        await http.SendJsonAsync(HttpMethod.Patch, $"/chats/conversations/{id}", new { name = "Renamed" });
        var updated = await other.WaitForAsync("conversationUpdated", e => e.GetProperty("id").GetString() == id);
        Assert.Equal(JsonValueKind.Null, updated.Payload.GetProperty("mutedUntil").ValueKind);
    }

    [Fact]
    public async Task Mute_OnAStoreWithoutMutes_Is404WithASentence_AndTheRestStillWorks()
    {
        await using var old = new StoreWithoutMutesHost();
        await old.InitializeAsync();
        var alice = ChatHost.NewUser("alice");
        var id = await old.DirectAsync(alice, ChatHost.NewUser("bob"));
        using var http = old.Http(alice);

        var (response, problem) = await http.SendJsonAsync(HttpMethod.Put, $"/chats/conversations/{id}/mute");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("not_found", problem.GetProperty("code").GetString());
        Assert.Contains("keeps no mutes", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await http.GetJsonAsync($"/chats/conversations/{id}")).Response.StatusCode);
    }

    private sealed class StoreWithoutMutesHost : ChatHost
    {
        protected override void ConfigureServices(IServiceCollection services)
        {
            services.RemoveAll<IChatStore>();
            services.AddSingleton(ChatStoreOnly.Wrap(new InMemoryChatStore(), nameof(IChatStore.SetParticipantMuteAsync)));
        }
    }
}
