using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.Packaging.Tests;

/// <summary>README.md's quick start, as written there (the fresh-app test in PackageTests runs the same calls for real).</summary>
public sealed class ReadmeTests
{
    [Fact]
    public async Task QuickStart_CompilesAndMapsTheHubAndTheApi()
    {
        string[] args = [];
        var builder = WebApplication.CreateBuilder(args);
        builder.Services.AddAuthentication().AddJwtBearer();   // your app's own authentication
        builder.Services.AddAuthorization();
        builder.Services.AddChatKit()
            .UseEntityFrameworkCore(o => o.UseSqlite("Data Source=chat.db"));

        await using var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapChatKit();                                     // hub at /chat, REST API under /chats

        var routes = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).Select(e => e.DisplayName ?? "").ToList();
        Assert.Contains(routes, r => r.Contains("/chat/negotiate", StringComparison.Ordinal));
        Assert.Contains(routes, r => r.Contains("/chats/conversations", StringComparison.Ordinal));
    }
}
