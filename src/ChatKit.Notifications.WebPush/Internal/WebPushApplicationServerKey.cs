using Microsoft.Extensions.Options;

namespace ChatKit.Notifications.WebPush.Internal;

/// <summary>The configured VAPID public key, for the page's <c>pushManager.subscribe</c>.</summary>
internal sealed class WebPushApplicationServerKey(IOptions<WebPushOptions> options) : IWebPushApplicationServerKey
{
    public string PublicKey => options.Value.PublicKey!;
}
