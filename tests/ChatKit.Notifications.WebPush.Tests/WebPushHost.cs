using System.Net.Http.Headers;
using ChatKit.Notifications;
using ChatKit.Notifications.WebPush;
using ChatKit.Testing.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatKit.Notifications.WebPush.Tests;

/// <summary>A real ChatKit host (Kestrel on 127.0.0.1, JWT bearer, MapChatKit) with <c>AddWebPush</c>.</summary>
public sealed class WebPushHost : IAsyncDisposable
{
    private static readonly TestJwtBearer Auth = new("chatkit-webpush-tests-signing-key-0123456789");
    private readonly WebApplication _app;

    private WebPushHost(WebApplication app, (string PublicKey, string PrivateKey) keys)
    {
        _app = app;
        Keys = keys;
    }

    /// <summary>The host's VAPID key pair.</summary>
    public (string PublicKey, string PrivateKey) Keys { get; }

    /// <summary>The host's services.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>The Web Push channel the host registered.</summary>
    public IChatNotificationChannel Channel => Services.GetServices<IChatNotificationChannel>().Single(c => c.GetType().Name == "WebPushChannel");

    /// <summary>The registrations, as the channel reads them.</summary>
    public IPushRegistrationStore Registrations => (IPushRegistrationStore)Services.GetRequiredService<Storage.IChatStore>();

    public Uri Address { get; private set; } = null!;

    /// <summary>Builds and starts a host; <paramref name="configure"/> changes the Web Push options after the keys are set.</summary>
    public static async Task<WebPushHost> StartAsync(Action<WebPushOptions>? configure = null, Action<IServiceCollection>? services = null)
    {
        var keys = VapidKeys.Generate();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        Auth.AddTo(builder.Services);
        builder.Services.AddChatKit().AddWebPush(o =>
        {
            o.Subject = "mailto:ops@chatkit.test";
            o.PublicKey = keys.PublicKey;
            o.PrivateKey = keys.PrivateKey;
            configure?.Invoke(o);
        });
        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapChatKit();
        var host = new WebPushHost(app, keys);
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        host.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());
        return host;
    }

    /// <summary>A bearer token for <paramref name="userId"/> (the hub takes it as ?access_token=).</summary>
    public static string Token(string userId) => Auth.Token(userId, "Name of " + userId);

    /// <summary>An HttpClient for the REST API as <paramref name="userId"/>.</summary>
    public HttpClient Http(string userId)
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(20) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Auth.Token(userId, "Name of " + userId));
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
