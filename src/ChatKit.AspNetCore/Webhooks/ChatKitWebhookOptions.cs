namespace ChatKit.AspNetCore;

/// <summary>
/// Where and how ChatKit POSTs its durable events (<c>AddChatKit().AddWebhooks(webhooks => …)</c>). Retries, timeouts
/// and dead letters are the outbox's (<see cref="ChatKitOutboxOptions"/>).
/// </summary>
public sealed class ChatKitWebhookOptions
{
    /// <summary>The name of the <see cref="System.Net.Http.HttpClient"/> ChatKit sends with; configure it further with <c>services.AddHttpClient(ChatKitWebhookOptions.HttpClientName)…</c>.</summary>
    public const string HttpClientName = "ChatKit.Webhooks";

    /// <summary>The receiver's absolute <c>http</c> or <c>https</c> URL. Required.</summary>
    public Uri? Url { get; set; }

    /// <summary>
    /// The shared secret of the HMAC-SHA256 signature (<see cref="ChatKitWebhookSignature"/>), at least 16 characters.
    /// Required; keep it out of source control.
    /// </summary>
    public string? Secret { get; set; }
}
