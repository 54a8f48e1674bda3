using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.Packaging.Tests;

/// <summary>The code blocks of docs/security.md, as written there, in one host that builds and maps ChatKit.</summary>
public sealed class SecurityDocTests
{
    [Fact]
    public async Task TheCodeOfThePage_CompilesAndMaps()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Services.AddAuthorization(o => o.AddPolicy("chat-users", p => p.RequireAuthenticatedUser()));
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(options =>
        {
            // docs: the access_token query string
            options.Events = new JwtBearerEvents
            {
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
        builder.Services.AddChatKit();

        // docs: CORS and origins
        builder.Services.AddCors(o => o.AddPolicy("chat-frontend", p => p
            .WithOrigins("https://app.example.com")
            .AllowAnyHeader()
            .WithMethods("GET", "POST", "DELETE")
            .AllowCredentials()));   // SignalR's negotiate sends credentials

        // docs: rate limits
        builder.Services.AddRateLimiter(o => o.AddFixedWindowLimiter("chat-api", w => { w.PermitLimit = 100; w.Window = TimeSpan.FromMinutes(1); }));

        await using var app = builder.Build();
        var webSockets = new WebSocketOptions();
        webSockets.AllowedOrigins.Add("https://app.example.com");
        app.UseWebSockets(webSockets);
        app.UseCors();
        app.UseRateLimiter();
        app.MapChatKit().RequireAuthorization("chat-users").RequireCors("chat-frontend").RequireRateLimiting("chat-api");

        var endpoints = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).ToList();
        Assert.Contains(endpoints, e => e.DisplayName?.Contains("/chats/conversations", StringComparison.Ordinal) == true);
    }
}
