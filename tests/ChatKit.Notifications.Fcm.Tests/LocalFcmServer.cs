using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatKit.Notifications.Fcm.Tests;

/// <summary>One request FCM received: the path, the bearer token and the JSON body.</summary>
public sealed record FcmRequest(string Path, string? Authorization, JsonElement Body)
{
    public string Token => Body.GetProperty("message").GetProperty("token").GetString()!;
}

/// <summary>
/// A local stand-in for Google: the OAuth2 token endpoint a service account key's <c>token_uri</c> points at (it checks
/// the JWT assertion's RS256 signature against the key, its issuer, audience and scope, and issues access tokens), and FCM's
/// <c>messages:send</c>, which records each request and answers as <see cref="Answer"/> says for its token.
/// </summary>
public sealed class LocalFcmServer : IAsyncDisposable
{
    private readonly RSA _key = RSA.Create(2048);
    private readonly ConcurrentQueue<FcmRequest> _requests = new();
    private WebApplication? _app;
    private int _issued;

    /// <summary>The server's base address.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>Access tokens issued, in order.</summary>
    public ConcurrentQueue<string> IssuedTokens { get; } = new();

    /// <summary>Bad token requests (wrong signature, audience or scope).</summary>
    public int BadAssertions;

    /// <summary>The answer for a registration token: status and JSON body. Default 200.</summary>
    public Func<string, (int Status, string Body)> Answer { get; set; } = _ => (200, """{"name":"projects/demo-project/messages/1"}""");

    public IReadOnlyList<FcmRequest> Requests => [.. _requests];

    /// <summary>A Google service account key for this server: an RSA key of its own and the token endpoint here.</summary>
    public string ServiceAccountJson => JsonSerializer.Serialize(new Dictionary<string, string>
    {
        ["type"] = "service_account",
        ["project_id"] = "demo-project",
        ["private_key_id"] = "test-key-1",
        ["private_key"] = _key.ExportPkcs8PrivateKeyPem(),
        ["client_email"] = "chatkit@demo-project.iam.gserviceaccount.com",
        ["client_id"] = "1234567890",
        ["token_uri"] = new Uri(Url, "token").ToString(),
    });

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/token", TokenAsync);
        _app.MapPost("/v1/projects/{project}/messages:send", SendAsync);
        await _app.StartAsync();
        Url = new Uri(_app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single() + "/");
    }

    /// <summary>Waits until <paramref name="count"/> send requests arrived.</summary>
    public async Task<IReadOnlyList<FcmRequest>> WaitForRequestsAsync(int count)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (_requests.Count < count)
        {
            await Task.Delay(10, timeout.Token);
        }

        return Requests;
    }

    private async Task<IResult> TokenAsync(HttpRequest request)
    {
        var form = await request.ReadFormAsync();
        if (form["grant_type"] != "urn:ietf:params:oauth:grant-type:jwt-bearer" || !IsValidAssertion(form["assertion"].ToString()))
        {
            Interlocked.Increment(ref BadAssertions);
            return Results.Json(new { error = "invalid_grant" }, statusCode: 400);
        }

        var token = $"ya29.local-{Interlocked.Increment(ref _issued)}";
        IssuedTokens.Enqueue(token);
        return Results.Json(new { access_token = token, expires_in = 3600, token_type = "Bearer" });
    }

    private bool IsValidAssertion(string assertion)
    {
        var parts = assertion.Split('.');
        if (parts.Length != 3
            || !_key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Base64Url(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
        {
            return false;
        }

        using var payload = JsonDocument.Parse(Base64Url(parts[1]));
        var claims = payload.RootElement;
        return claims.GetProperty("scope").GetString() == "https://www.googleapis.com/auth/firebase.messaging"
            && claims.GetProperty("aud").GetString() == "https://oauth2.googleapis.com/token" // Google's audience, whatever token_uri says
            && claims.GetProperty("iss").GetString() == "chatkit@demo-project.iam.gserviceaccount.com";
    }

    private async Task<IResult> SendAsync(HttpRequest request)
    {
        using var body = await JsonDocument.ParseAsync(request.Body);
        var received = new FcmRequest(request.Path, request.Headers.Authorization.ToString(), body.RootElement.Clone());
        _requests.Enqueue(received);
        var (status, answer) = Answer(received.Token);
        return Results.Text(answer, "application/json", Encoding.UTF8, status);
    }

    private static byte[] Base64Url(string text) => System.Buffers.Text.Base64Url.DecodeFromChars(text);

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        _key.Dispose();
    }
}
