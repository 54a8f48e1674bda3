using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace ChatKit.AspNetCore.Internal;

/// <summary>
/// The signed links of attachments: <c>{prefix}/attachments/{id}/content?exp={unix seconds}&amp;sig={signature}</c>, valid
/// until <c>exp</c> without a bearer token. The signature is an HMAC-SHA256 of <c>id.exp</c> with
/// <see cref="ChatKitServerOptions.AttachmentUrlSigningKey"/> when set, otherwise a Data Protection token of the same text
/// (every node that shares the host's key ring verifies it).
/// </summary>
internal sealed class AttachmentLinks
{
    private const string Purpose = "ChatKit.AttachmentLinks.v1";
    private readonly TimeProvider _time;
    private readonly TimeSpan _lifetime;
    private readonly byte[]? _key;
    private readonly IDataProtector? _protector;

    public AttachmentLinks(IOptions<ChatKitServerOptions> options, TimeProvider time, IDataProtectionProvider dataProtection)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(dataProtection);
        _time = time;
        _lifetime = options.Value.AttachmentUrlLifetime;
        if (options.Value.AttachmentUrlSigningKey is { } key)
        {
            _key = Convert.FromBase64String(key);
        }
        else
        {
            _protector = dataProtection.CreateProtector(Purpose);
        }
    }

    /// <summary>The API prefix the links start with; set by <c>MapChatKit()</c>.</summary>
    public string Prefix { get; set; } = "/chats";

    /// <summary>A link to the attachment's bytes, valid for <see cref="ChatKitServerOptions.AttachmentUrlLifetime"/> from now.</summary>
    public string SignedUrl(string attachmentId)
    {
        var expires = _time.GetUtcNow().Add(_lifetime).ToUnixTimeSeconds();
        return string.Create(CultureInfo.InvariantCulture, $"{Prefix}/attachments/{Uri.EscapeDataString(attachmentId)}/content?exp={expires}&sig={Sign(attachmentId, expires)}");
    }

    /// <summary>Whether a link's expiry is in the future and its signature is the one this server makes for it.</summary>
    public bool Verify(string attachmentId, string? exp, string? sig)
    {
        if (string.IsNullOrEmpty(sig) || !long.TryParse(exp, NumberStyles.None, CultureInfo.InvariantCulture, out var expires)
            || expires < _time.GetUtcNow().ToUnixTimeSeconds())
        {
            return false;
        }

        if (_key is not null)
        {
            var expected = Encoding.ASCII.GetBytes(Sign(attachmentId, expires));
            return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(sig));
        }

        try
        {
            var text = Encoding.UTF8.GetString(_protector!.Unprotect(WebEncoders.Base64UrlDecode(sig)));
            return text == Payload(attachmentId, expires);
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            return false;
        }
    }

    private string Sign(string attachmentId, long expires)
    {
        var payload = Encoding.UTF8.GetBytes(Payload(attachmentId, expires));
        return _key is not null
            ? WebEncoders.Base64UrlEncode(HMACSHA256.HashData(_key, payload))
            : WebEncoders.Base64UrlEncode(_protector!.Protect(payload));
    }

    private static string Payload(string attachmentId, long expires) =>
        string.Create(CultureInfo.InvariantCulture, $"{attachmentId}.{expires}");
}
