using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using ChatKit.Scaleout.Redis.Internal;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChatKit.Scaleout.Redis.Tests.Support;

/// <summary>
/// A full ChatKit host on Kestrel (hub, REST, JWT bearer authentication) on the shared database and Redis of a test.
/// </summary>
public sealed class ChatNode : IAsyncDisposable
{
    private static readonly SymmetricSecurityKey SigningKey = new(Encoding.UTF8.GetBytes("chatkit-scaleout-tests-signing-key-32+bytes"));
    private readonly KestrelNode _server;

    private ChatNode(KestrelNode server) => _server = server;

    public IServiceProvider Services => _server.Services;

    public Uri Address => _server.Address;

    /// <summary>Starts a node.</summary>
    /// <param name="redisConnectionString">Where Redis is.</param>
    /// <param name="prefix">ChatKit's key and channel prefix.</param>
    /// <param name="database">The shared database.</param>
    /// <param name="chat">Changes ChatKit's options (the send rate limit is off unless this turns it on).</param>
    /// <param name="host">Adds the host's own services (for example a hub of its own and its backplane).</param>
    /// <param name="map">Maps the host's own endpoints.</param>
    /// <param name="redis">Changes ChatKit's Redis options after the fast test defaults.</param>
    public static async Task<ChatNode> StartAsync(
        string redisConnectionString,
        string prefix,
        Action<DbContextOptionsBuilder> database,
        Action<ChatKitOptions>? chat = null,
        Action<IServiceCollection>? host = null,
        Action<WebApplication>? map = null,
        Action<ChatKitRedisOptions>? redis = null)
    {
        var server = await KestrelNode.StartAsync(
            services =>
            {
                services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
                {
                    o.MapInboundClaims = false;
                    o.TokenValidationParameters = new TokenValidationParameters
                    {
                        IssuerSigningKey = SigningKey,
                        ValidateIssuer = false,
                        ValidateAudience = false,
                        NameClaimType = "name",
                    };
                    o.Events = new JwtBearerEvents
                    {
                        OnMessageReceived = context =>
                        {
                            var token = context.Request.Query["access_token"].ToString();
                            if (token.Length > 0 && context.HttpContext.Request.Path.StartsWithSegments("/chat"))
                            {
                                context.Token = token;
                            }

                            return Task.CompletedTask;
                        },
                    };
                });
                services.AddAuthorization();
                services.AddChatKit(o =>
                    {
                        o.SendRateLimit.Enabled = false;
                        chat?.Invoke(o);
                    })
                    .UseEntityFrameworkCore(database)
                    .UseRedis(redisConnectionString, o =>
                    {
                        PresenceNode.Fast(o);
                        o.KeyPrefix = prefix;
                        o.ChannelPrefix = prefix;
                        redis?.Invoke(o);
                    });
                host?.Invoke(services);
            },
            app =>
            {
                app.UseAuthentication();
                app.UseAuthorization();
                app.MapChatKit();
                app.MapHealthChecks("/healthz");
                map?.Invoke(app);
            });
        return new ChatNode(server);
    }

    public static string Token(string userId) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity([new Claim("sub", userId), new Claim("name", userId.ToUpperInvariant())]),
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new SigningCredentials(SigningKey, SecurityAlgorithms.HmacSha256),
        });

    public async Task<ChatClient> ConnectAsync(string userId, CancellationToken cancellationToken)
    {
        var client = new ChatClient(this, userId);
        await client.StartAsync(cancellationToken);
        return client;
    }

    public HttpClient Http(string userId)
    {
        var http = new HttpClient { BaseAddress = Address };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(userId));
        return http;
    }

    /// <summary>
    /// Dies without a word: its Redis connection goes first (so no heartbeat, no presence update and no event leaves
    /// it), then the server stops and drops its clients.
    /// </summary>
    public async Task CrashAsync()
    {
        await Services.GetRequiredService<RedisConnection>().DisposeAsync();
        await _server.StopAsync();
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
