using System.Buffers.Text;
using System.Security.Cryptography;

namespace ChatKit.Internal;

/// <summary>
/// What a push registration must be before it is stored: a Web Push subscription whose endpoint and keys a push service
/// and RFC 8291 can use, or an FCM token of sane shape. Each rule names the wire field it checks.
/// </summary>
internal static class PushRegistrationRules
{
    /// <summary>The longest endpoint URL kept. Push services' endpoints are a few hundred characters.</summary>
    public const int MaxEndpointLength = 2_048;

    /// <summary>The longest FCM registration token kept (they are about 160 characters).</summary>
    public const int MaxFcmTokenLength = 4_096;

    /// <summary>The longest base64url text of a key (a 65-byte key is 87 characters, 88 padded).</summary>
    private const int MaxKeyTextLength = 128;

    /// <summary>
    /// The endpoint, checked: an absolute <c>https</c> URL, or <c>http</c> to a loopback host (tests, local development).
    /// </summary>
    public static string Endpoint(string? endpoint, string field)
    {
        if (string.IsNullOrEmpty(endpoint))
        {
            throw ChatException.Validation(field, "endpoint is required");
        }

        if (endpoint.Length > MaxEndpointLength)
        {
            throw ChatException.Validation(field, $"endpoint must be at most {MaxEndpointLength} characters");
        }

        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri)
            || !(uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback))
            || uri.UserInfo.Length > 0
            || uri.Fragment.Length > 0)
        {
            throw ChatException.Validation(field, "endpoint must be an absolute https URL (http only to a loopback host), without user info or fragment");
        }

        return endpoint;
    }

    /// <summary>The subscription's <c>p256dh</c>: an uncompressed P-256 point (65 bytes) on the curve, as base64url without padding.</summary>
    public static string P256dh(string? p256dh)
    {
        var bytes = Decode(p256dh, "keys.p256dh", 65, "an uncompressed P-256 public key (65 bytes)");
        if (bytes[0] != 0x04 || !IsOnCurve(bytes))
        {
            throw ChatException.Validation("keys.p256dh", "keys.p256dh must be an uncompressed P-256 public key (65 bytes)");
        }

        return Base64Url.EncodeToString(bytes);
    }

    /// <summary>The subscription's <c>auth</c> secret: 16 bytes, as base64url without padding.</summary>
    public static string Auth(string? auth) =>
        Base64Url.EncodeToString(Decode(auth, "keys.auth", 16, "16 bytes"));

    /// <summary>An FCM registration token: printable ASCII without spaces, at most <see cref="MaxFcmTokenLength"/> characters.</summary>
    public static string FcmToken(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            throw ChatException.Validation("token", "token is required");
        }

        if (token.Length > MaxFcmTokenLength || token.Any(c => c is <= ' ' or > '~'))
        {
            throw ChatException.Validation("token", $"token must be at most {MaxFcmTokenLength} printable ASCII characters without spaces");
        }

        return token;
    }

    private static byte[] Decode(string? text, string field, int length, string what)
    {
        if (string.IsNullOrEmpty(text))
        {
            throw ChatException.Validation(field, $"{field} is required");
        }

        var trimmed = text.TrimEnd('=');
        if (trimmed.Length > MaxKeyTextLength || !Base64Url.IsValid(trimmed, out var decodedLength) || decodedLength != length)
        {
            throw ChatException.Validation(field, $"{field} must be base64url of {what}");
        }

        return Base64Url.DecodeFromChars(trimmed);
    }

    private static bool IsOnCurve(byte[] point)
    {
        try
        {
            using var key = ECDiffieHellman.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = point[1..33], Y = point[33..] },
            });
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
