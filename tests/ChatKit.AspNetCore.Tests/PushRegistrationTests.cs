using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using ChatKit.AspNetCore.Tests.Support;
using ChatKit.Notifications;
using ChatKit.Storage;
using ChatKit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace ChatKit.AspNetCore.Tests;

/// <summary>
/// The push-registration endpoints through a real host: Web Push subscriptions and FCM tokens saved, moved, removed and
/// refused with the contract's errors, the per-user cap, the VAPID key endpoint, and a store that keeps no registrations.
/// </summary>
public sealed class PushRegistrationTests
{
    [Fact]
    public async Task Subscribe_StoresTheSubscription_AndTheSameBrowserSignedInAsAnotherUserMovesIt()
    {
        await using var host = await PushHost.StartAsync();
        var (alice, bob) = (ChatHost.NewUser("alice"), ChatHost.NewUser("bob"));
        var subscription = NewSubscription();

        var (created, echoed) = await host.Http(alice).PostJsonAsync("/chats/push-subscriptions", subscription.Body);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(subscription.Endpoint, echoed.GetProperty("endpoint").GetString());
        Assert.Equal(subscription.P256dh, echoed.GetProperty("keys").GetProperty("p256dh").GetString());
        var saved = Assert.Single(await host.RegistrationsAsync(PushProviders.WebPush, alice));
        Assert.Equal(subscription.Endpoint, saved.Address);
        Assert.Equal(subscription.P256dh, saved.Keys["p256dh"]);
        Assert.Equal(subscription.Auth, saved.Keys["auth"]);

        // Bob signs in on the same browser: the subscription is his now, with the browser's new keys.
        var renewed = NewSubscription(subscription.Endpoint);
        Assert.Equal(HttpStatusCode.Created, (await host.Http(bob).PostJsonAsync("/chats/push-subscriptions", renewed.Body)).Response.StatusCode);
        Assert.Empty(await host.RegistrationsAsync(PushProviders.WebPush, alice));
        Assert.Equal(renewed.P256dh, Assert.Single(await host.RegistrationsAsync(PushProviders.WebPush, bob)).Keys["p256dh"]);

        // Alice cannot remove Bob's subscription (204 all the same); Bob can, and again is 204.
        var path = "/chats/push-subscriptions?endpoint=" + Uri.EscapeDataString(subscription.Endpoint);
        Assert.Equal(HttpStatusCode.NoContent, (await host.Http(alice).DeleteJsonAsync(path)).Response.StatusCode);
        Assert.Single(await host.RegistrationsAsync(PushProviders.WebPush, bob));
        Assert.Equal(HttpStatusCode.NoContent, (await host.Http(bob).DeleteJsonAsync(path)).Response.StatusCode);
        Assert.Empty(await host.RegistrationsAsync(PushProviders.WebPush, bob));
        Assert.Equal(HttpStatusCode.NoContent, (await host.Http(bob).DeleteJsonAsync(path)).Response.StatusCode);
    }

    [Fact]
    public async Task Subscribe_AcceptsPaddedKeys_ExtraMembers_AndHttpOnlyToALoopbackHost()
    {
        await using var host = await PushHost.StartAsync();
        var alice = ChatHost.NewUser("alice");
        using var http = host.Http(alice);
        var subscription = NewSubscription("http://localhost:9/push/" + Guid.NewGuid().ToString("N"));
        var padded = new
        {
            endpoint = subscription.Endpoint,
            expirationTime = (long?)null,
            keys = new { p256dh = subscription.P256dh + "=", auth = subscription.Auth + "==" },
        };

        Assert.Equal(HttpStatusCode.Created, (await http.PostJsonAsync("/chats/push-subscriptions", padded)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await http.PostJsonAsync("/chats/push-subscriptions", NewSubscription("http://127.0.0.1:9/p/1").Body)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await http.PostJsonAsync("/chats/push-subscriptions", NewSubscription("http://[::1]:9/p/1").Body)).Response.StatusCode);

        var saved = await host.RegistrationsAsync(PushProviders.WebPush, alice);
        Assert.Equal(3, saved.Count);
        Assert.Equal(subscription.P256dh, saved.Single(r => r.Address == subscription.Endpoint).Keys["p256dh"]); // stored unpadded
    }

    public static TheoryData<string, string> BadSubscriptions()
    {
        var good = NewSubscription();
        var point = Base64Url.DecodeFromChars(good.P256dh);
        var offCurve = (byte[])point.Clone();
        offCurve[64] ^= 0x01;
        var compressed = new byte[33];
        compressed[0] = 0x02;
        point.AsSpan(1, 32).CopyTo(compressed.AsSpan(1));
        string Body(string endpoint, string? p256dh, string? auth) => JsonSerializer.Serialize(new { endpoint, keys = new { p256dh, auth } });

        return new TheoryData<string, string>
        {
            { "endpoint", Body("http://push.example.test/p/1", good.P256dh, good.Auth) },
            { "endpoint", Body("/relative/path", good.P256dh, good.Auth) },
            { "endpoint", Body("ftp://push.example.test/p/1", good.P256dh, good.Auth) },
            { "endpoint", Body("https://user:pw@push.example.test/p/1", good.P256dh, good.Auth) },
            { "endpoint", Body("https://push.example.test/" + new string('a', 2_100), good.P256dh, good.Auth) },
            { "endpoint", Body("", good.P256dh, good.Auth) },
            { "keys.p256dh", Body(good.Endpoint, Base64Url.EncodeToString(point[..64]), good.Auth) },
            { "keys.p256dh", Body(good.Endpoint, Base64Url.EncodeToString(offCurve), good.Auth) },
            { "keys.p256dh", Body(good.Endpoint, Base64Url.EncodeToString(compressed), good.Auth) },
            { "keys.p256dh", Body(good.Endpoint, "not base64url!", good.Auth) },
            { "keys.p256dh", Body(good.Endpoint, null, good.Auth) },
            { "keys.auth", Body(good.Endpoint, good.P256dh, Base64Url.EncodeToString(new byte[15])) },
            { "keys.auth", Body(good.Endpoint, good.P256dh, Base64Url.EncodeToString(new byte[32])) },
            { "keys.auth", Body(good.Endpoint, good.P256dh, null) },
            { "keys", JsonSerializer.Serialize(new { endpoint = good.Endpoint }) },
        };
    }

    [Theory]
    [MemberData(nameof(BadSubscriptions))]
    public async Task Subscribe_WithBadInput_IsRefusedWithValidationFailed_AndStoresNothing(string field, string body)
    {
        await using var host = await PushHost.StartAsync();
        var alice = ChatHost.NewUser("alice");
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        var (response, problem) = await host.Http(alice).PostJsonAsync("/chats/push-subscriptions", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
        Assert.Empty(await host.RegistrationsAsync(PushProviders.WebPush, alice));
    }

    [Fact]
    public async Task Subscribe_BeyondTheCap_DropsTheUsersOldestSubscription()
    {
        await using var host = await PushHost.StartAsync(o => o.MaxPushRegistrationsPerUser = 2);
        var (alice, bob) = (ChatHost.NewUser("alice"), ChatHost.NewUser("bob"));
        var subscriptions = Enumerable.Range(0, 3).Select(_ => NewSubscription()).ToArray();
        var bobs = NewSubscription();
        Assert.Equal(HttpStatusCode.Created, (await host.Http(bob).PostJsonAsync("/chats/push-subscriptions", bobs.Body)).Response.StatusCode);
        foreach (var subscription in subscriptions)
        {
            host.Time.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(HttpStatusCode.Created, (await host.Http(alice).PostJsonAsync("/chats/push-subscriptions", subscription.Body)).Response.StatusCode);
        }

        var kept = await host.RegistrationsAsync(PushProviders.WebPush, alice);
        Assert.Equal(new[] { subscriptions[1].Endpoint, subscriptions[2].Endpoint }.Order(StringComparer.Ordinal), kept.Select(r => r.Address).Order(StringComparer.Ordinal), StringComparer.Ordinal);
        Assert.Single(await host.RegistrationsAsync(PushProviders.WebPush, bob)); // another user's are not counted

        // Saving a kept one again refreshes it instead of dropping anything.
        host.Time.Advance(TimeSpan.FromSeconds(1));
        await host.Http(alice).PostJsonAsync("/chats/push-subscriptions", subscriptions[1].Body);
        Assert.Equal(2, (await host.RegistrationsAsync(PushProviders.WebPush, alice)).Count);
    }

    [Fact]
    public async Task FcmToken_IsRegisteredWithoutKeys_RefusedWhenMalformed_AndRemovedOnlyByItsUser()
    {
        await using var host = await PushHost.StartAsync();
        var (alice, bob) = (ChatHost.NewUser("alice"), ChatHost.NewUser("bob"));
        var token = "fcm-" + Guid.NewGuid().ToString("N") + ":APA91b_x-y";

        Assert.Equal(HttpStatusCode.Created, (await host.Http(alice).PostJsonAsync("/chats/push-tokens/fcm", new { token })).Response.StatusCode);
        var saved = Assert.Single(await host.RegistrationsAsync(PushProviders.Fcm, alice));
        Assert.Equal(token, saved.Address);
        Assert.Empty(saved.Keys);
        Assert.Empty(await host.RegistrationsAsync(PushProviders.WebPush, alice));

        foreach (var bad in new object[] { new { token = "has space" }, new { token = "" }, new { token = new string('a', 4_097) }, new { } })
        {
            var (refused, problem) = await host.Http(alice).PostJsonAsync("/chats/push-tokens/fcm", bad);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
            Assert.True(problem.GetProperty("errors").TryGetProperty("token", out _));
        }

        var path = "/chats/push-tokens/fcm?token=" + Uri.EscapeDataString(token);
        Assert.Equal(HttpStatusCode.NoContent, (await host.Http(bob).DeleteJsonAsync(path)).Response.StatusCode);
        Assert.Single(await host.RegistrationsAsync(PushProviders.Fcm, alice));
        Assert.Equal(HttpStatusCode.NoContent, (await host.Http(alice).DeleteJsonAsync(path)).Response.StatusCode);
        Assert.Empty(await host.RegistrationsAsync(PushProviders.Fcm, alice));
        Assert.Equal(HttpStatusCode.NoContent, (await host.Http(alice).DeleteJsonAsync(path)).Response.StatusCode);

        var (missing, missingProblem) = await host.Http(alice).DeleteJsonAsync("/chats/push-tokens/fcm");
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.True(missingProblem.GetProperty("errors").TryGetProperty("token", out _));
    }

    [Fact]
    public async Task RegistrationCalls_BeyondTheirSharedLimit_Are429WithRetryAfter_AndChangeNothing()
    {
        await using var host = await PushHost.StartAsync(o =>
        {
            o.PushRegistrationRateLimit.PermitLimit = 3;
            o.PushRegistrationRateLimit.Window = TimeSpan.FromHours(1);
        });
        var (alice, bob) = (ChatHost.NewUser("alice"), ChatHost.NewUser("bob"));
        using var http = host.Http(alice);
        var (kept, dropped) = (NewSubscription(), NewSubscription());
        var token = "fcm-" + Guid.NewGuid().ToString("N");

        // Web Push and FCM, saves and removals, draw on one bucket: three calls pass.
        Assert.Equal(HttpStatusCode.Created, (await http.PostJsonAsync("/chats/push-subscriptions", kept.Body)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await http.PostJsonAsync("/chats/push-tokens/fcm", new { token })).Response.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteJsonAsync("/chats/push-subscriptions?endpoint=" + Uri.EscapeDataString(dropped.Endpoint))).Response.StatusCode);

        // Each of the four calls is refused now, with the REST rate_limited shape, and stores or removes nothing.
        var refused = new List<(HttpResponseMessage Response, JsonElement Problem)>
        {
            await http.PostJsonAsync("/chats/push-subscriptions", dropped.Body),
            await http.DeleteJsonAsync("/chats/push-subscriptions?endpoint=" + Uri.EscapeDataString(kept.Endpoint)),
            await http.PostJsonAsync("/chats/push-tokens/fcm", new { token = token + "b" }),
            await http.DeleteJsonAsync("/chats/push-tokens/fcm?token=" + Uri.EscapeDataString(token)),
        };
        foreach (var (response, problem) in refused)
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
            Assert.Equal("rate_limited", problem.GetProperty("code").GetString());
            Assert.Equal("too many push registration changes; slow down", problem.GetProperty("detail").GetString());
            Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"Retry-After is {response.Headers.RetryAfter}");
        }

        Assert.Equal(kept.Endpoint, Assert.Single(await host.RegistrationsAsync(PushProviders.WebPush, alice)).Address);
        Assert.Equal(token, Assert.Single(await host.RegistrationsAsync(PushProviders.Fcm, alice)).Address);

        // The limit is per user; the VAPID key is not counted.
        Assert.Equal(HttpStatusCode.Created, (await host.Http(bob).PostJsonAsync("/chats/push-subscriptions", dropped.Body)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetJsonAsync("/chats/push-subscriptions/vapid-public-key")).Response.StatusCode);
    }

    [Fact]
    public async Task PushEndpoints_NeedAnAuthenticatedCaller()
    {
        await using var host = await PushHost.StartAsync();
        using var anonymous = host.Http();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostJsonAsync("/chats/push-subscriptions", NewSubscription().Body)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetJsonAsync("/chats/push-subscriptions/vapid-public-key")).Response.StatusCode);
    }

    [Fact]
    public async Task VapidPublicKey_Is404WithoutWebPush_AndTheRegisteredKeyWithIt()
    {
        await using (var without = await PushHost.StartAsync())
        {
            var (response, problem) = await without.Http(ChatHost.NewUser("alice")).GetJsonAsync("/chats/push-subscriptions/vapid-public-key");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("not_found", problem.GetProperty("code").GetString());
        }

        await using var with = await PushHost.StartAsync(services: s => s.AddSingleton<IWebPushApplicationServerKey>(new FixedKey("BPublicKey")));
        var (ok, body) = await with.Http(ChatHost.NewUser("alice")).GetJsonAsync("/chats/push-subscriptions/vapid-public-key");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("BPublicKey", body.GetProperty("publicKey").GetString());
    }

    [Fact]
    public async Task AStoreWithoutPushRegistrations_AnswersNotFound_AndTheHostStillStarts()
    {
        await using var host = await PushHost.StartAsync(services: s =>
        {
            s.RemoveAll<IChatStore>();
            s.AddSingleton(ChatStoreOnly.Wrap(new InMemoryChatStore()));
        });
        var alice = ChatHost.NewUser("alice");

        var (response, problem) = await host.Http(alice).PostJsonAsync("/chats/push-subscriptions", NewSubscription().Body);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("not_found", problem.GetProperty("code").GetString());
        Assert.Contains("IPushRegistrationStore", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Http(alice).DeleteJsonAsync("/chats/push-tokens/fcm?token=t")).Response.StatusCode);

        // The rest of the API works as before.
        Assert.Equal(HttpStatusCode.OK, (await host.Http(alice).GetJsonAsync("/chats/conversations")).Response.StatusCode);
    }

    internal sealed record Subscription(string Endpoint, string P256dh, string Auth)
    {
        public object Body => new { endpoint = Endpoint, keys = new { p256dh = P256dh, auth = Auth } };
    }

    internal static Subscription NewSubscription(string? endpoint = null)
    {
        using var key = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var q = key.ExportParameters(false).Q;
        return new Subscription(
            endpoint ?? "https://push.example.test/send/" + Guid.NewGuid().ToString("N"),
            Base64Url.EncodeToString([0x04, .. q.X!, .. q.Y!]),
            Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16)));
    }

    private sealed record FixedKey(string PublicKey) : IWebPushApplicationServerKey;

    /// <summary>A host on the in-memory store with a clock the test moves.</summary>
    private sealed class PushHost(Action<ChatKitOptions>? configure, Action<IServiceCollection>? services) : ChatHost
    {
        public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

        public static async Task<PushHost> StartAsync(Action<ChatKitOptions>? configure = null, Action<IServiceCollection>? services = null)
        {
            var host = new PushHost(configure, services);
            await host.InitializeAsync();
            return host;
        }

        public Task<IReadOnlyList<PushRegistration>> RegistrationsAsync(string provider, string userId) =>
            ((IPushRegistrationStore)Services.GetRequiredService<IChatStore>()).GetPushRegistrationsAsync(provider, [userId], TestContext.Current.CancellationToken);

        protected override void ConfigureChatKit(ChatKitOptions options) => configure?.Invoke(options);

        protected override void ConfigureServices(IServiceCollection s)
        {
            s.RemoveAll<TimeProvider>();
            s.AddSingleton<TimeProvider>(Time);
            services?.Invoke(s);
        }
    }
}
