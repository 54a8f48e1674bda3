using ChatKit.Services;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.AspNetCore.Tests.Support;

/// <summary>A <see cref="ChatHost"/> on a real store: in-memory, a SQLite file, or a PostgreSQL database.</summary>
public sealed class StoreHost(string store, string? connectionString, Action<ChatKitOptions>? configure = null) : ChatHost
{
    /// <summary>The store's name, for messages.</summary>
    public string Store { get; } = store;

    /// <summary>Starts a host on <paramref name="store"/> (<c>InMemory</c>, <c>Sqlite</c> or <c>Postgres</c>).</summary>
    public static async Task<StoreHost> StartAsync(string store, string? connectionString, Action<ChatKitOptions>? configure = null)
    {
        var host = new StoreHost(store, connectionString, configure);
        await host.InitializeAsync();
        return host;
    }

    /// <summary>Raises every rate limit out of reach (the limiter still runs), unless told otherwise.</summary>
    public static void Unlimited(ChatKitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var operation in Enum.GetValues<ChatOperation>())
        {
            options.RateLimitFor(operation).PermitLimit = 1_000_000;
            options.RateLimitFor(operation).Window = TimeSpan.FromMilliseconds(1);
        }
    }

    /// <inheritdoc/>
    protected override void ConfigureChatKit(ChatKitOptions options) => (configure ?? Unlimited)(options);

    /// <inheritdoc/>
    protected override void ConfigureServices(IServiceCollection services)
    {
        switch (Store)
        {
            case "Sqlite":
                services.AddChatKit().UseEntityFrameworkCore(o => o.UseSqlite(connectionString));
                break;
            case "Postgres":
                services.AddChatKit().UseEntityFrameworkCore(o => o.UseNpgsql(connectionString));
                break;
        }
    }
}
