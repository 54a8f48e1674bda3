using System.Buffers.Binary;
using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatKit.Testing.Servers;

/// <summary>
/// A push service on 127.0.0.1 for tests, playing the part of the browser vendor's: it accepts Web Push requests
/// (RFC 8030) at <c>/push/{id}</c>, checks their VAPID authorization (RFC 8292: the JWT's ES256 signature with the key
/// in <c>k=</c>, <c>aud</c> = this origin, <c>exp</c> in the future, <c>sub</c>), and decrypts the aes128gcm body (RFC 8291)
/// with the subscription's private key and auth secret, as the browser would. Each subscription answers the status the
/// test gave it (201 by default).
/// </summary>
public sealed class WebPushReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, TestPushSubscription> _subscriptions = new(StringComparer.Ordinal);
    private readonly Channel<ReceivedPush> _received = Channel.CreateUnbounded<ReceivedPush>();

    private WebPushReceiver(WebApplication app) => _app = app;

    /// <summary>The receiver's origin, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string Origin { get; private set; } = string.Empty;

    /// <summary>Starts a receiver on a free loopback port.</summary>
    public static async Task<WebPushReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebPushReceiver(app);
        app.MapPost("/push/{id}", receiver.ReceiveAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        receiver.Origin = new Uri(address).GetLeftPart(UriPartial.Authority);
        return receiver;
    }

    /// <summary>A new browser subscription at this receiver: fresh P-256 keys and auth secret, as a browser makes them.</summary>
    /// <param name="status">What the receiver answers pushes to it: 201, or 404 / 410 (gone), 500 (failing), …</param>
    public TestPushSubscription NewSubscription(HttpStatusCode status = HttpStatusCode.Created)
    {
        var id = Guid.NewGuid().ToString("N");
        var subscription = new TestPushSubscription($"{Origin}/push/{id}", ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256), RandomNumberGenerator.GetBytes(16), status);
        _subscriptions[id] = subscription;
        return subscription;
    }

    /// <summary>Adopts a subscription made elsewhere (e.g. by a page's stubbed pushManager) so pushes to it are checked and decrypted.</summary>
    public TestPushSubscription Adopt(string id, ECDiffieHellman privateKey, byte[] authSecret)
    {
        var subscription = new TestPushSubscription($"{Origin}/push/{id}", privateKey, authSecret, HttpStatusCode.Created);
        _subscriptions[id] = subscription;
        return subscription;
    }

    /// <summary>Waits for the next push any subscription received.</summary>
    public async Task<ReceivedPush> WaitForPushAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        return await _received.Reader.ReadAsync(cts.Token);
    }

    /// <summary>Whether a push is waiting to be read.</summary>
    public bool TryTakePush(out ReceivedPush? push) => _received.Reader.TryRead(out push);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task<IResult> ReceiveAsync(string id, HttpContext http)
    {
        using var body = new MemoryStream();
        await http.Request.Body.CopyToAsync(body, http.RequestAborted);
        var headers = http.Request.Headers;
        var push = new ReceivedPush
        {
            SubscriptionId = id,
            Ttl = headers["TTL"].ToString(),
            Topic = headers["Topic"].ToString(),
            Urgency = headers["Urgency"].ToString(),
            ContentEncoding = headers.ContentEncoding.ToString(),
            Body = body.ToArray(),
        };

        if (!_subscriptions.TryGetValue(id, out var subscription))
        {
            push.Error = "no such subscription";
            _received.Writer.TryWrite(push);
            return Results.StatusCode(StatusCodes.Status404NotFound);
        }

        try
        {
            (push.VapidPublicKey, push.Claims) = VerifyVapid(headers.Authorization.ToString(), Origin);
            push.Payload = Decrypt(push.Body, subscription);
        }
        catch (Exception exception) when (exception is FormatException or CryptographicException or JsonException or InvalidOperationException)
        {
            push.Error = exception.Message;
            _received.Writer.TryWrite(push);
            return Results.Text(exception.Message, statusCode: StatusCodes.Status400BadRequest);
        }

        _received.Writer.TryWrite(push);
        return Results.StatusCode((int)subscription.Status);
    }

    /// <summary>Checks <c>Authorization: vapid t=&lt;jwt&gt;, k=&lt;key&gt;</c>; returns the key and the JWT's claims.</summary>
    private static (string Key, JsonElement Claims) VerifyVapid(string authorization, string origin)
    {
        const string Scheme = "vapid ";
        if (!authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"Authorization is not the vapid scheme: '{authorization}'");
        }

        var parameters = authorization[Scheme.Length..].Split(',', StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : string.Empty, StringComparer.Ordinal);
        var token = parameters.GetValueOrDefault("t") ?? throw new InvalidOperationException("no t= in Authorization");
        var key = parameters.GetValueOrDefault("k") ?? throw new InvalidOperationException("no k= in Authorization");
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            throw new InvalidOperationException("t= is not a JWT");
        }

        var header = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[0])).RootElement;
        if (header.GetProperty("alg").GetString() != "ES256")
        {
            throw new InvalidOperationException("the JWT is not ES256");
        }

        var point = Base64Url.DecodeFromChars(key.TrimEnd('='));
        using var verifier = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = point[1..33], Y = point[33..] },
        });
        if (!verifier.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Base64Url.DecodeFromChars(parts[2]), HashAlgorithmName.SHA256))
        {
            throw new InvalidOperationException("the JWT's ES256 signature does not verify with k=");
        }

        var claims = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1])).RootElement.Clone();
        if (claims.GetProperty("aud").GetString() != origin)
        {
            throw new InvalidOperationException($"aud is {claims.GetProperty("aud")}, not {origin}");
        }

        if (DateTimeOffset.FromUnixTimeSeconds(claims.GetProperty("exp").GetInt64()) <= DateTimeOffset.UtcNow)
        {
            throw new InvalidOperationException("exp is not in the future");
        }

        if (claims.GetProperty("sub").GetString() is not { Length: > 0 })
        {
            throw new InvalidOperationException("no sub");
        }

        return (key.TrimEnd('='), claims);
    }

    /// <summary>Decrypts an aes128gcm body (RFC 8188 framing, RFC 8291 keys) as the user agent does.</summary>
    private static string Decrypt(byte[] body, TestPushSubscription subscription)
    {
        // Header: salt (16) | rs (4) | idlen (1) | keyid (idlen: the sender's ephemeral public key).
        var salt = body[..16];
        var recordSize = BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(16, 4));
        int idLength = body[20];
        var senderPublic = body[21..(21 + idLength)];
        var ciphertext = body[(21 + idLength)..];
        if (idLength != 65 || ciphertext.Length > recordSize || ciphertext.Length < 17)
        {
            throw new InvalidOperationException($"unexpected aes128gcm framing: idlen {idLength}, rs {recordSize}, record {ciphertext.Length}");
        }

        using var sender = ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = senderPublic[1..33], Y = senderPublic[33..] },
        });
        var ecdhSecret = subscription.PrivateKey.DeriveRawSecretAgreement(sender.PublicKey);

        // IKM = HKDF(salt = auth secret, ikm = ECDH secret, info = "WebPush: info" 0x00 ua_public as_public, 32).
        byte[] keyInfo = [.. "WebPush: info"u8, 0x00, .. subscription.PublicKeyBytes, .. senderPublic];
        var ikm = HKDF.DeriveKey(HashAlgorithmName.SHA256, ecdhSecret, 32, subscription.AuthSecret, keyInfo);
        var prk = HKDF.Extract(HashAlgorithmName.SHA256, ikm, salt);
        var cek = HKDF.Expand(HashAlgorithmName.SHA256, prk, 16, [.. "Content-Encoding: aes128gcm"u8, 0x00]);
        var nonce = HKDF.Expand(HashAlgorithmName.SHA256, prk, 12, [.. "Content-Encoding: nonce"u8, 0x00]);

        var plaintext = new byte[ciphertext.Length - 16];
        using (var aes = new AesGcm(cek, 16))
        {
            aes.Decrypt(nonce, ciphertext.AsSpan(0, plaintext.Length), ciphertext.AsSpan(plaintext.Length), plaintext);
        }

        // The last (only) record: data, then the delimiter 0x02, then zero padding.
        var end = plaintext.Length - 1;
        while (end >= 0 && plaintext[end] == 0)
        {
            end--;
        }

        if (end < 0 || plaintext[end] != 0x02)
        {
            throw new InvalidOperationException("the record has no last-record delimiter");
        }

        return Encoding.UTF8.GetString(plaintext, 0, end);
    }
}

/// <summary>A browser's push subscription at a <see cref="WebPushReceiver"/>, with the private half the browser keeps.</summary>
public sealed class TestPushSubscription(string endpoint, ECDiffieHellman privateKey, byte[] authSecret, HttpStatusCode status)
{
    /// <summary>The endpoint URL.</summary>
    public string Endpoint { get; } = endpoint;

    /// <summary>The user agent's key pair.</summary>
    public ECDiffieHellman PrivateKey { get; } = privateKey;

    /// <summary>The 16-byte auth secret.</summary>
    public byte[] AuthSecret { get; } = authSecret;

    /// <summary>What the receiver answers pushes to it.</summary>
    public HttpStatusCode Status { get; set; } = status;

    /// <summary>The uncompressed public key (65 bytes).</summary>
    public byte[] PublicKeyBytes
    {
        get
        {
            var q = PrivateKey.ExportParameters(false).Q;
            return [0x04, .. q.X!, .. q.Y!];
        }
    }

    /// <summary><c>keys.p256dh</c>, base64url.</summary>
    public string P256dh => Base64Url.EncodeToString(PublicKeyBytes);

    /// <summary><c>keys.auth</c>, base64url.</summary>
    public string Auth => Base64Url.EncodeToString(AuthSecret);

    /// <summary>The subscription as <c>PushSubscription.toJSON()</c> gives it: the body of <c>POST /chats/push-subscriptions</c>.</summary>
    public object Body => new { endpoint = Endpoint, expirationTime = (long?)null, keys = new { p256dh = P256dh, auth = Auth } };
}

/// <summary>A push request the receiver got, checked and decrypted.</summary>
public sealed class ReceivedPush
{
    /// <summary>The id in the endpoint's path.</summary>
    public required string SubscriptionId { get; init; }

    /// <summary>The <c>TTL</c> header.</summary>
    public required string Ttl { get; init; }

    /// <summary>The <c>Topic</c> header.</summary>
    public required string Topic { get; init; }

    /// <summary>The <c>Urgency</c> header.</summary>
    public required string Urgency { get; init; }

    /// <summary>The <c>Content-Encoding</c> header.</summary>
    public required string ContentEncoding { get; init; }

    /// <summary>The encrypted body as sent.</summary>
    public required byte[] Body { get; init; }

    /// <summary>The VAPID public key of <c>k=</c>, base64url.</summary>
    public string? VapidPublicKey { get; set; }

    /// <summary>The VAPID JWT's claims.</summary>
    public JsonElement Claims { get; set; }

    /// <summary>The decrypted payload.</summary>
    public string? Payload { get; set; }

    /// <summary>Why the request was refused (the VAPID check or the decryption failed), or null.</summary>
    public string? Error { get; set; }
}
