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
builder.Services.AddChatKit().UseConfiguredStorage(builder.Configuration);

// /healthz reports every registered check: with ConnectionStrings__Redis set, that includes Redis reachability.
builder.Services.AddHealthChecks();

var app = builder.Build();
app.UseDefaultFiles();
app.UseStaticFiles();
app.UseAuthentication();
app.UseAuthorization();
app.MapChatKit();

if (app.Environment.IsDevelopment())
{
    // Development only: mints a token for a demo user, so the page can sign in without a login system.
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

/// <summary>The body of the development token endpoint.</summary>
internal sealed record DevTokenRequest(string UserId, string? Name);

/// <summary>The sample's signing key and validation rules.</summary>
internal sealed class SampleJwt
{
    private const string DevelopmentSecret = "chatkit-sample-development-secret-not-for-production";
    private readonly SymmetricSecurityKey _key;
    private readonly string? _issuer;
    private readonly string? _audience;

    private SampleJwt(string secret, string? issuer, string? audience)
    {
        _key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret));
        _issuer = issuer;
        _audience = audience;
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

        return new SampleJwt(secret, configuration["Jwt:Issuer"], configuration["Jwt:Audience"]);
    }

    public TokenValidationParameters ValidationParameters() => new()
    {
        IssuerSigningKey = _key,
        ValidateIssuerSigningKey = true,
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        ValidateIssuer = _issuer is not null,
        ValidIssuer = _issuer,
        ValidateAudience = _audience is not null,
        ValidAudience = _audience,
        ValidateLifetime = true,
        NameClaimType = "name",
    };

    public string Mint(string userId, string name)
    {
        var token = new JwtSecurityToken(
            issuer: _issuer,
            audience: _audience,
            claims: [new Claim("sub", userId), new Claim("name", name)],
            expires: TimeProvider.System.GetUtcNow().UtcDateTime.AddHours(12),
            signingCredentials: new SigningCredentials(_key, SecurityAlgorithms.HmacSha256));
        return new JwtSecurityTokenHandler().WriteToken(token);
    }
}
