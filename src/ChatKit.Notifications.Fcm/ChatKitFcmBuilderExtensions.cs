using ChatKit;
using ChatKit.Notifications.Fcm;
using ChatKit.Notifications.Fcm.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds offline notifications through Firebase Cloud Messaging.</summary>
public static class ChatKitFcmBuilderExtensions
{
    /// <summary>
    /// Notifies offline users on the Android, iOS and web apps that registered an FCM token
    /// (<c>POST /chats/push-tokens/fcm</c>), through the FCM HTTP v1 API: a notification channel fed from the durable
    /// outbox (retries, batching and mute as for every channel). Requests go through the named
    /// <see cref="System.Net.Http.HttpClient"/> <see cref="ChatKitFcmOptions.HttpClientName"/>; the host's other clients
    /// are not changed.
    /// </summary>
    /// <param name="builder">The ChatKit builder.</param>
    /// <param name="configure">Sets the project id and the credential.</param>
    /// <returns>The builder.</returns>
    public static ChatKitBuilder AddFcm(this ChatKitBuilder builder, Action<ChatKitFcmOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var services = builder.Services;
        services.AddOptions<ChatKitFcmOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChatKitFcmOptions>, ChatKitFcmOptionsValidator>());
        services.AddHttpClient(ChatKitFcmOptions.HttpClientName);
        services.TryAddSingleton<FcmAccessTokens>();
        return builder.AddNotificationChannel<FcmNotificationChannel>();
    }
}
