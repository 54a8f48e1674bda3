using ChatKit.AspNetCore;
using ChatKit.AspNetCore.Webhooks;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Sends ChatKit's durable events to the host's URL, signed, through the outbox.</summary>
public static class ChatKitWebhookBuilderExtensions
{
    /// <summary>
    /// POSTs every durable event (messages, edits, deletions, reactions, reads and deliveries, membership, conversations)
    /// to <see cref="ChatKitWebhookOptions.Url"/> as JSON <c>{ id, type, data, occurredAt }</c>, signed with HMAC-SHA256
    /// (<see cref="ChatKitWebhookSignature"/>), at least once: from the outbox, with retries, backoff and dead letters
    /// (<see cref="ChatKit.ChatKitOutboxOptions"/>). Requests go through the named client
    /// <see cref="ChatKitWebhookOptions.HttpClientName"/> of <see cref="System.Net.Http.IHttpClientFactory"/>; the host's
    /// other clients and defaults are not changed.
    /// </summary>
    /// <param name="builder">The ChatKit builder.</param>
    /// <param name="configure">Sets the URL and the secret.</param>
    /// <returns>The builder.</returns>
    public static ChatKitBuilder AddWebhooks(this ChatKitBuilder builder, Action<ChatKitWebhookOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var services = builder.Services;
        services.AddOptions<ChatKitWebhookOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChatKitWebhookOptions>, ChatKitWebhookOptionsValidator>());
        services.AddHttpClient(ChatKitWebhookOptions.HttpClientName);
        return builder.AddEventSink<WebhookSink>();
    }
}
