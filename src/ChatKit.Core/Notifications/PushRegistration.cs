namespace ChatKit.Notifications;

/// <summary>A browser or device a user registered to get notifications while they are offline.</summary>
/// <param name="UserId">Whose it is.</param>
/// <param name="Provider">Which channel it belongs to: <see cref="PushProviders.WebPush"/>, <see cref="PushProviders.Fcm"/>, or a host's own name.</param>
/// <param name="Address">Where to send: the Web Push subscription's endpoint URL, or the FCM registration token.</param>
/// <param name="Keys">The provider's keys (Web Push: <c>p256dh</c> and <c>auth</c>); empty when it has none.</param>
/// <param name="CreatedAt">When it was registered (UTC).</param>
public sealed record PushRegistration(
    string UserId,
    string Provider,
    string Address,
    IReadOnlyDictionary<string, string> Keys,
    DateTimeOffset CreatedAt);

/// <summary>The provider names ChatKit's own channels use in <see cref="PushRegistration.Provider"/>.</summary>
public static class PushProviders
{
    /// <summary>Web Push (RFC 8030, VAPID, RFC 8291 encryption).</summary>
    public const string WebPush = "webpush";

    /// <summary>Firebase Cloud Messaging, HTTP v1 API.</summary>
    public const string Fcm = "fcm";
}
