using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace ChatKit.Benchmarks.Servers;

/// <summary>
/// <c>server --kind baseline|chatkit …</c>: one server the load harness measures, on 127.0.0.1 and a free port. It
/// prints <c>LISTENING &lt;url&gt;</c> once it accepts connections and stops when its standard input closes.
/// </summary>
internal static class ServerMain
{
    public const string ReadyPrefix = "LISTENING ";

    public static async Task<int> RunAsync(string[] args)
    {
        var options = ServerOptions.Parse(args);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, options.Port);
            k.Limits.MaxConcurrentConnections = null;
            k.Limits.MaxConcurrentUpgradedConnections = null;
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (Environment.GetEnvironmentVariable("CHATKIT_BENCH_LOG_SQL") == "1")
        {
            // Diagnostics: every database command the server runs goes to its log (artifacts/bench/<run>/logs).
            builder.Logging.AddFilter("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.Information);
        }
        builder.Services
            .AddAuthentication(BenchAuthHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, BenchAuthHandler>(BenchAuthHandler.SchemeName, null);
        builder.Services.AddAuthorization();

        switch (options.Kind)
        {
            case "baseline":
                var signalR = builder.Services.AddSignalR();
                if (options.Protocol == "messagepack")
                {
                    signalR.AddMessagePackProtocol();
                }

                // --storage postgres: baseline-durable, the bare hub storing each message with one awaited INSERT.
                var store = options.Storage == "postgres"
                    ? await BaselineStore.CreateAsync(options.ConnectionString ?? throw new ArgumentException("--connection-string is required")).ConfigureAwait(false)
                    : null;
                builder.Services.AddSingleton(new BaselineState(options.Fanout, store));
                break;
            case "chatkit":
                ChatKitServer.ConfigureServices(builder, options);
                break;
            default:
                await Console.Error.WriteLineAsync($"unknown server kind '{options.Kind}'").ConfigureAwait(false);
                return 2;
        }

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/_bench/stats", (bool? collect) => ServerStats.Capture(collect ?? false));
        app.MapGet("/_bench/stall", () => new StallReport(Watchdog.TakeMaxGapMs(), Watchdog.TakeMaxPoolStallMs(), Watchdog.TakeMaxThreads()));
        Watchdog.Start();
        if (options.Kind == "baseline")
        {
            app.MapHub<BaselineHub>("/chat");
        }
        else
        {
            await ChatKitServer.MapAsync(app, options).ConfigureAwait(false);
        }

        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        Console.WriteLine(ReadyPrefix + address);
        Console.Out.Flush();

        // The harness closes our standard input to stop us (and kills us if that does not work). On a thread of its
        // own: Console.In reads synchronously even through ReadLineAsync, and a thread-pool thread blocked here for the
        // whole run left a server pinned to one core (a thread-pool minimum of one) with no free worker, so every
        // burst waited for the pool to inject a thread: stalls of about 500 ms at a few percent CPU.
        var stdinWatcher = new Thread(() =>
        {
            while (Console.In.ReadLine() is not null)
            {
            }

            app.StopAsync().GetAwaiter().GetResult();
        })
        {
            IsBackground = true,
            Name = "stdin watcher",
        };
        stdinWatcher.Start();
        await app.WaitForShutdownAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
        return 0;
    }
}

/// <summary>The server's command line.</summary>
internal sealed class ServerOptions
{
    public string Kind { get; private set; } = "baseline";

    public int Port { get; private set; }

    public BaselineFanout Fanout { get; private set; } = BaselineFanout.Groups;

    public string Storage { get; private set; } = "inmemory";

    public string? ConnectionString { get; private set; }

    /// <summary><c>json</c>, or <c>messagepack</c>: the server offers SignalR's MessagePack protocol too.</summary>
    public string Protocol { get; private set; } = "json";

    public static ServerOptions Parse(string[] args)
    {
        var o = new ServerOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : "";
            switch (args[i])
            {
                case "--kind": o.Kind = value; i++; break;
                case "--port": o.Port = int.Parse(value, CultureInfo.InvariantCulture); i++; break;
                case "--fanout": o.Fanout = Enum.Parse<BaselineFanout>(value, ignoreCase: true); i++; break;
                case "--storage": o.Storage = value.ToLowerInvariant(); i++; break;
                case "--connection-string": o.ConnectionString = value; i++; break;
                case "--protocol": o.Protocol = value.ToLowerInvariant(); i++; break;
                default: throw new ArgumentException($"unknown server option '{args[i]}'");
            }
        }

        return o;
    }
}

/// <summary>What <c>/_bench/stall</c> returns: the longest scheduling gap and thread-pool stall since the last call.</summary>
public sealed record StallReport(double GapMs, double PoolStallMs, long MaxThreads);

/// <summary>What <c>/_bench/stats</c> returns: the server process's memory and CPU.</summary>
public sealed record ServerStats(
    long GcHeapBytes,
    long GcCommittedBytes,
    long RssBytes,
    long RssAnonBytes,
    long AllocatedBytes,
    double CpuMilliseconds,
    int Gen0Collections,
    int Gen2Collections,
    int ThreadCount)
{
    internal static ServerStats Capture(bool collect)
    {
        if (collect)
        {
            // Twice, so objects freed by finalizers go too, and the large object heap compacts.
            for (var i = 0; i < 2; i++)
            {
                GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
            }
        }

        var info = GC.GetGCMemoryInfo();
        var (rss, rssAnon) = ReadRss();
        using var process = Process.GetCurrentProcess();
        return new ServerStats(
            GC.GetTotalMemory(forceFullCollection: false),
            info.TotalCommittedBytes,
            rss,
            rssAnon,
            GC.GetTotalAllocatedBytes(precise: false),
            process.TotalProcessorTime.TotalMilliseconds,
            GC.CollectionCount(0),
            GC.CollectionCount(2),
            process.Threads.Count);
    }

    private static (long Rss, long RssAnon) ReadRss()
    {
        long rss = 0, anon = 0;
        const string status = "/proc/self/status";
        if (!File.Exists(status))
        {
            using var p = Process.GetCurrentProcess();
            return (p.WorkingSet64, p.PrivateMemorySize64);
        }

        foreach (var line in File.ReadLines(status))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = ParseKb(line);
            }
            else if (line.StartsWith("RssAnon:", StringComparison.Ordinal))
            {
                anon = ParseKb(line);
            }
        }

        return (rss, anon);

        static long ParseKb(string line) =>
            long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}
