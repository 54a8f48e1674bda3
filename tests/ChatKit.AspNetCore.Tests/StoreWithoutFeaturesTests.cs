using System.Net;
using ChatKit.AspNetCore.Tests.Support;
using ChatKit.Storage;
using ChatKit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChatKit.AspNetCore.Tests;

/// <summary>A host on a third-party store written before sync, attachments, mutes, push registrations, edits and reactions.</summary>
public sealed class StoreWithoutFeaturesHost : ChatHost
{
    /// <inheritdoc/>
    protected override void ConfigureServices(IServiceCollection services)
    {
        services.RemoveAll<IChatStore>();
        services.AddSingleton(ChatStoreOnly.Wrap(
            new InMemoryChatStore(),
            nameof(IChatStore.GetEventFeedEndAsync),
            nameof(IChatStore.SupportsAttachments),
            nameof(IChatStore.SetParticipantMuteAsync),
            nameof(IChatStore.EditMessageAsync),
            nameof(IChatStore.AddReactionAsync)));
    }
}

/// <summary>
/// What each feature answers on a store without it, as docs/protocol.md ("A store without a feature") states it: the rule
/// as it stands, pinned so that a change to it is a deliberate one (with the document).
/// </summary>
public sealed class StoreWithoutFeaturesTests(StoreWithoutFeaturesHost host) : IClassFixture<StoreWithoutFeaturesHost>
{
    [Fact]
    public async Task EachMissingFeature_AnswersTheCodeTheProtocolDocumentGives()
    {
        var alice = ChatHost.NewUser("alice");
        var id = await host.DirectAsync(alice, ChatHost.NewUser("bob"));
        await using var connection = await host.ConnectAsync(alice);
        var messageId = (await connection.SendAsync(id, "hello")).GetProperty("messageId").GetString();
        using var http = host.Http(alice);

        // Sync: answered, always limited (page the history instead).
        var (_, fresh) = await http.GetJsonAsync("/chats/sync");
        var (synced, sync) = await http.GetJsonAsync("/chats/sync?since=" + Uri.EscapeDataString(fresh.GetProperty("cursor").GetString()!));
        Assert.Equal(HttpStatusCode.OK, synced.StatusCode);
        Assert.True(sync.GetProperty("limited").GetBoolean());

        // Attachments: unavailable (503).
        var (upload, uploadProblem) = await AttachmentTests.UploadAsync(http, id, "notes"u8.ToArray(), "text/plain", "notes.txt");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, upload.StatusCode);
        Assert.Equal("unavailable", uploadProblem.GetProperty("code").GetString());

        // Mutes and push registrations: not_found (404) with a sentence naming the missing feature.
        var (mute, muteProblem) = await http.SendJsonAsync(HttpMethod.Put, $"/chats/conversations/{id}/mute");
        Assert.Equal(HttpStatusCode.NotFound, mute.StatusCode);
        Assert.Equal("not_found", muteProblem.GetProperty("code").GetString());
        var (push, pushProblem) = await http.PostJsonAsync("/chats/push-tokens/fcm", new { token = "fcm-token" });
        Assert.Equal(HttpStatusCode.NotFound, push.StatusCode);
        Assert.Equal("not_found", pushProblem.GetProperty("code").GetString());

        // Edits and reactions (and every other change a store written before it lacks): not_found (404) with a sentence,
        // never an internal error.
        var (edit, editProblem) = await http.SendJsonAsync(HttpMethod.Patch, $"/chats/messages/{messageId}", new { content = "edited" });
        Assert.Equal(HttpStatusCode.NotFound, edit.StatusCode);
        Assert.Equal("not_found", editProblem.GetProperty("code").GetString());
        Assert.Contains("not available on this server", editProblem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var (react, reactProblem) = await http.SendJsonAsync(HttpMethod.Put, $"/chats/messages/{messageId}/reactions/{Uri.EscapeDataString("👍")}");
        Assert.Equal(HttpStatusCode.NotFound, react.StatusCode);
        Assert.Equal("not_found", reactProblem.GetProperty("code").GetString());
    }
}
