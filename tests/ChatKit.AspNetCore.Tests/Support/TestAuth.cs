using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChatKit.AspNetCore.Tests.Support;

/// <summary>HS256 bearer tokens the test hosts accept, set up the way the sample host does it.</summary>
public static class TestAuth
{
    /// <summary>The signing key of every test host (HS256 needs at least 32 bytes).</summary>
    public const string Secret = "chatkit-aspnetcore-tests-signing-key-0123456789";

    private static readonly SymmetricSecurityKey Key = new(Encoding.UTF8.GetBytes(Secret));

    /// <summary>Mints a token with <c>sub</c> = <paramref name="userId"/> and <c>name</c> = <paramref name="name"/>.</summary>
    public static string Token(string userId, string? name = null, string? secret = null, TimeSpan? lifetime = null)
    {
        var claims = new Dictionary<string, object> { ["sub"] = userId };
        if (name is not null)
        {
            claims["name"] = name;
        }

        return Token(claims, secret, lifetime);
    }

    /// <summary>Mints a token with exactly these claims.</summary>
    public static string Token(Dictionary<string, object> claims, string? secret = null, TimeSpan? lifetime = null)
    {
        var key = secret is null ? Key : new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret));
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            NotBefore = now.AddHours(-1),
            IssuedAt = now.AddHours(-1),
            Expires = now + (lifetime ?? TimeSpan.FromHours(1)),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>JWT bearer as in the sample: claims kept as they are, and <c>?access_token=</c> accepted on the hub.</summary>
    public static void AddTestJwtBearer(this IServiceCollection services, string hubPath = "/chat")
    {
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(o =>
            {
                o.MapInboundClaims = false;
                o.TokenValidationParameters = new TokenValidationParameters
                {
                    IssuerSigningKey = Key,
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    ValidateIssuer = false,
                    ValidateAudience = false,
                    NameClaimType = "name",
                };
                o.Events = new JwtBearerEvents
                {
                    OnMessageReceived = context =>
                    {
                        var token = context.Request.Query["access_token"];
                        if (!string.IsNullOrEmpty(token) && context.HttpContext.Request.Path.StartsWithSegments(hubPath))
                        {
                            context.Token = token;
                        }

                        return Task.CompletedTask;
                    },
                };
            });
        services.AddAuthorization();
    }
}
