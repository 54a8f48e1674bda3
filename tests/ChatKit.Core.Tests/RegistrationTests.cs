using ChatKit.Core.Tests.Support;
using ChatKit.Events;
using ChatKit.Presence;
using ChatKit.Services;
using ChatKit.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static ChatKit.Core.Tests.Support.ChatHarness;

namespace ChatKit.Core.Tests;

public sealed class RegistrationTests
{
    [Fact]
    public async Task AddChatKitCore_WithNothingElse_UsesTheInMemoryDefaults()
    {
        var services = new ServiceCollection();
        services.AddChatKitCore();
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        provider.GetRequiredService<IStartupValidator>().Validate();

        Assert.IsType<InMemoryChatStore>(provider.GetRequiredService<IChatStore>());
        Assert.IsType<InMemoryPresenceTracker>(provider.GetRequiredService<IPresenceTracker>());
        Assert.Same(TimeProvider.System, provider.GetRequiredService<TimeProvider>());
        Assert.Same(provider.GetRequiredService<ChatService>(), provider.GetRequiredService<ChatService>());
        Assert.NotNull(provider.GetRequiredService<TypingService>());
        Assert.NotNull(provider.GetRequiredService<PresenceService>());

        // The default publisher drops events, so Core works without a transport.
        var chat = provider.GetRequiredService<ChatService>();
        var created = await chat.CreateConversationAsync(Alice, new CreateConversationRequest { Type = ConversationType.Direct, ParticipantIds = [Bob.Id] }, Ct);
        Assert.True(created.Created);
    }

    [Fact]
    public void ChatKitOptions_Defaults_AreTheDocumentedOnes()
    {
        var options = new ChatKitOptions();

        Assert.Equal(4_000, options.MaxContentLength);
        Assert.Equal(200, options.MaxConversationNameLength);
        Assert.Equal(1_000, options.MaxGroupParticipants);
        Assert.Equal(128, options.MaxIdLength);
        Assert.Equal(TimeSpan.FromSeconds(5), options.TypingTimeout);
        Assert.True(options.SendRateLimit.Enabled);
        Assert.Equal(30, options.SendRateLimit.PermitLimit);
        Assert.Equal(TimeSpan.FromSeconds(10), options.SendRateLimit.Window);
    }

    [Fact]
    public async Task AddChatKitCore_Twice_RegistersEachServiceOnceAndAppliesBothConfigurations()
    {
        var services = new ServiceCollection();
        services.AddChatKitCore(o => o.MaxContentLength = 10);
        services.AddChatKitCore(o => o.TypingTimeout = TimeSpan.FromSeconds(9));

        foreach (var type in new[] { typeof(IChatStore), typeof(IPresenceTracker), typeof(IChatEventPublisher), typeof(IChatRateLimiter), typeof(ChatService), typeof(TypingService), typeof(PresenceService), typeof(TimeProvider), typeof(IValidateOptions<ChatKitOptions>) })
        {
            Assert.Single(services, d => d.ServiceType == type);
        }

        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        provider.GetRequiredService<IStartupValidator>().Validate();
        var options = provider.GetRequiredService<IOptions<ChatKitOptions>>().Value;
        Assert.Equal(10, options.MaxContentLength);
        Assert.Equal(TimeSpan.FromSeconds(9), options.TypingTimeout);
    }

    [Fact]
    public async Task AddChatKitCore_KeepsAHostRegisteredStore()
    {
        var hostStore = new InMemoryChatStore();
        var services = new ServiceCollection();
        services.AddSingleton<IChatStore>(hostStore);
        services.AddChatKitCore();
        await using var provider = services.BuildServiceProvider();

        var chat = provider.GetRequiredService<ChatService>();
        var created = await chat.CreateConversationAsync(Alice, new CreateConversationRequest { Type = ConversationType.Direct, ParticipantIds = [Bob.Id] }, Ct);

        Assert.Same(hostStore, provider.GetRequiredService<IChatStore>());
        Assert.Single(services, d => d.ServiceType == typeof(IChatStore));
        Assert.NotNull(await hostStore.FindConversationAsync(created.Conversation.Conversation.Id, Ct));
    }

    [Fact]
    public async Task ChatKitBuilder_Configure_ChangesTheOptions()
    {
        var services = new ServiceCollection();
        var builder = services.AddChatKitCore().Configure(o => o.MaxIdLength = 64);
        await using var provider = services.BuildServiceProvider();

        Assert.Same(services, builder.Services);
        Assert.Equal(64, provider.GetRequiredService<IOptions<ChatKitOptions>>().Value.MaxIdLength);
    }

    [Theory]
    [InlineData("MaxContentLength")]
    [InlineData("MaxConversationNameLength")]
    [InlineData("MaxGroupParticipants")]
    [InlineData("MaxIdLength")]
    [InlineData("TypingTimeout")]
    [InlineData("SendRateLimit:PermitLimit")]
    [InlineData("SendRateLimit:Window")]
    [InlineData("SendRateLimit")]
    public async Task Startup_WithAnOptionOutOfRange_FailsNamingTheOption(string option)
    {
        var services = new ServiceCollection();
        services.AddChatKitCore(o =>
        {
            switch (option)
            {
                case "MaxContentLength": o.MaxContentLength = 0; break;
                case "MaxConversationNameLength": o.MaxConversationNameLength = 1_001; break;
                case "MaxGroupParticipants": o.MaxGroupParticipants = 1; break;
                case "MaxIdLength": o.MaxIdLength = -1; break;
                case "TypingTimeout": o.TypingTimeout = TimeSpan.FromMilliseconds(999); break;
                case "SendRateLimit:PermitLimit": o.SendRateLimit.PermitLimit = 0; break;
                case "SendRateLimit:Window": o.SendRateLimit.Window = TimeSpan.Zero; break;
                case "SendRateLimit": o.SendRateLimit = null!; break;
                default: throw new ArgumentOutOfRangeException(nameof(option), option, null);
            }
        });
        await using var provider = services.BuildServiceProvider();

        var atStartup = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        var onUse = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ChatKitOptions>>().Value);

        Assert.Contains("ChatKit:" + option + " ", atStartup.Message, StringComparison.Ordinal);
        Assert.Single(atStartup.Failures);
        Assert.Contains("ChatKit:" + option + " ", onUse.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Startup_WithSeveralBadOptions_ReportsEveryOne()
    {
        var services = new ServiceCollection();
        services.AddChatKitCore(o =>
        {
            o.MaxContentLength = 0;
            o.TypingTimeout = TimeSpan.FromHours(1);
        });
        await using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Equal(2, error.Failures.Count());
        Assert.Contains("MaxContentLength", error.Message, StringComparison.Ordinal);
        Assert.Contains("TypingTimeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Startup_WithBoundaryValues_Succeeds()
    {
        await using var chat = new ChatHarness(o =>
        {
            o.MaxContentLength = 100_000;
            o.MaxGroupParticipants = 2;
            o.MaxIdLength = 1;
            o.TypingTimeout = TimeSpan.FromMinutes(5);
            o.SendRateLimit.Enabled = true;
            o.SendRateLimit.PermitLimit = 1_000_000;
            o.SendRateLimit.Window = TimeSpan.FromMilliseconds(1);
        });

        var group = await chat.Chat.CreateConversationAsync(new ChatUser("a"), new CreateConversationRequest { Type = ConversationType.Group, Name = "n", ParticipantIds = ["b"] }, Ct);
        await chat.SendAsync(new ChatUser("a"), group.Conversation.Conversation.Id, new string('x', 100_000));
    }
}
