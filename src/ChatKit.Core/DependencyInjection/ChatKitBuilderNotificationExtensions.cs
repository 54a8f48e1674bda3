using ChatKit;
using ChatKit.Notifications;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the channels that notify users who are offline.</summary>
public static class ChatKitBuilderNotificationExtensions
{
    /// <summary>
    /// Adds a notification channel: each participant with no open connection anywhere in the cluster is notified through
    /// it, from the durable outbox, when a message reaches them. Adding the same type twice adds it once. The channel is
    /// a singleton.
    /// </summary>
    /// <typeparam name="TChannel">The channel.</typeparam>
    /// <param name="builder">The ChatKit builder.</param>
    /// <returns>The builder.</returns>
    public static ChatKitBuilder AddNotificationChannel<TChannel>(this ChatKitBuilder builder)
        where TChannel : class, IChatNotificationChannel
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IChatNotificationChannel, TChannel>());
        return builder;
    }
}
