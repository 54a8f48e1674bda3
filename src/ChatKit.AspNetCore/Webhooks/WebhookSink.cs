using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using ChatKit.AspNetCore.Internal;
using ChatKit.AspNetCore.Wire;
using ChatKit.Events;
using ChatKit.Storage;
using Microsoft.Extensions.Options;

namespace ChatKit.AspNetCore.Webhooks;

/// <summary>
/// POSTs every durable event to the host's URL as <c>{ id, type, data, occurredAt }</c> (data: the hub's payload),
/// signed (<see cref="ChatKitWebhookSignature"/>). Any answer but 2xx, or no answer, is a failed attempt that the outbox
/// retries with backoff and eventually dead-letters.
/// </summary>
internal sealed class WebhookSink(IHttpClientFactory clients, IOptions<ChatKitWebhookOptions> options, TimeProvider time, AttachmentLinks links) : IChatEventSink
{
    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };

    public async ValueTask DeliverAsync(OutboxEntry entry, CancellationToken cancellationToken)
    {
        // The feed holds durable events only; the data is the hub's own payload for it, eventId included.
        var type = ChatEventJson.TypeOf(entry.Event);
        var settings = options.Value;
        var body = JsonSerializer.SerializeToUtf8Bytes(new WebhookEnvelope(entry.Id, type, EventWire.Payload(entry.Event, links), entry.OccurredAt.UtcDateTime), WireJson.Options);
        using var request = new HttpRequestMessage(HttpMethod.Post, settings.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = Json;
        request.Headers.Add(ChatKitWebhookSignature.HeaderName, ChatKitWebhookSignature.Create(settings.Secret!, time.GetUtcNow(), body));
        request.Headers.Add(ChatKitWebhookSignature.EventIdHeaderName, entry.Id);
        request.Headers.Add(ChatKitWebhookSignature.EventTypeHeaderName, type);
        request.Headers.Add(ChatKitWebhookSignature.AttemptHeaderName, entry.Attempt.ToString(CultureInfo.InvariantCulture));

        using var response = await clients.CreateClient(ChatKitWebhookOptions.HttpClientName)
            .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken)
            .ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"the webhook receiver answered {(int)response.StatusCode} {response.ReasonPhrase}", null, response.StatusCode);
        }
    }

    private sealed record WebhookEnvelope(
        [property: JsonPropertyName("id")] string Id,
        [property: JsonPropertyName("type")] string Type,
        [property: JsonPropertyName("data")] object Data,
        [property: JsonPropertyName("occurredAt")] DateTime OccurredAt);
}

/// <summary>Checks <see cref="ChatKitWebhookOptions"/> at start-up.</summary>
internal sealed class ChatKitWebhookOptionsValidator : IValidateOptions<ChatKitWebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, ChatKitWebhookOptions options)
    {
        var failures = new List<string>();
        if (options.Url is not { IsAbsoluteUri: true } url || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            failures.Add($"ChatKit:Webhooks:Url must be an absolute http or https URL; it is '{options.Url}'.");
        }

        if (options.Secret is not { Length: >= 16 })
        {
            failures.Add("ChatKit:Webhooks:Secret must have at least 16 characters.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
