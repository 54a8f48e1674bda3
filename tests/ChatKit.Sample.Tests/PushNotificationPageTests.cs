using System.Text.Json;
using ChatKit.Notifications;
using ChatKit.Storage;
using ChatKit.Testing.Servers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChatKit.Sample.Tests;

/// <summary>
/// Issue 16: the page's "Notifications" toggle on Chromium. Headless Chromium here cannot make a real push subscription
/// (<c>pushManager.subscribe</c> rejects with "AbortError: Registration failed - permission denied": it needs Google's push
/// service, see docs/notifications.md), so the test stubs <c>PushManager.prototype.subscribe</c> in the page only, to give
/// the subscription of a local push service that verifies VAPID and decrypts the push as a browser would. Everything
/// else is real: the permission, the service worker, the page's POST, the offline pipeline's encrypted push after a
/// message, and sw.js showing it.
/// </summary>
public sealed class PushNotificationPageTests(SampleSite site, Browser browser) : IClassFixture<SampleSite>, IClassFixture<Browser>
{
    [Fact]
    public async Task NotificationsToggle_PostsTheSubscription_ThePushArrivesDecrypted_AndTheServiceWorkerShowsIt()
    {
        await using var receiver = await WebPushReceiver.StartAsync();
        var browserSubscription = receiver.NewSubscription();
        var (aliceId, bobId) = (ChatPage.NewUser("alice"), ChatPage.NewUser("bob"));
        var alicePage = await browser.OpenAsync(site.Address);
        await alicePage.Context.GrantPermissionsAsync(["notifications"]);
        await alicePage.Context.AddInitScriptAsync(StubPushManager(browserSubscription));
        await alicePage.ReloadAsync();
        var alice = new ChatPage(alicePage);
        var bob = new ChatPage(await browser.OpenAsync(site.Address));
        await alice.SignInAsync(aliceId);
        await bob.SignInAsync(bobId);
        await bob.StartChatAsync(aliceId);

        // The toggle: permission (granted), service worker, subscribe with the server's key, POST to ChatKit.
        var toggle = alicePage.GetByTestId("notifications-toggle");
        await Expect(toggle).ToHaveAttributeAsync("aria-pressed", "false");
        await toggle.ClickAsync();
        await Expect(toggle).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(alicePage.GetByTestId("notifications-status")).ToContainTextAsync("You will be notified");
        var subscribedWith = await alicePage.EvaluateAsync<string>("() => window.__subscribedWithKey");
        Assert.Equal(ServerKey(), subscribedWith); // the page subscribed with the key the server serves
        var registrations = (IPushRegistrationStore)site.Services.GetRequiredService<IChatStore>();
        var saved = Assert.Single(await registrations.GetPushRegistrationsAsync(PushProviders.WebPush, [aliceId], TestContext.Current.CancellationToken));
        Assert.Equal(browserSubscription.Endpoint, saved.Address);
        Assert.Equal(browserSubscription.P256dh, saved.Keys["p256dh"]);

        // Alice closes her page (no connection left: offline); Bob writes; ChatKit's offline pipeline pushes to her browser.
        await alicePage.CloseAsync();
        await bob.SendAsync("ping from bob");
        var conversation = (await site.Services.GetRequiredService<IChatStore>().ListConversationsAsync(aliceId, null, 10, TestContext.Current.CancellationToken)).Single().Conversation;

        var push = await receiver.WaitForPushAsync(TimeSpan.FromSeconds(60));
        Assert.Null(push.Error);
        Assert.Equal(ServerKey(), push.VapidPublicKey);
        var payload = JsonDocument.Parse(push.Payload!).RootElement;
        Assert.Equal(bobId, payload.GetProperty("title").GetString());
        Assert.Equal("ping from bob", payload.GetProperty("body").GetString());
        Assert.Equal($"/?conversation={conversation.Id}", payload.GetProperty("url").GetString());

        // The decrypted payload, delivered to the browser's service worker as a push event: sw.js shows it.
        alicePage = await alicePage.Context.NewPageAsync();
        await alicePage.GotoAsync("/");
        var cdp = await alicePage.Context.NewCDPSessionAsync(alicePage);
        var registrationId = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        cdp.Event("ServiceWorker.workerRegistrationUpdated").OnEvent += (_, e) =>
        {
            foreach (var registration in e!.Value.GetProperty("registrations").EnumerateArray())
            {
                if (registration.GetProperty("scopeURL").GetString() == site.Address.ToString() && !registration.GetProperty("isDeleted").GetBoolean())
                {
                    registrationId.TrySetResult(registration.GetProperty("registrationId").GetString()!);
                }
            }
        };
        await cdp.SendAsync("ServiceWorker.enable");
        await cdp.SendAsync("ServiceWorker.deliverPushMessage", new()
        {
            ["origin"] = site.Address.GetLeftPart(UriPartial.Authority),
            ["registrationId"] = await registrationId.Task.WaitAsync(TimeSpan.FromSeconds(15)),
            ["data"] = push.Payload!,
        });
        var shown = await alicePage.WaitForFunctionAsync(
            """async () => { const list = await (await navigator.serviceWorker.ready).getNotifications(); return list.length ? { title: list[0].title, body: list[0].body, tag: list[0].tag } : null; }""");
        var notification = await shown.JsonValueAsync<JsonElement>();
        Assert.Equal(bobId, notification.GetProperty("title").GetString());
        Assert.Equal("ping from bob", notification.GetProperty("body").GetString());
        Assert.Equal(payload.GetProperty("id").GetString(), notification.GetProperty("tag").GetString());

        // Off (signed in again in this browser): the subscription is removed from the server.
        alice = new ChatPage(alicePage);
        await alice.SignInAsync(aliceId);
        toggle = alicePage.GetByTestId("notifications-toggle");
        await Expect(toggle).ToHaveAttributeAsync("aria-pressed", "true"); // renewed at sign-in: it was on in this browser
        await toggle.ClickAsync();
        await Expect(toggle).ToHaveAttributeAsync("aria-pressed", "false");
        Assert.Empty(await registrations.GetPushRegistrationsAsync(PushProviders.WebPush, [aliceId], TestContext.Current.CancellationToken));
    }

    private string ServerKey() => site.Services.GetRequiredService<IWebPushApplicationServerKey>().PublicKey;

    /// <summary>
    /// In the test only: pushManager.subscribe returns the local push service's subscription (its private key stays in the
    /// test), and records the applicationServerKey the page passed, base64url.
    /// </summary>
    private static string StubPushManager(TestPushSubscription subscription) => $$"""
        (() => {
          const json = { endpoint: "{{subscription.Endpoint}}", expirationTime: null, keys: { p256dh: "{{subscription.P256dh}}", auth: "{{subscription.Auth}}" } };
          let current = null;
          const make = () => ({ endpoint: json.endpoint, toJSON: () => json, unsubscribe: async () => { current = null; return true; } });
          PushManager.prototype.subscribe = async function (options) {
            const key = new Uint8Array(options.applicationServerKey);
            window.__subscribedWithKey = btoa(String.fromCharCode(...key)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
            current = make();
            return current;
          };
          PushManager.prototype.getSubscription = async function () { return current; };
        })();
        """;
}
