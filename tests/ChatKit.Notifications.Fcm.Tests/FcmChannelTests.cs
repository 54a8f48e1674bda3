using System.Collections.Concurrent;
using ChatKit.Notifications.Fcm.Internal;
using ChatKit.Services;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ChatKit.Notifications.Fcm.Tests;

/// <summary>
/// The FCM channel as a host runs it (AddChatKitCore, AddFcm, the outbox started) against a local FCM and token server
/// that checks every request: the path, the bearer token from a real service-account JWT exchange, and the JSON body.
/// </summary>
public sealed class FcmChannelTests : IAsyncLifetime
{
    private readonly LocalFcmServer _fcm = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => new(_fcm.StartAsync());

    public ValueTask DisposeAsync() => _fcm.DisposeAsync();

    [Fact]
    public async Task AMessage_ReachesEveryTokenOfTheOfflineRecipient_WithTheServiceAccountsBearer_AndACollapseKey()
    {
        await using var node = await Node.StartAsync(o => (o.ProjectId, o.Endpoint, o.ServiceAccountJson) = ("demo-project", _fcm.Url, _fcm.ServiceAccountJson));
        var direct = await node.DirectAsync("alice", "bob");
        await node.RegisterAsync("bob", "bob-phone", "bob-tablet");
        await node.RegisterAsync("alice", "alice-phone");

        var message = await node.SendAsync("alice", direct, "Are you there?");
        var requests = await _fcm.WaitForRequestsAsync(2);

        Assert.Equal(["bob-phone", "bob-tablet"], requests.Select(r => r.Token).Order());
        Assert.All(requests, r => Assert.Equal("/v1/projects/demo-project/messages:send", r.Path));
        Assert.All(requests, r => Assert.Equal("Bearer " + Assert.Single(_fcm.IssuedTokens), r.Authorization)); // one exchange, cached
        Assert.Equal(0, _fcm.BadAssertions);
        var body = requests[0].Body.GetProperty("message");
        Assert.Equal("Alice", body.GetProperty("notification").GetProperty("title").GetString());
        Assert.Equal("Are you there?", body.GetProperty("notification").GetProperty("body").GetString());
        var data = body.GetProperty("data");
        Assert.Equal(direct, data.GetProperty("conversationId").GetString());
        Assert.Equal(message.Id, data.GetProperty("messageId").GetString());
        Assert.Equal("1", data.GetProperty("messageCount").GetString());
        Assert.Equal("1", data.GetProperty("seq").GetString());
        var id = data.GetProperty("notificationId").GetString();
        Assert.Matches("^[A-Za-z0-9_-]{32}$", id);
        Assert.Equal(id, body.GetProperty("android").GetProperty("collapse_key").GetString());
        Assert.Equal(id, body.GetProperty("android").GetProperty("notification").GetProperty("tag").GetString());
        Assert.Equal(id, body.GetProperty("apns").GetProperty("headers").GetProperty("apns-collapse-id").GetString());
        Assert.DoesNotContain(_fcm.Requests, r => r.Token == "alice-phone"); // the sender is never notified
    }

    [Fact]
    public async Task AnUnregisteredToken_IsRemoved_AndTheOthersStillGetIt()
    {
        _fcm.Answer = token => token == "gone"
            ? (404, """{"error":{"code":404,"message":"Requested entity was not found.","status":"NOT_FOUND","details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"UNREGISTERED"}]}}""")
            : (200, "{}");
        await using var node = await Node.StartAsync(o => (o.ProjectId, o.Endpoint, o.ServiceAccountJson) = ("demo-project", _fcm.Url, _fcm.ServiceAccountJson));
        var direct = await node.DirectAsync("alice", "bob");
        await node.RegisterAsync("bob", "gone", "kept");

        await node.SendAsync("alice", direct, "one");
        await _fcm.WaitForRequestsAsync(2);
        var left = await node.WaitAsync(async () => await node.TokensAsync("bob") is ["kept"] tokens ? tokens : null);

        Assert.Equal(["kept"], left);
        await node.SendAsync("alice", direct, "two"); // a barrier: the next one goes to the kept token only
        var requests = await _fcm.WaitForRequestsAsync(3);
        Assert.Equal("kept", requests[2].Token);
        Assert.Equal(3, _fcm.Requests.Count);
    }

    [Fact]
    public async Task ThrottlingAndServerErrors_AreRetriedByTheOutbox_UnderTheSameCollapseKey()
    {
        var answers = new ConcurrentQueue<(int, string)>([(429, """{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"QUOTA_EXCEEDED"}]}}"""), (503, "{}")]);
        _fcm.Answer = _ => answers.TryDequeue(out var answer) ? answer : (200, "{}");
        await using var node = await Node.StartAsync(o => (o.ProjectId, o.Endpoint, o.ServiceAccountJson) = ("demo-project", _fcm.Url, _fcm.ServiceAccountJson));
        var direct = await node.DirectAsync("alice", "bob");
        await node.RegisterAsync("bob", "bob-phone");

        await node.SendAsync("alice", direct, "eventually");
        var requests = await _fcm.WaitForRequestsAsync(3);
        var delivered = await node.WaitAsync(async () => (await node.Dead()).Count == 0 && answers.IsEmpty ? "ok" : null);

        Assert.Equal("ok", delivered);
        Assert.Single(requests.Select(r => r.Body.GetProperty("message").GetProperty("android").GetProperty("collapse_key").GetString()).Distinct());
        Assert.Equal(3, _fcm.Requests.Count);
    }

    [Fact]
    public async Task AHostSuppliedAccessToken_IsUsedInsteadOfAServiceAccount()
    {
        await using var node = await Node.StartAsync(o =>
        {
            (o.ProjectId, o.Endpoint) = ("other-project", _fcm.Url);
            o.AccessTokenProvider = _ => ValueTask.FromResult("host-token");
        });
        var group = await node.GroupAsync("alice", "Launch", "bob");
        await node.RegisterAsync("bob", "bob-phone");

        await node.SendAsync("alice", group, new string('x', 300));
        var request = Assert.Single(await _fcm.WaitForRequestsAsync(1));

        Assert.Equal("Bearer host-token", request.Authorization);
        Assert.Equal("/v1/projects/other-project/messages:send", request.Path);
        var notification = request.Body.GetProperty("message").GetProperty("notification");
        Assert.Equal("Alice in Launch", notification.GetProperty("title").GetString());
        var text = notification.GetProperty("body").GetString()!;
        Assert.Equal(200, text.Length);
        Assert.StartsWith("Alice: xxx", text, StringComparison.Ordinal);
        Assert.EndsWith("…", text, StringComparison.Ordinal);
        Assert.Empty(_fcm.IssuedTokens);
    }

    [Fact]
    public void BadOptions_FailAtStartWithTheirNames()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddChatKitCore().AddFcm(o => (o.ProjectId, o.Endpoint, o.ServiceAccountFile, o.AccessTokenProvider, o.MaxBodyLength) =
            ("Not A Project", new Uri("ftp://example.com/"), "/nonexistent/key.json", _ => ValueTask.FromResult("t"), 0));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ChatKitFcmOptions>>().Value);

        Assert.Contains("ChatKit:Fcm:ProjectId is required", error.Message, StringComparison.Ordinal);
        Assert.Contains("ChatKit:Fcm:Endpoint must be an absolute http or https URL", error.Message, StringComparison.Ordinal);
        Assert.Contains("ChatKit:Fcm needs exactly one credential", error.Message, StringComparison.Ordinal);
        Assert.Contains("ChatKit:Fcm:ServiceAccountFile does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains("ChatKit:Fcm:MaxBodyLength must be between 1 and 1000; it is 0.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABatch_IsTitledWithItsCount_AndCarriesTheLatestMessage()
    {
        var at = DateTimeOffset.UnixEpoch;
        ChatMessage Message(string id, string content) => new() { Id = id, ConversationId = "c_1", Seq = 1, SenderId = "alice", SenderName = "Alice", Content = content, CreatedAt = at };
        var notification = new ChatNotification("n1", "bob", [new(Message("m_1", "first"), ConversationType.Direct, null), new(Message("m_2", "second"), ConversationType.Direct, null)], 7);

        var message = FcmMessage.For(notification, "token", 200).Message;

        Assert.Equal(("7 new messages", "Alice: second"), (message.Notification.Title, message.Notification.Body));
        Assert.Equal(("m_2", "7"), (message.Data["messageId"], message.Data["messageCount"]));
    }

    /// <summary>A host's ChatKit services with the FCM channel, batching off, its outbox started.</summary>
    private sealed class Node : IAsyncDisposable
    {
        private readonly ServiceProvider _provider;
        private readonly List<IHostedService> _hosted;

        private Node(ServiceProvider provider)
        {
            _provider = provider;
            _hosted = [.. provider.GetServices<IHostedService>()];
        }

        private ChatService Chat => _provider.GetRequiredService<ChatService>();

        public static async Task<Node> StartAsync(Action<ChatKitFcmOptions> configure)
        {
            var services = new ServiceCollection();
            services.AddLogging();
            services.AddChatKitCore()
                .AddFcm(configure)
                .ConfigureNotifications(n => n.BatchWindow = TimeSpan.Zero)
                .ConfigureOutbox(o => (o.PollInterval, o.RetryBaseDelay, o.RetryMaxDelay) = (TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(100)));
            var node = new Node(services.BuildServiceProvider());
            foreach (var hosted in node._hosted)
            {
                await hosted.StartAsync(Ct);
            }

            return node;
        }

        public async Task<string> DirectAsync(string from, string to) =>
            (await Chat.CreateConversationAsync(User(from), new CreateConversationRequest { Type = ConversationType.Direct, ParticipantIds = [to] }, Ct)).Conversation.Conversation.Id;

        public async Task<string> GroupAsync(string owner, string name, params string[] members) =>
            (await Chat.CreateConversationAsync(User(owner), new CreateConversationRequest { Type = ConversationType.Group, Name = name, ParticipantIds = members }, Ct)).Conversation.Conversation.Id;

        public async Task<ChatMessage> SendAsync(string from, string conversationId, string content) =>
            (await Chat.SendMessageAsync(User(from), new SendMessageRequest { ConversationId = conversationId, Content = content }, Ct)).Message;

        public async Task RegisterAsync(string userId, params string[] tokens)
        {
            foreach (var token in tokens)
            {
                await Registrations.SavePushRegistrationAsync(new PushRegistration(userId, PushProviders.Fcm, token, new Dictionary<string, string>(), DateTimeOffset.UtcNow), Ct);
            }
        }

        public async Task<string[]> TokensAsync(string userId) =>
            [.. (await Registrations.GetPushRegistrationsAsync(PushProviders.Fcm, [userId], Ct)).Select(r => r.Address).Order()];

        public Task<IReadOnlyList<Storage.OutboxRetryEntry>> Dead() =>
            _provider.GetRequiredService<ChatKitOutbox>().GetDeadLettersAsync(cancellationToken: Ct);

        public async Task<T> WaitAsync<T>(Func<Task<T?>> probe)
            where T : class
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            while (true)
            {
                if (await probe() is { } value)
                {
                    return value;
                }

                await Task.Delay(10, timeout.Token);
            }
        }

        private IPushRegistrationStore Registrations => (IPushRegistrationStore)_provider.GetRequiredService<Storage.IChatStore>();

        private static ChatUser User(string id) => new(id, char.ToUpperInvariant(id[0]) + id[1..]);

        public async ValueTask DisposeAsync()
        {
            foreach (var hosted in _hosted)
            {
                await hosted.StopAsync(CancellationToken.None);
            }

            await _provider.DisposeAsync();
        }
    }
}
