using System.Buffers.Text;
using System.Security.Cryptography;

namespace ChatKit.Notifications.WebPush;

/// <summary>Makes VAPID key pairs (P-256), as <see cref="WebPushOptions"/> takes them.</summary>
public static class VapidKeys
{
    /// <summary>Generates a new key pair. Generate one per deployment, keep it: subscriptions are bound to its public key.</summary>
    /// <returns>The public key (65-byte uncompressed point) and the private key (32 bytes), base64url without padding.</returns>
    public static (string PublicKey, string PrivateKey) Generate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var parameters = key.ExportParameters(includePrivateParameters: true);
        return (Base64Url.EncodeToString([0x04, .. parameters.Q.X!, .. parameters.Q.Y!]), Base64Url.EncodeToString(parameters.D!));
    }
}
