using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatKit.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatKit.Notifications.Fcm.Internal;

/// <summary>
/// Sends a notification to each FCM registration token of its user (<see cref="PushProviders.Fcm"/> registrations), one
/// <c>messages:send</c> request per token through the named client <see cref="ChatKitFcmOptions.HttpClientName"/>. The
/// notification's id is the Android collapse key and notification tag and the APNs collapse id, so a retried or
/// re-planned notification replaces the one shown instead of adding another. A token FCM reports as gone (404, or
/// <c>UNREGISTERED</c>) is removed; a request FCM refuses as bad (other 4xx) is logged and not retried; throttling
/// (429), server errors, authentication failures and network errors make the channel throw after trying every token,
/// so the outbox retries the notification later (the tokens that got it get it again under the same collapse key).
/// </summary>
internal sealed class FcmNotificationChannel : IChatNotificationChannel
{
    private readonly IHttpClientFactory _clients;
    private readonly IPushRegistrationStore _registrations;
    private readonly FcmAccessTokens _tokens;
    private readonly ChatKitFcmOptions _options;
    private readonly ILogger<FcmNotificationChannel> _logger;
    private readonly Uri _sendUri;

    public FcmNotificationChannel(IHttpClientFactory clients, IChatStore store, FcmAccessTokens tokens, IOptions<ChatKitFcmOptions> options, ILogger<FcmNotificationChannel> logger)
    {
        _clients = clients;
        _registrations = store as IPushRegistrationStore
            ?? throw new InvalidOperationException($"FCM notifications need a store that keeps push registrations: {store.GetType().Name} does not implement IPushRegistrationStore.");
        _tokens = tokens;
        _options = options.Value;
        _logger = logger;
        _sendUri = new Uri(_options.Endpoint, $"v1/projects/{Uri.EscapeDataString(_options.ProjectId!)}/messages:send");
    }

    /// <inheritdoc/>
    public async ValueTask SendAsync(ChatNotification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var registrations = await _registrations.GetPushRegistrationsAsync(PushProviders.Fcm, [notification.UserId], cancellationToken).ConfigureAwait(false);
        if (registrations.Count == 0)
        {
            return;
        }

        var token = await _tokens.GetAsync(cancellationToken).ConfigureAwait(false);
        var client = _clients.CreateClient(ChatKitFcmOptions.HttpClientName);
        var failures = new List<string>();
        foreach (var registration in registrations)
        {
            var failure = await SendOneAsync(client, token, notification, registration, cancellationToken).ConfigureAwait(false);
            if (failure is not null)
            {
                failures.Add(failure);
            }
        }

        if (failures.Count > 0)
        {
            throw new HttpRequestException($"FCM did not take notification {notification.Id} for {failures.Count} of {registrations.Count} token(s): {string.Join("; ", failures)}");
        }
    }

    /// <summary>Sends to one token; returns why a retry is needed, or <see langword="null"/>.</summary>
    private async Task<string?> SendOneAsync(HttpClient client, string accessToken, ChatNotification notification, PushRegistration registration, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _sendUri)
        {
            Content = JsonContent.Create(FcmMessage.For(notification, registration.Address, _options.MaxBodyLength)),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException exception)
        {
            return exception.Message;
        }

        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                return null;
            }

            var (code, message) = await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (response.StatusCode == HttpStatusCode.NotFound || code == "UNREGISTERED")
            {
                await _registrations.DeletePushRegistrationAsync(PushProviders.Fcm, registration.Address, registration.UserId, cancellationToken).ConfigureAwait(false);
                Log.TokenRemoved(_logger, registration.UserId, status, code);
                return null;
            }

            if (status is >= 400 and < 500 and not 401 and not 403 and not 408 and not 429)
            {
                Log.Refused(_logger, notification.Id, registration.UserId, status, code, message);
                return null;
            }

            return $"{status} {code ?? response.ReasonPhrase}";
        }
    }

    /// <summary>Reads FCM's error: the <c>FcmError</c> detail's <c>errorCode</c> (else the status name), and the message.</summary>
    private static async Task<(string? Code, string? Message)> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var body = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken).ConfigureAwait(false);
            var error = body?["error"];
            var detail = (error?["details"] as JsonArray)?.OfType<JsonObject>().Select(d => d["errorCode"]?.GetValue<string>()).FirstOrDefault(c => c is not null);
            return (detail ?? error?["status"]?.GetValue<string>(), error?["message"]?.GetValue<string>());
        }
        catch (Exception exception) when (exception is JsonException or NotSupportedException or InvalidOperationException or FormatException)
        {
            return (null, null);
        }
    }
}
