using ChatKit;
using ChatKit.Notifications;
using ChatKit.Notifications.WebPush;
using ChatKit.Notifications.WebPush.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Notifies offline users by Web Push.</summary>
public static class ChatKitWebPushBuilderExtensions
{
    /// <summary>
    /// Adds the Web Push channel: each offline user's browsers that subscribed (<c>POST /chats/push-subscriptions</c>)
    /// get an encrypted notification (RFC 8291, VAPID RFC 8292), sent through the named
    /// <see cref="System.Net.Http.HttpClient"/> <see cref="WebPushOptions.HttpClientName"/>; subscriptions the push
    /// service reports gone (404, 410) are removed. Serves the VAPID public key to the page. The store must keep push
    /// registrations (ChatKit's stores do); the host fails at start-up otherwise.
    /// </summary>
    /// <param name="builder">The ChatKit builder.</param>
    /// <param name="configure">Sets the VAPID subject and keys, and the other options.</param>
    /// <returns>The builder.</returns>
    public static ChatKitBuilder AddWebPush(this ChatKitBuilder builder, Action<WebPushOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var services = builder.Services;
        services.AddOptions<WebPushOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WebPushOptions>, WebPushOptionsValidator>());
        services.AddHttpClient(WebPushOptions.HttpClientName);
        services.TryAddSingleton<IWebPushApplicationServerKey, WebPushApplicationServerKey>();
        return builder.AddNotificationChannel<WebPushChannel>();
    }
}
