using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChatKit.Testing.Hosting;

/// <summary>
/// HS256 bearer tokens as the sample accepts them (claims kept as they are, <c>?access_token=</c> on the hub), with a
/// signing key of the test's own.
/// </summary>
/// <param name="secret">The signing key (at least 32 bytes).</param>
public sealed class TestJwtBearer(string secret)
{
    private readonly SymmetricSecurityKey _key = new(Encoding.UTF8.GetBytes(secret));

    /// <summary>Adds JWT bearer authentication with this key, and authorization.</summary>
    public void AddTo(IServiceCollection services, string hubPath = "/chat")
    {
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
        {
            o.MapInboundClaims = false;
            o.TokenValidationParameters = new TokenValidationParameters
            {
                IssuerSigningKey = _key,
                ValidateIssuer = false,
                ValidateAudience = false,
                NameClaimType = "name",
            };
            o.Events = new JwtBearerEvents
            {
                OnMessageReceived = context =>
                {
                    var token = context.Request.Query["access_token"].ToString();
                    if (token.Length > 0 && context.HttpContext.Request.Path.StartsWithSegments(hubPath))
                    {
                        context.Token = token;
                    }

                    return Task.CompletedTask;
                },
            };
        });
        services.AddAuthorization();
    }

    /// <summary>A token with <c>sub</c> = <paramref name="userId"/> and <c>name</c> = <paramref name="name"/>, valid for an hour.</summary>
    public string Token(string userId, string name) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity([new Claim("sub", userId), new Claim("name", name)]),
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.HmacSha256),
        });
}
