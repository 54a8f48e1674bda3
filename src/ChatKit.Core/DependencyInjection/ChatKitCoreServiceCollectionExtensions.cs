using ChatKit;
using ChatKit.Events;
using ChatKit.Internal;
using ChatKit.Presence;
using ChatKit.Services;
using ChatKit.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ChatKit's rules without a transport.</summary>
public static class ChatKitCoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers ChatKit's services with the in-memory store and presence tracker, unless others are registered already.
    /// Safe to call more than once. Hosts with ASP.NET Core call <c>AddChatKit()</c>, which calls this.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">Changes the options, or <see langword="null"/>.</param>
    /// <returns>A builder for adapters.</returns>
    public static ChatKitBuilder AddChatKitCore(this IServiceCollection services, Action<ChatKitOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddLogging();
        services.AddOptions<ChatKitOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChatKitOptions>, ChatKitOptionsValidator>());
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IChatStore, InMemoryChatStore>();
        services.TryAddSingleton<IPresenceTracker, InMemoryPresenceTracker>();
        services.TryAddSingleton<IChatEventPublisher, ChatEventPublisher>();
        services.TryAddSingleton<IChatRateLimiter, TokenBucketChatRateLimiter>();
        services.TryAddSingleton<ChatService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, EventRetentionSweeper>());
        services.TryAddSingleton<TypingService>();
        services.TryAddSingleton<PresenceService>();
        services.AddOptions<ChatKitAttachmentOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChatKitAttachmentOptions>, ChatKitAttachmentOptionsValidator>());
        services.TryAddSingleton<ChatKit.Attachments.IAttachmentBlobStore, ChatKit.Attachments.FileSystemAttachmentBlobStore>();
        services.TryAddSingleton<AttachmentService>();
        services.TryAddSingleton<PushRegistrationService>();
        return new ChatKitBuilder(services);
    }
}
