using System.Buffers.Text;
using System.Security.Cryptography;
using ChatKit.Storage;
using Microsoft.Extensions.Options;

namespace ChatKit.Notifications.WebPush.Internal;

/// <summary>Checks <see cref="WebPushOptions"/> at start-up: a usable VAPID identity, sane limits, and a store that keeps subscriptions.</summary>
internal sealed class WebPushOptionsValidator(IChatStore store) : IValidateOptions<WebPushOptions>
{
    public ValidateOptionsResult Validate(string? name, WebPushOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Subject)
            || !(options.Subject.StartsWith("mailto:", StringComparison.Ordinal) && options.Subject.Length > "mailto:".Length
                || Uri.TryCreate(options.Subject, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps))
        {
            failures.Add("WebPush:Subject is required: a mailto: address or an https: URL where push services can reach the server's operator.");
        }

        var publicKey = Decode(options.PublicKey, 65);
        var privateKey = Decode(options.PrivateKey, 32);
        if (publicKey is null || publicKey[0] != 0x04)
        {
            failures.Add("WebPush:PublicKey is required: an uncompressed P-256 public key (65 bytes), base64url (VapidKeys.Generate() makes a pair).");
        }

        if (privateKey is null)
        {
            failures.Add("WebPush:PrivateKey is required: a P-256 private key (32 bytes), base64url (VapidKeys.Generate() makes a pair).");
        }

        if (publicKey is not null && publicKey[0] == 0x04 && privateKey is not null && !IsPair(publicKey, privateKey))
        {
            failures.Add("WebPush:PublicKey and WebPush:PrivateKey are not one P-256 key pair.");
        }

        if (options.TimeToLive < TimeSpan.Zero || options.TimeToLive > TimeSpan.FromDays(28))
        {
            failures.Add($"WebPush:TimeToLive must be between 00:00:00 and 28.00:00:00; it is {options.TimeToLive}.");
        }

        if (string.IsNullOrWhiteSpace(options.ClickUrl))
        {
            failures.Add("WebPush:ClickUrl is required (the page a click opens, e.g. /?conversation={conversationId}).");
        }

        if (options.MaxExcerptLength is < 1 or > 1_000)
        {
            failures.Add($"WebPush:MaxExcerptLength must be between 1 and 1000; it is {options.MaxExcerptLength}.");
        }

        if (store is not IPushRegistrationStore)
        {
            failures.Add(
                $"Web Push needs a store that keeps push subscriptions: {store.GetType().Name} does not implement IPushRegistrationStore. "
                + "Use ChatKit's EF Core or MongoDB store (or the in-memory one), or implement IPushRegistrationStore.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static byte[]? Decode(string? text, int length)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var trimmed = text.TrimEnd('=');
        return Base64Url.IsValid(trimmed, out var decoded) && decoded == length ? Base64Url.DecodeFromChars(trimmed) : null;
    }

    /// <summary>Whether the private key signs what the public key verifies (and the point is on the curve).</summary>
    private static bool IsPair(byte[] publicKey, byte[] privateKey)
    {
        try
        {
            var curve = ECCurve.NamedCurves.nistP256;
            var q = new ECPoint { X = publicKey[1..33], Y = publicKey[33..] };
            using var signer = ECDsa.Create(new ECParameters { Curve = curve, Q = q, D = privateKey });
            using var verifier = ECDsa.Create(new ECParameters { Curve = curve, Q = q });
            byte[] probe = [0x43, 0x68, 0x61, 0x74, 0x4b, 0x69, 0x74];
            return verifier.VerifyData(probe, signer.SignData(probe, HashAlgorithmName.SHA256), HashAlgorithmName.SHA256);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
