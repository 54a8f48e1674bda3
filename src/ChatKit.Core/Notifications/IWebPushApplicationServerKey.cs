namespace ChatKit.Notifications;

/// <summary>
/// The VAPID public key that browsers subscribe with (the <c>applicationServerKey</c> of <c>pushManager.subscribe</c>).
/// <c>AddWebPush()</c> registers it; ChatKit's REST API serves it at <c>GET {prefix}/push-subscriptions/vapid-public-key</c>
/// and answers 404 there when none is registered.
/// </summary>
public interface IWebPushApplicationServerKey
{
    /// <summary>The uncompressed P-256 public key (65 bytes), base64url without padding.</summary>
    string PublicKey { get; }
}
