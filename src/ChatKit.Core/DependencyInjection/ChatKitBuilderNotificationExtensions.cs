using System.Diagnostics.Metrics;
using ChatKit;
using ChatKit.Internal.Notifications;
using ChatKit.Notifications;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the channels that notify users who are offline.</summary>
public static class ChatKitBuilderNotificationExtensions
{
    /// <summary>
    /// Adds a notification channel: each participant with no open connection anywhere in the cluster is notified through
    /// it, from the durable outbox, when a message reaches them (one notification per batching window, see
    /// <see cref="ChatKitNotificationOptions"/>). Each channel is its own outbox sink, named
    /// <c>notifications:</c> and the channel type's full name, with its own checkpoint, retries and dead letters. Adding
    /// the same type twice adds it once. The channel is a singleton.
    /// </summary>
    /// <typeparam name="TChannel">The channel.</typeparam>
    /// <param name="builder">The ChatKit builder.</param>
    /// <returns>The builder.</returns>
    public static ChatKitBuilder AddNotificationChannel<TChannel>(this ChatKitBuilder builder)
        where TChannel : class, IChatNotificationChannel
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IChatNotificationChannel, TChannel>());
        services.AddOptions<ChatKitNotificationOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChatKitNotificationOptions>, ChatKitNotificationOptionsValidator>());
        services.TryAddSingleton<NotificationPlanner>();
        services.TryAddSingleton(sp => new NotificationMetrics(sp.GetService<IMeterFactory>()));
        return builder.AddEventSink<NotificationSink<TChannel>>();
    }

    /// <summary>Changes how offline users are notified (the batching window, the messages per notification).</summary>
    /// <param name="builder">The ChatKit builder.</param>
    /// <param name="configure">Changes the options.</param>
    /// <returns>The builder.</returns>
    public static ChatKitBuilder ConfigureNotifications(this ChatKitBuilder builder, Action<ChatKitNotificationOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure(configure);
        return builder;
    }
}
