using ChatKit.Events;
using ChatKit.Filters;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatKit.AspNetCore.Tests;

/// <summary>How AddChatKit wires Core's publisher, SignalR's transport and the host's filters and handlers.</summary>
public sealed class ExtensionRegistrationTests
{
    [Fact]
    public async Task AddChatKit_RegistersSignalRAsOneTransportOfCoresPublisher_Once()
    {
        var services = new ServiceCollection();
        services.AddChatKit();
        services.AddChatKit().AddEventHandler<NoHandler>().AddEventHandler<NoHandler>().AddMessageFilter<NoFilter>().AddMessageFilter<NoFilter>();
        await using var provider = services.BuildServiceProvider();

        var transport = Assert.Single(provider.GetServices<IChatEventTransport>());
        Assert.Equal("SignalRChatEventPublisher", transport.GetType().Name);
        Assert.Equal("ChatEventPublisher", provider.GetRequiredService<IChatEventPublisher>().GetType().Name);
        Assert.Single(provider.GetServices<IChatEventHandler>());
        Assert.Single(provider.GetServices<IMessageFilter>());
    }

    [Fact]
    public async Task AHostsOwnPublisher_RegisteredBeforeAddChatKit_IsKept()
    {
        var services = new ServiceCollection();
        var own = new NoPublisher();
        services.AddSingleton<IChatEventPublisher>(own);
        services.AddChatKit();
        await using var provider = services.BuildServiceProvider();

        Assert.Same(own, provider.GetRequiredService<IChatEventPublisher>());
    }

    [Theory]
    [InlineData("MessageFilterTimeout", "ChatKit:MessageFilterTimeout must be between 00:00:00.010 and 00:01:00; it is 00:00:00.")]
    [InlineData("EventHandlerTimeout", "ChatKit:EventHandlerTimeout must be between 00:00:01 and 01:00:00; it is 00:00:00.")]
    [InlineData("EventHandlerQueueCapacity", "ChatKit:EventHandlerQueueCapacity must be between 1 and 1000000; it is 0.")]
    [InlineData("MessageFilterFailure", "ChatKit:MessageFilterFailure must be Reject or Skip; it is 7.")]
    public async Task ExtensionOptions_OutOfRange_FailAtStartWithTheirName(string option, string failure)
    {
        var services = new ServiceCollection();
        services.AddChatKit(o =>
        {
            switch (option)
            {
                case "MessageFilterTimeout":
                    o.MessageFilterTimeout = TimeSpan.Zero;
                    break;
                case "EventHandlerTimeout":
                    o.EventHandlerTimeout = TimeSpan.Zero;
                    break;
                case "EventHandlerQueueCapacity":
                    o.EventHandlerQueueCapacity = 0;
                    break;
                default:
                    o.MessageFilterFailure = (MessageFilterFailureMode)7;
                    break;
            }
        });
        await using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ChatKitOptions>>().Value);

        Assert.Equal([failure], error.Failures);
    }

    private sealed class NoHandler : IChatEventHandler
    {
        public ValueTask HandleAsync(ChatEvent chatEvent, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    private sealed class NoFilter : IMessageFilter
    {
        public ValueTask<MessageFilterResult> FilterAsync(MessageFilterContext context, CancellationToken cancellationToken) =>
            ValueTask.FromResult(MessageFilterResult.Accept);
    }

    private sealed class NoPublisher : IChatEventPublisher
    {
        public ValueTask PublishAsync(ChatEvent chatEvent, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
