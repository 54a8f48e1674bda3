using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ChatKit.Notifications.WebPush.Internal;
using ChatKit.Storage;
using ChatKit.Testing.Servers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace ChatKit.Notifications.WebPush.Tests;

/// <summary>
/// The Web Push channel end to end on real servers: a ChatKit host whose REST endpoint takes the subscription, and a
/// local push service (<see cref="WebPushReceiver"/>) that checks the VAPID signature and decrypts the payload with the
/// subscription's private key, as a browser would.
/// </summary>
public sealed class WebPushChannelTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Send_ReachesTheUsersSubscription_SignedWithVapid_AndDecryptsToThePayload()
    {
        await using var receiver = await WebPushReceiver.StartAsync();
        await using var host = await WebPushHost.StartAsync();
        var (alice, bob) = (NewUser("alice"), NewUser("bob"));
        var subscription = receiver.NewSubscription();
        using var http = host.Http(alice);
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("/chats/push-subscriptions", subscription.Body, Ct)).StatusCode);
        var key = await http.GetFromJsonAsync<JsonElement>("/chats/push-subscriptions/vapid-public-key", Ct);
        Assert.Equal(host.Keys.PublicKey, key.GetProperty("publicKey").GetString());

        var notification = Notification(alice, Message(bob, "c_team", "Lunch at noon?"), ConversationType.Group, "Team");
        await host.Channel.SendAsync(notification, Ct);

        var push = await receiver.WaitForPushAsync();
        Assert.Null(push.Error);
        Assert.Equal("aes128gcm", push.ContentEncoding);
        Assert.Equal(host.Keys.PublicKey, push.VapidPublicKey);
        Assert.Equal("mailto:ops@chatkit.test", push.Claims.GetProperty("sub").GetString());
        Assert.Equal(receiver.Origin, push.Claims.GetProperty("aud").GetString());
        Assert.Equal("86400", push.Ttl);
        Assert.Equal(WebPushChannel.Topic(notification.Id), push.Topic);
        Assert.Matches("^[A-Za-z0-9_-]{32}$", push.Topic);

        var payload = JsonDocument.Parse(push.Payload!).RootElement;
        Assert.Equal(notification.Id, payload.GetProperty("id").GetString());
        Assert.Equal("Team", payload.GetProperty("title").GetString());
        Assert.Equal($"Name of {bob}: Lunch at noon?", payload.GetProperty("body").GetString());
        Assert.Equal("c_team", payload.GetProperty("conversationId").GetString());
        Assert.Equal(notification.Messages[0].Message.Id, payload.GetProperty("messageId").GetString());
        Assert.Equal(1, payload.GetProperty("messageCount").GetInt32());
        Assert.Equal("/?conversation=c_team", payload.GetProperty("url").GetString());
    }

    [Fact]
    public async Task Send_GoesToEveryBrowserOfTheUser_AndToNoOneElse_WithTheSameTopicOnARetry()
    {
        await using var receiver = await WebPushReceiver.StartAsync();
        await using var host = await WebPushHost.StartAsync(o => o.TimeToLive = TimeSpan.FromMinutes(5));
        var (alice, bob) = (NewUser("alice"), NewUser("bob"));
        var (laptop, phone, bobs) = (receiver.NewSubscription(), receiver.NewSubscription(), receiver.NewSubscription());
        await SubscribeAsync(host, alice, laptop);
        await SubscribeAsync(host, alice, phone);
        await SubscribeAsync(host, bob, bobs);

        var notification = Notification(alice, Message(bob, "c_direct", "hi"), ConversationType.Direct, null);
        await host.Channel.SendAsync(notification, Ct);
        var pushes = new[] { await receiver.WaitForPushAsync(), await receiver.WaitForPushAsync() };

        Assert.Equal(
            new[] { laptop.Endpoint, phone.Endpoint }.Order(StringComparer.Ordinal),
            pushes.Select(p => $"{receiver.Origin}/push/{p.SubscriptionId}").Order(StringComparer.Ordinal));
        Assert.All(pushes, p => Assert.Null(p.Error));
        Assert.All(pushes, p => Assert.Equal("300", p.Ttl));
        var payload = JsonDocument.Parse(pushes[0].Payload!).RootElement;
        Assert.Equal($"Name of {bob}", payload.GetProperty("title").GetString()); // a direct conversation: the sender
        Assert.Equal("hi", payload.GetProperty("body").GetString());

        // The same notification again (the outbox retrying) carries the same topic, so a push service replaces it.
        await host.Channel.SendAsync(notification, Ct);
        var again = await receiver.WaitForPushAsync();
        Assert.Equal(pushes[0].Topic, again.Topic);
        await receiver.WaitForPushAsync();
        Assert.False(receiver.TryTakePush(out _)); // nothing reached Bob's browser
    }

    [Theory]
    [InlineData(HttpStatusCode.Gone)]
    [InlineData(HttpStatusCode.NotFound)]
    public async Task Send_ToASubscriptionThePushServiceReportsGone_RemovesIt_WithoutFailing(HttpStatusCode status)
    {
        await using var receiver = await WebPushReceiver.StartAsync();
        await using var host = await WebPushHost.StartAsync();
        var alice = NewUser("alice");
        var (gone, live) = (receiver.NewSubscription(status), receiver.NewSubscription());
        await SubscribeAsync(host, alice, gone);
        await SubscribeAsync(host, alice, live);

        await host.Channel.SendAsync(Notification(alice, Message("bob", "c_1", "hello"), ConversationType.Direct, null), Ct);

        var remaining = await host.Registrations.GetPushRegistrationsAsync(PushProviders.WebPush, [alice], Ct);
        Assert.Equal(live.Endpoint, Assert.Single(remaining).Address);
        var received = new[] { await receiver.WaitForPushAsync(), await receiver.WaitForPushAsync() };
        Assert.All(received, p => Assert.Null(p.Error)); // both were valid requests; one answered gone
    }

    [Fact]
    public async Task Send_WhenThePushServiceFails_Throws_KeepsTheSubscription_AndStillReachesTheOthers()
    {
        await using var receiver = await WebPushReceiver.StartAsync();
        await using var host = await WebPushHost.StartAsync();
        var alice = NewUser("alice");
        var (failing, live) = (receiver.NewSubscription(HttpStatusCode.InternalServerError), receiver.NewSubscription());
        await SubscribeAsync(host, alice, failing);
        await SubscribeAsync(host, alice, live);

        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
            await host.Channel.SendAsync(Notification(alice, Message("bob", "c_1", "hello"), ConversationType.Direct, null), Ct));

        Assert.Contains("1 of 2", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, (await host.Registrations.GetPushRegistrationsAsync(PushProviders.WebPush, [alice], Ct)).Count);
        var received = new[] { await receiver.WaitForPushAsync(), await receiver.WaitForPushAsync() };
        Assert.Contains(received, p => live.Endpoint.EndsWith(p.SubscriptionId, StringComparison.Ordinal) && p.Payload is not null);
    }

    [Fact]
    public async Task Send_ToAnUnreachablePushService_Throws()
    {
        await using var host = await WebPushHost.StartAsync();
        var alice = NewUser("alice");
        var closed = "http://127.0.0.1:1/push/" + Guid.NewGuid().ToString("N");
        var browser = new TestPushSubscription(closed, System.Security.Cryptography.ECDiffieHellman.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256), new byte[16], HttpStatusCode.Created);
        await SubscribeAsync(host, alice, browser);

        await Assert.ThrowsAnyAsync<Exception>(async () =>
            await host.Channel.SendAsync(Notification(alice, Message("bob", "c_1", "hello"), ConversationType.Direct, null), Ct));
        Assert.Single(await host.Registrations.GetPushRegistrationsAsync(PushProviders.WebPush, [alice], Ct));
    }

    [Fact]
    public async Task Send_ToAUserWithoutSubscriptions_DoesNothing()
    {
        await using var receiver = await WebPushReceiver.StartAsync();
        await using var host = await WebPushHost.StartAsync();
        await host.Channel.SendAsync(Notification(NewUser("alice"), Message("bob", "c_1", "hello"), ConversationType.Direct, null), Ct);
        Assert.False(receiver.TryTakePush(out _));
    }

    [Fact]
    public async Task Send_UsesTheNamedHttpClient_WhichTheHostCanConfigure_AndLeavesTheDefaultAlone()
    {
        await using var receiver = await WebPushReceiver.StartAsync();
        var counter = new CountingHandler();
        await using var host = await WebPushHost.StartAsync(services: s => s.AddHttpClient(WebPushOptions.HttpClientName).AddHttpMessageHandler(() => counter));
        var alice = NewUser("alice");
        await SubscribeAsync(host, alice, receiver.NewSubscription());

        await host.Channel.SendAsync(Notification(alice, Message("bob", "c_1", "hello"), ConversationType.Direct, null), Ct);

        Assert.Null((await receiver.WaitForPushAsync()).Error);
        Assert.Equal(1, counter.Count);
        var defaults = host.Services.GetRequiredService<IOptionsMonitor<HttpClientFactoryOptions>>().Get(Options.DefaultName);
        Assert.Empty(defaults.HttpMessageHandlerBuilderActions);
    }

    [Fact]
    public async Task Send_AManyMessageBatch_SaysHowMany_AndAHugeMessageStaysUnderThePushLimit()
    {
        await using var receiver = await WebPushReceiver.StartAsync();
        await using var host = await WebPushHost.StartAsync();
        var alice = NewUser("alice");
        await SubscribeAsync(host, alice, receiver.NewSubscription());
        var huge = string.Concat(Enumerable.Repeat("日本語のテキスト😀", 800));
        var messages = new[]
        {
            new NotifiedMessage(Message("bob", "c_1", "first"), ConversationType.Group, new string('G', 1_000)),
            new NotifiedMessage(Message("carol", "c_2", huge), ConversationType.Group, "Other"),
        };

        await host.Channel.SendAsync(new ChatNotification("n_" + Guid.NewGuid().ToString("N"), alice, messages, 7), Ct);

        var push = await receiver.WaitForPushAsync();
        Assert.Null(push.Error);
        Assert.True(push.Body.Length <= 4_096, $"the encrypted push is {push.Body.Length} bytes");
        var payload = JsonDocument.Parse(push.Payload!).RootElement;
        Assert.Equal("7 new messages", payload.GetProperty("title").GetString());
        Assert.Equal(7, payload.GetProperty("messageCount").GetInt32());
        Assert.Equal("c_2", payload.GetProperty("conversationId").GetString());
        var body = payload.GetProperty("body").GetString()!;
        Assert.StartsWith("Name of carol: 日本語", body, StringComparison.Ordinal);
        Assert.EndsWith("…", body, StringComparison.Ordinal);
        Assert.True(Encoding.UTF8.GetByteCount(push.Payload!) <= WebPushPayload.MaxBytes);
    }

    [Fact]
    public async Task Start_WithBadOptions_FailsWithEveryProblemNamed()
    {
        var other = VapidKeys.Generate();
        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () => await WebPushHost.StartAsync(o =>
        {
            o.Subject = "ops@chatkit.test";
            o.PrivateKey = other.PrivateKey;
            o.TimeToLive = TimeSpan.FromDays(30);
            o.MaxExcerptLength = 0;
        }));

        Assert.Contains(error.Failures, f => f.StartsWith("WebPush:Subject", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("not one P-256 key pair", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("WebPush:TimeToLive", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("WebPush:MaxExcerptLength", StringComparison.Ordinal));

        var missing = await Assert.ThrowsAsync<OptionsValidationException>(async () => await WebPushHost.StartAsync(o => (o.PublicKey, o.PrivateKey) = (null, "short")));
        Assert.Contains(missing.Failures, f => f.StartsWith("WebPush:PublicKey is required", StringComparison.Ordinal));
        Assert.Contains(missing.Failures, f => f.StartsWith("WebPush:PrivateKey is required", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_OnAStoreWithoutPushRegistrations_FailsWithASentenceSayingSo()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () => await WebPushHost.StartAsync(services: s =>
        {
            s.RemoveAll<IChatStore>();
            s.AddSingleton(ChatKit.Testing.ChatStoreOnly.Wrap(new InMemoryChatStore()));
        }));

        Assert.Contains(error.Failures, f => f.Contains("does not implement IPushRegistrationStore", StringComparison.Ordinal));
    }

    private static string NewUser(string name) => $"{name}-{Guid.NewGuid().ToString("N")[..8]}";

    private static async Task SubscribeAsync(WebPushHost host, string userId, TestPushSubscription subscription)
    {
        using var http = host.Http(userId);
        var response = await http.PostAsJsonAsync("/chats/push-subscriptions", subscription.Body, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private static ChatMessage Message(string senderId, string conversationId, string content) => new()
    {
        Id = "m_" + Guid.NewGuid().ToString("N"),
        ConversationId = conversationId,
        Seq = 1,
        SenderId = senderId,
        SenderName = "Name of " + senderId,
        Content = content,
        CreatedAt = DateTimeOffset.UtcNow,
    };

    private static ChatNotification Notification(string userId, ChatMessage message, ConversationType type, string? name) =>
        new("n_" + Guid.NewGuid().ToString("N"), userId, [new NotifiedMessage(message, type, name)], 1);

    private sealed class CountingHandler : DelegatingHandler
    {
        private int _count;

        public int Count => _count;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _count);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
