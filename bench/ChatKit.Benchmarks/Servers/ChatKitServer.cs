using Microsoft.EntityFrameworkCore;

namespace ChatKit.Benchmarks.Servers;

/// <summary>
/// The ChatKit server as a host app would write it: AddChatKit + MapChatKit behind the benchmark's authentication,
/// the in-memory store or EF Core (SQLite file, PostgreSQL), the send rate limit off (a load test sends far faster than
/// a person) and groups of up to 1,000 participants (the default limit, set explicitly).
/// </summary>
internal static class ChatKitServer
{
    public static void ConfigureServices(WebApplicationBuilder builder, ServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        var chatKit = builder.Services.AddChatKit(o =>
        {
            // Load generators call far faster than people: every per-user limit is off for the measurement.
            foreach (var operation in Enum.GetValues<ChatKit.Services.ChatOperation>())
            {
                o.RateLimitFor(operation).Enabled = false;
            }

            o.MaxGroupParticipants = Math.Max(o.MaxGroupParticipants, 1000);
        });
        if (options.Protocol == "messagepack")
        {
            chatKit.ConfigureServer(o => o.EnableMessagePack = true);
        }

        switch (options.Storage)
        {
            case "inmemory":
                break;
            case "sqlite":
                chatKit.UseEntityFrameworkCore(o => o.UseSqlite(Require(options.ConnectionString)));
                break;
            case "postgres":
                // CHATKIT_BENCH_NPGSQL_SETTINGS (e.g. "Max Auto Prepare=20"): connection-string settings a host may add,
                // appended for an experiment (docs/benchmarks.md); set it on the servers with CHATKIT_BENCH_SERVER_ENV_.
                chatKit.UseEntityFrameworkCore(o => o.UseNpgsql(WithSettings(Require(options.ConnectionString), Environment.GetEnvironmentVariable("CHATKIT_BENCH_NPGSQL_SETTINGS"))));
                break;
            default:
                throw new ArgumentException($"unknown storage '{options.Storage}'");
        }
    }

    public static Task MapAsync(WebApplication app, ServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(options);
        app.MapChatKit();
        return Task.CompletedTask;
    }

    private static string WithSettings(string connectionString, string? settings) =>
        string.IsNullOrWhiteSpace(settings) ? connectionString : connectionString.TrimEnd(';') + ";" + settings;

    private static string Require(string? connectionString) =>
        connectionString ?? throw new ArgumentException("--connection-string is required for this storage");
}
