using System.Text.Json.Serialization;

namespace ChatKit.AspNetCore.Wire;

/// <summary>
/// The body of <c>POST /push-subscriptions</c>: a browser's Web Push subscription, as <c>PushSubscription.toJSON()</c>
/// gives it (other members, such as <c>expirationTime</c>, are ignored).
/// </summary>
public sealed class PushSubscriptionBody
{
    /// <summary>The push service's URL for this browser: absolute <c>https</c> (<c>http</c> only to a loopback host).</summary>
    [JsonPropertyName("endpoint")] public string? Endpoint { get; init; }

    /// <summary>The subscription's keys.</summary>
    [JsonPropertyName("keys")] public PushSubscriptionKeysBody? Keys { get; init; }
}

/// <summary>The <c>keys</c> of a <see cref="PushSubscriptionBody"/>, base64url as the browser gives them.</summary>
public sealed class PushSubscriptionKeysBody
{
    /// <summary>The browser's uncompressed P-256 public key (65 bytes).</summary>
    [JsonPropertyName("p256dh")] public string? P256dh { get; init; }

    /// <summary>The authentication secret (16 bytes).</summary>
    [JsonPropertyName("auth")] public string? Auth { get; init; }
}

/// <summary>The body of <c>POST /push-tokens/fcm</c>.</summary>
public sealed class FcmTokenBody
{
    /// <summary>The device's FCM registration token.</summary>
    [JsonPropertyName("token")] public string? Token { get; init; }
}

/// <summary>The answer of <c>GET /push-subscriptions/vapid-public-key</c>.</summary>
public sealed class VapidPublicKeyDto
{
    /// <summary>The server's VAPID public key, base64url: the <c>applicationServerKey</c> of <c>pushManager.subscribe</c>.</summary>
    [JsonPropertyName("publicKey")] public required string PublicKey { get; init; }
}
