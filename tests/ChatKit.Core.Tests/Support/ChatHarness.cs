using ChatKit.Internal;
using ChatKit.Events;
using ChatKit.Services;
using ChatKit.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ChatKit.Core.Tests.Support;

/// <summary>
/// ChatKit.Core built the way a host builds it (<c>AddChatKitCore</c>), with a fake clock and a recording publisher
/// in place of the transport. The rate limits are off unless a test turns them on.
/// </summary>
public sealed class ChatHarness : IAsyncDisposable
{
    /// <summary>The fake clock's start: a time with sub-millisecond ticks, so truncation shows.</summary>
    public static readonly DateTimeOffset Start = new DateTimeOffset(2026, 11, 24, 10, 0, 0, 123, TimeSpan.Zero).AddTicks(4_567);

    private readonly ServiceProvider _provider;
    private readonly List<Microsoft.Extensions.Hosting.IHostedService> _started = [];

    public ChatHarness(Action<ChatKitOptions>? configure = null, IChatEventPublisher? publisher = null, IChatStore? store = null, Action<ChatKitBuilder>? chatKit = null)
    {
        var services = new ServiceCollection();
        var builder = services.AddChatKitCore(options =>
        {
            foreach (var operation in Enum.GetValues<ChatOperation>())
            {
                options.RateLimitFor(operation).Enabled = false;
            }

            configure?.Invoke(options);
        });
        chatKit?.Invoke(builder);
        services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Time));
        services.Configure<ChatKitAttachmentOptions>(o => o.FileSystemPath = Path.Combine(Path.GetTempPath(), "chatkit-core-tests-attachments"));
        services.Replace(ServiceDescriptor.Singleton(publisher ?? Events));
        if (store is not null)
        {
            services.Replace(ServiceDescriptor.Singleton(store));
        }

        _provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        _provider.GetRequiredService<IStartupValidator>().Validate();
        Chat = _provider.GetRequiredService<ChatService>();
        Typing = _provider.GetRequiredService<TypingService>();
        Presence = _provider.GetRequiredService<PresenceService>();
        Store = _provider.GetRequiredService<IChatStore>();
        Attachments = _provider.GetRequiredService<AttachmentService>();
        Push = _provider.GetRequiredService<PushRegistrationService>();
    }

    public AttachmentService Attachments { get; }

    internal PushRegistrationService Push { get; }

    public static ChatUser Alice { get; } = new("alice", "Alice");

    public static ChatUser Bob { get; } = new("bob", "Bob");

    public static ChatUser Carol { get; } = new("carol", "Carol");

    public static ChatUser Dave { get; } = new("dave", "Dave");

    public static ChatUser Eve { get; } = new("eve", "Eve");

    public FakeTimeProvider Time { get; } = new(Start);

    public RecordingEventPublisher Events { get; } = new();

    public ChatService Chat { get; }

    public TypingService Typing { get; }

    public PresenceService Presence { get; }

    public IChatStore Store { get; }

    /// <summary>The fake clock's time as ChatKit stores it: UTC, truncated to milliseconds.</summary>
    public DateTimeOffset Now
    {
        get
        {
            var now = Time.GetUtcNow();
            return new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
        }
    }

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async Task<ConversationView> CreateDirectAsync(ChatUser creator, ChatUser other) =>
        (await Chat.CreateConversationAsync(creator, new CreateConversationRequest { Type = ConversationType.Direct, ParticipantIds = [other.Id] }, Ct)).Conversation;

    public async Task<ConversationView> CreateGroupAsync(ChatUser owner, params ChatUser[] others) =>
        (await Chat.CreateConversationAsync(
            owner,
            new CreateConversationRequest { Type = ConversationType.Group, Name = "Team", ParticipantIds = [.. others.Select(u => u.Id)] },
            Ct)).Conversation;

    public async Task<ChatMessage> SendAsync(ChatUser sender, string conversationId, string content = "Hello", string? tempId = null) =>
        (await Chat.SendMessageAsync(sender, new SendMessageRequest { ConversationId = conversationId, Content = content, TempId = tempId }, Ct)).Message;

    /// <summary>Makes a user an admin of a group. ChatKit has no call for it yet, so it goes through the store.</summary>
    public async Task AddAdminAsync(string conversationId, ChatUser user) =>
        await Store.AddParticipantsAsync(conversationId, [new Participant(user.Id, ParticipantRole.Admin, Now)], Ct);

    /// <summary>The harness's services.</summary>
    public IServiceProvider Services => _provider;

    /// <summary>Starts the hosted services (the outbox dispatcher), as a host would; they stop when the harness is disposed.</summary>
    public async Task StartBackgroundAsync()
    {
        foreach (var hosted in _provider.GetServices<Microsoft.Extensions.Hosting.IHostedService>())
        {
            await hosted.StartAsync(Ct);
            _started.Add(hosted);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var hosted in _started)
        {
            await hosted.StopAsync(CancellationToken.None);
        }

        await _provider.DisposeAsync();
    }
}
