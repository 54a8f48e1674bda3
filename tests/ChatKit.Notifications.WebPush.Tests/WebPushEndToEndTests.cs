using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChatKit.Testing.Servers;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.Notifications.WebPush.Tests;

/// <summary>
/// The whole path on real servers: a user with no open connection subscribed over REST; another user sends over the
/// hub; ChatKit's offline-notification pipeline (the outbox) calls the Web Push channel; the local push service verifies
/// VAPID and decrypts the message. Nothing here calls the channel directly.
/// </summary>
public sealed class WebPushEndToEndTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AMessageToAnOfflineUser_ReachesTheirSubscription_Decrypted()
    {
        await using var receiver = await WebPushReceiver.StartAsync();
        await using var host = await WebPushHost.StartAsync(services: s => s.AddChatKit()
            .ConfigureNotifications(n => n.BatchWindow = TimeSpan.Zero)
            .ConfigureOutbox(o => (o.PollInterval, o.RetryBaseDelay) = (TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100))));
        var (alice, bob) = ("alice-" + Guid.NewGuid().ToString("N")[..8], "bob-" + Guid.NewGuid().ToString("N")[..8]);
        var subscription = receiver.NewSubscription();
        using var aliceHttp = host.Http(alice);
        Assert.Equal(HttpStatusCode.Created, (await aliceHttp.PostAsJsonAsync("/chats/push-subscriptions", subscription.Body, Ct)).StatusCode);
        using var bobHttp = host.Http(bob);
        var created = await bobHttp.PostAsJsonAsync("/chats/conversations", new { type = "direct", participantIds = new[] { alice } }, Ct);
        var conversationId = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetString()!;

        await using var bobHub = new HubConnectionBuilder()
            .WithUrl(new Uri(host.Address, "/chat"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(WebPushHost.Token(bob)))
            .Build();
        await bobHub.StartAsync(Ct);
        await bobHub.InvokeAsync<JsonElement>("sendMessage", new { conversationId, content = "are you there?" }, Ct);

        var push = await receiver.WaitForPushAsync(TimeSpan.FromSeconds(60));
        Assert.Null(push.Error);
        var payload = JsonDocument.Parse(push.Payload!).RootElement;
        Assert.Equal($"Name of {bob}", payload.GetProperty("title").GetString());
        Assert.Equal("are you there?", payload.GetProperty("body").GetString());
        Assert.Equal(conversationId, payload.GetProperty("conversationId").GetString());
        Assert.Equal(1, payload.GetProperty("messageCount").GetInt32());
    }
}
