using System.Net.Http.Headers;
using Lib.Net.Http.WebPush.Authentication;

namespace ChatKit.Notifications.WebPush.Internal;

/// <summary>
/// Signs each push request's VAPID token for the endpoint's origin. Lib.Net.Http.WebPush 3.3.1 signs
/// <c>aud = scheme://host</c> without the port; RFC 8292 asks for the origin, which includes a port that is not the
/// scheme's default. Browsers' push services all listen on 443, where both agree; a push service on another port
/// (a self-hosted one, a test's) would refuse the library's token. So the <c>Authorization</c> header is made again here
/// with the right audience, by the library's own <see cref="VapidAuthentication"/>. Never disposed: its inner handler
/// belongs to IHttpClientFactory, which recycles it.
/// </summary>
internal sealed class VapidAudienceHandler(VapidAuthentication vapid, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.RequestUri is { } uri)
        {
            var audience = uri.GetLeftPart(UriPartial.Authority);
            request.Headers.Authorization = new AuthenticationHeaderValue("vapid", vapid.GetVapidSchemeAuthenticationHeaderValueParameter(audience));
        }

        return base.SendAsync(request, cancellationToken);
    }
}
