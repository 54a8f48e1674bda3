using System.IdentityModel.Tokens.Jwt;
using System.Security.Claims;
using System.Text;
using ChatKit;
using ChatKit.Sample;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.IdentityModel.Tokens;

var builder = WebApplication.CreateBuilder(args);

// ChatKit issues no tokens: the host's authentication does. The sample accepts HS256 bearer tokens signed with
// Jwt__Secret; in real life the host's own login issues them.
var jwt = SampleJwt.FromConfiguration(builder.Configuration, builder.Environment);
builder.Services.AddSingleton(jwt);
builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
    .AddJwtBearer(o =>
    {
        o.MapInboundClaims = false; // keep "sub" and "name" as they are
        o.TokenValidationParameters = jwt.ValidationParameters();
        o.Events = new JwtBearerEvents
        {
            // Browsers cannot set headers on WebSockets: the hub accepts the token as ?access_token=.
            OnMessageReceived = context =>
            {
                var token = context.Request.Query["access_token"];
                if (!string.IsNullOrEmpty(token) && context.HttpContext.Request.Path.StartsWithSegments("/chat"))
                {
                    context.Token = token;
                }

                return Task.CompletedTask;
            },
        };
    });
builder.Services.AddAuthorization();

// Every ChatKit option can be set from the "ChatKit" section (ChatKit__SendRateLimit__PermitLimit=...).
builder.Services.AddOptions<ChatKitOptions>().Bind(builder.Configuration.GetSection("ChatKit"));
builder.Services.AddChatKit().UseConfiguredStorage(builder.Configuration).AddSampleWebPush(builder.Configuration);

// /healthz reports every registered check: with ConnectionStrings__Redis set, that includes Redis reachability.
builder.Services.AddHealthChecks();

var app = builder.Build();

// Security headers on every response: the page runs only its own scripts and styles, connects only to its own origin,
// cannot be framed, and the browser never guesses a content type. A host serving its own page sets its own.
app.Use((context, next) =>
{
    var headers = context.Response.Headers;
    headers.ContentSecurityPolicy = SampleHeaders.ContentSecurityPolicy;
    headers.XContentTypeOptions = "nosniff";
    headers.XFrameOptions = "DENY";
    headers["Referrer-Policy"] = "no-referrer";
    return next(context);
});
app.UseDefaultFiles();
app.UseStaticFiles();
app.UseAuthentication();
app.UseAuthorization();
app.MapChatKit();

if (app.Configuration.GetValue<bool>("DevTokens:Enabled"))
{
    // Only when DevTokens__Enabled=true (launchSettings.json sets it for `dotnet run`), in any environment: mints a token
    // for any user name, so the page can sign in without a login system. Never enable it on a server others can reach.
    app.Logger.LogWarning("POST /dev/token is enabled: anyone who can reach this server can sign in as any user.");
    app.MapPost("/dev/token", (DevTokenRequest request, SampleJwt keys) =>
        string.IsNullOrWhiteSpace(request.UserId) || request.UserId.Length > 64
            ? Results.ValidationProblem(new Dictionary<string, string[]> { ["userId"] = ["userId has 1 to 64 characters"] })
            : Results.Ok(new { token = keys.Mint(request.UserId.Trim(), request.Name?.Trim() is { Length: > 0 } n ? n : request.UserId.Trim()) }));
}

app.MapHealthChecks("/healthz", new HealthCheckOptions
{
    ResponseWriter = (context, report) => context.Response.WriteAsJsonAsync(new
    {
        status = report.Status == HealthStatus.Healthy ? "ok" : report.Status.ToString().ToLowerInvariant(),
        checks = report.Entries.ToDictionary(e => e.Key, e => e.Value.Status.ToString().ToLowerInvariant()),
    }),
});
await app.RunAsync();

/// <summary>The sample's security headers.</summary>
internal static class SampleHeaders
{
    /// <summary>Scripts, styles, images and connections (the hub's WebSocket included) from the page's own origin only; no framing.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
}

/// <summary>The body of the development token endpoint.</summary>
internal sealed record DevTokenRequest(string UserId, string? Name);

/// <summary>
/// The sample's signing key and validation rules: the signature, the issuer and the audience are always checked (both
/// <c>chatkit-sample</c> unless Jwt__Issuer and Jwt__Audience say otherwise), and a token must expire within
/// Jwt__TokenLifetime (default 1 hour) of the moment it is presented, so a leaked token is good for an hour at most.
/// </summary>
internal sealed class SampleJwt
{
    public const string DefaultIssuer = "chatkit-sample";
    public const string DefaultAudience = "chatkit-sample";
    private const string DevelopmentSecret = "chatkit-sample-development-secret-not-for-production";
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);
    private readonly SymmetricSecurityKey _key;
    private readonly string _issuer;
    private readonly string _audience;
    private readonly TimeSpan _lifetime;

    private SampleJwt(string secret, string issuer, string audience, TimeSpan lifetime)
    {
        _key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret));
        _issuer = issuer;
        _audience = audience;
        _lifetime = lifetime;
    }

    public static SampleJwt FromConfiguration(IConfiguration configuration, IHostEnvironment environment)
    {
        var secret = configuration["Jwt:Secret"];
        if (string.IsNullOrEmpty(secret))
        {
            secret = environment.IsDevelopment()
                ? DevelopmentSecret
                : throw new InvalidOperationException("Jwt__Secret is required outside Development (an HS256 key of at least 32 bytes).");
        }

        if (Encoding.UTF8.GetByteCount(secret) < 32)
        {
            throw new InvalidOperationException("Jwt__Secret must be at least 32 bytes.");
        }

        var lifetime = configuration.GetValue("Jwt:TokenLifetime", TimeSpan.FromHours(1));
        if (lifetime <= TimeSpan.Zero || lifetime > TimeSpan.FromDays(1))
        {
            throw new InvalidOperationException("Jwt__TokenLifetime must be between 00:00:01 and 1.00:00:00.");
        }

        return new SampleJwt(
            secret,
            configuration["Jwt:Issuer"] is { Length: > 0 } issuer ? issuer : DefaultIssuer,
            configuration["Jwt:Audience"] is { Length: > 0 } audience ? audience : DefaultAudience,
            lifetime);
    }

    public TokenValidationParameters ValidationParameters() => new()
    {
        IssuerSigningKey = _key,
        ValidateIssuerSigningKey = true,
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        ValidateIssuer = true,
        ValidIssuer = _issuer,
        ValidateAudience = true,
        ValidAudience = _audience,
        ValidateLifetime = true,
        RequireExpirationTime = true,
        ClockSkew = ClockSkew,
        LifetimeValidator = (notBefore, expires, _, _) => IsWithinLifetime(notBefore, expires, TimeProvider.System.GetUtcNow().UtcDateTime),
        NameClaimType = "name",
    };

    /// <summary>Valid now, and expiring no later than one lifetime from now: a token minted for a year is refused.</summary>
    private bool IsWithinLifetime(DateTime? notBefore, DateTime? expires, DateTime now) =>
        expires is { } exp
        && exp.ToUniversalTime() > now - ClockSkew
        && exp.ToUniversalTime() <= now + _lifetime + ClockSkew
        && (notBefore is null || notBefore.Value.ToUniversalTime() <= now + ClockSkew);

    public string Mint(string userId, string name)
    {
        var token = new JwtSecurityToken(
            issuer: _issuer,
            audience: _audience,
            claims: [new Claim("sub", userId), new Claim("name", name)],
            expires: TimeProvider.System.GetUtcNow().UtcDateTime.Add(_lifetime),
            signingCredentials: new SigningCredentials(_key, SecurityAlgorithms.HmacSha256));
        return new JwtSecurityTokenHandler().WriteToken(token);
    }
}
