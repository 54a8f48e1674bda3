using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using ChatKit.Storage;
using Lib.Net.Http.WebPush;
using Lib.Net.Http.WebPush.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatKit.Notifications.WebPush.Internal;

/// <summary>
/// Sends a <see cref="ChatNotification"/> to every Web Push subscription of its user: the payload of
/// <see cref="WebPushPayload"/>, encrypted (aes128gcm, RFC 8291) and signed (VAPID, RFC 8292) by Lib.Net.Http.WebPush,
/// through the named HttpClient. A subscription the push service reports gone (404, 410) is removed; any other failure
/// makes the whole send throw after every subscription was tried, so the outbox retries it. The <c>Topic</c> header
/// (from the notification id) lets a push service replace a retried notification still waiting for the browser.
/// </summary>
internal sealed class WebPushChannel(IChatStore store, IHttpMessageHandlerFactory handlers, IOptions<WebPushOptions> options, ILogger<WebPushChannel> logger)
    : IChatNotificationChannel
{
    /// <summary>How long one push request may take.</summary>
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    public async ValueTask SendAsync(ChatNotification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var registrations = store as IPushRegistrationStore
            ?? throw new InvalidOperationException($"{store.GetType().Name} does not implement IPushRegistrationStore.");
        var subscriptions = await registrations.GetPushRegistrationsAsync(PushProviders.WebPush, [notification.UserId], cancellationToken).ConfigureAwait(false);
        if (subscriptions.Count == 0)
        {
            return;
        }

        var settings = options.Value;
        var payload = WebPushPayload.Create(notification, settings);
        using var vapid = new VapidAuthentication(settings.PublicKey!.TrimEnd('='), settings.PrivateKey!.TrimEnd('=')) { Subject = settings.Subject };
        // The named client's handler pipeline (the host may configure it), behind ChatKit's VAPID audience fix.
        using var http = new HttpClient(new VapidAudienceHandler(vapid, handlers.CreateHandler(WebPushOptions.HttpClientName)), disposeHandler: false)
        {
            Timeout = RequestTimeout,
        };
        var client = new PushServiceClient(http)
        {
            DefaultAuthentication = vapid,
            DefaultAuthenticationScheme = VapidAuthenticationScheme.Vapid,
            AutoRetryAfter = false,
        };

        List<Exception>? failures = null;
        foreach (var subscription in subscriptions)
        {
            using var content = new ByteArrayContent(payload);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            var message = new PushMessage(content)
            {
                Topic = Topic(notification.Id),
                TimeToLive = (int)settings.TimeToLive.TotalSeconds,
                Urgency = PushMessageUrgency.Normal,
            };
            try
            {
                await client.RequestPushMessageDeliveryAsync(ToSubscription(subscription), message, cancellationToken).ConfigureAwait(false);
            }
            catch (PushServiceClientException exception) when (exception.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
            {
                // Expired or unsubscribed: remove it, unless the browser was registered again by another user meanwhile.
                await registrations.DeletePushRegistrationAsync(PushProviders.WebPush, subscription.Address, subscription.UserId, cancellationToken).ConfigureAwait(false);
                Log.SubscriptionGone(logger, notification.UserId, (int)exception.StatusCode);
            }
            catch (Exception exception) when (exception is PushServiceClientException or HttpRequestException
                || (exception is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                Log.PushFailed(logger, notification.UserId, (int?)(exception as PushServiceClientException)?.StatusCode ?? (int?)(exception as HttpRequestException)?.StatusCode, exception);
                (failures ??= []).Add(exception);
            }
        }

        if (failures is not null)
        {
            throw new AggregateException($"Web Push to {failures.Count} of {subscriptions.Count} subscriptions of {notification.UserId} failed.", failures);
        }
    }

    /// <summary>The <c>Topic</c> header: at most 32 characters of the URL-safe base64 alphabet (RFC 8030), from the id's SHA-256.</summary>
    internal static string Topic(string notificationId) =>
        Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(notificationId)))[..32];

    private static PushSubscription ToSubscription(PushRegistration registration)
    {
        var subscription = new PushSubscription { Endpoint = registration.Address };
        subscription.SetKey(PushEncryptionKeyName.P256DH, registration.Keys.GetValueOrDefault("p256dh") ?? string.Empty);
        subscription.SetKey(PushEncryptionKeyName.Auth, registration.Keys.GetValueOrDefault("auth") ?? string.Empty);
        return subscription;
    }
}
