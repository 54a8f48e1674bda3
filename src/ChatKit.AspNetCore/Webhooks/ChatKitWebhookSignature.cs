using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ChatKit.AspNetCore;

/// <summary>
/// Signs and verifies ChatKit's webhook requests. Each request carries <c>ChatKit-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex&gt;</c>,
/// where <c>v1</c> is the lower-case hex HMAC-SHA256, keyed with the shared secret (UTF-8), of the timestamp, a period and
/// the raw request body: <c>"{t}.{body}"</c>. A receiver recomputes it over the bytes it received, compares in constant
/// time, and refuses a timestamp outside its replay window; then it deduplicates by the body's <c>id</c> (also sent as
/// <c>ChatKit-Event-Id</c>), since delivery is at least once.
/// </summary>
public static class ChatKitWebhookSignature
{
    /// <summary>The signature header.</summary>
    public const string HeaderName = "ChatKit-Signature";

    /// <summary>The header with the event's stable id (the body's <c>id</c>).</summary>
    public const string EventIdHeaderName = "ChatKit-Event-Id";

    /// <summary>The header with the event's type (the body's <c>type</c>, a hub event name).</summary>
    public const string EventTypeHeaderName = "ChatKit-Event-Type";

    /// <summary>The header with the delivery attempt, 1 for the first.</summary>
    public const string AttemptHeaderName = "ChatKit-Delivery-Attempt";

    /// <summary>The replay window <see cref="Verify"/> uses unless told otherwise: 5 minutes either way.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    /// <summary>Returns the value of the signature header for a body sent at <paramref name="timestamp"/>.</summary>
    /// <param name="secret">The shared secret.</param>
    /// <param name="timestamp">When it is sent (whole seconds are signed).</param>
    /// <param name="body">The exact bytes of the request body.</param>
    public static string Create(string secret, DateTimeOffset timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        var seconds = timestamp.ToUnixTimeSeconds();
        return string.Create(CultureInfo.InvariantCulture, $"t={seconds},v1={Convert.ToHexStringLower(Compute(secret, seconds, body))}");
    }

    /// <summary>
    /// Whether a request is authentic and fresh: the header is well formed, one of its <c>v1</c> signatures matches the
    /// body under <paramref name="secret"/>, and its timestamp is within <paramref name="tolerance"/> of <paramref name="now"/>.
    /// </summary>
    /// <param name="secret">The shared secret.</param>
    /// <param name="header">The <see cref="HeaderName"/> header's value, or <see langword="null"/> when it is missing.</param>
    /// <param name="body">The exact bytes of the request body, as received.</param>
    /// <param name="now">The receiver's current time.</param>
    /// <param name="tolerance">The replay window: how far the timestamp may be from <paramref name="now"/>, either way.</param>
    public static bool Verify(string secret, string? header, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan tolerance)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        if (string.IsNullOrEmpty(header))
        {
            return false;
        }

        long? timestamp = null;
        var signatures = new List<byte[]>(1);
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.StartsWith("t=", StringComparison.Ordinal)
                && long.TryParse(part.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                timestamp = seconds;
            }
            else if (part.StartsWith("v1=", StringComparison.Ordinal) && part.Length == 3 + 64)
            {
                try
                {
                    signatures.Add(Convert.FromHexString(part.AsSpan(3)));
                }
                catch (FormatException)
                {
                    // Not hex: not a signature of ours.
                }
            }
        }

        if (timestamp is not { } t || signatures.Count == 0
            || t < DateTimeOffset.MinValue.ToUnixTimeSeconds() || t > DateTimeOffset.MaxValue.ToUnixTimeSeconds()
            || (now - DateTimeOffset.FromUnixTimeSeconds(t)).Duration() > tolerance)
        {
            return false;
        }

        var expected = Compute(secret, t, body);
        var match = false;
        foreach (var signature in signatures)
        {
            match |= CryptographicOperations.FixedTimeEquals(expected, signature);
        }

        return match;
    }

    private static byte[] Compute(string secret, long seconds, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{seconds}."));
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret));
        hmac.AppendData(prefix);
        hmac.AppendData(body);
        return hmac.GetHashAndReset();
    }
}
