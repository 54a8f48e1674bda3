namespace ChatKit.Notifications.WebPush;

/// <summary>
/// How ChatKit sends Web Push notifications: the VAPID identity (RFC 8292), how long a push service keeps an undelivered
/// notification, and what the notification says. Validated at start-up. Set with <c>AddChatKit().AddWebPush(...)</c>.
/// </summary>
public sealed class WebPushOptions
{
    /// <summary>The name of the <see cref="System.Net.Http.HttpClient"/> ChatKit sends pushes with; configure it further with <c>services.AddHttpClient(WebPushOptions.HttpClientName)…</c>.</summary>
    public const string HttpClientName = "ChatKit.WebPush";

    /// <summary>
    /// Who the push services can contact about this server: a <c>mailto:</c> address or an <c>https:</c> URL, sent as
    /// the VAPID token's <c>sub</c>. Required.
    /// </summary>
    public string? Subject { get; set; }

    /// <summary>
    /// The VAPID public key: an uncompressed P-256 point (65 bytes), base64url. Required. Browsers subscribe with it
    /// (<c>GET /chats/push-subscriptions/vapid-public-key</c> serves it); changing it invalidates every subscription.
    /// </summary>
    public string? PublicKey { get; set; }

    /// <summary>
    /// The VAPID private key: the P-256 private scalar (32 bytes), base64url, matching <see cref="PublicKey"/>. Required;
    /// keep it secret (user secrets, a key vault), never in source control. <see cref="VapidKeys.Generate"/> makes a pair.
    /// </summary>
    public string? PrivateKey { get; set; }

    /// <summary>
    /// How long a push service keeps a notification for a browser that is offline (the <c>TTL</c> header); after it, the
    /// notification is dropped. Default 1 day; 0 (deliver now or never) to 28 days.
    /// </summary>
    public TimeSpan TimeToLive { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// The page a click on the notification opens, as the payload's <c>url</c>: relative to the page's origin, or
    /// absolute. <c>{conversationId}</c> is replaced by the (URL-escaped) id of the conversation of the latest message.
    /// Default <c>/?conversation={conversationId}</c>.
    /// </summary>
    public string ClickUrl { get; set; } = "/?conversation={conversationId}";

    /// <summary>The most characters of the message excerpt in the notification's <c>body</c>. Default 200; 1 to 1,000.</summary>
    public int MaxExcerptLength { get; set; } = 200;
}
