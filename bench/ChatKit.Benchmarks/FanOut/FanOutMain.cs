using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ChatKit.AspNetCore;
using ChatKit.Benchmarks.Servers;
using ChatKit.Benchmarks.Wire;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatKit.Benchmarks.FanOut;

/// <summary>
/// <c>./build.sh bench fanout</c>: the Redis cost of one message to a room spread over several ChatKit nodes. For each
/// node count and room size it starts a private redis-server and the nodes (in this process, each a real Kestrel server
/// with ChatKit, the in-memory store and <c>UseRedis</c>), connects the room's members round robin over the nodes, sends
/// messages from one member and waits until every member received every one; Redis' own counters (<c>INFO</c>) before
/// and after give the commands, the <c>PUBLISH</c>es and the CPU Redis spent per message. Two backplanes run on the same
/// redis-server in the same run: <c>per-group</c>, SignalR's <c>RedisHubLifetimeManager</c> (one publish per
/// addressed group, which is what ChatKit did before its fan-out channel), and <c>fan-out</c>, ChatKit's own.
/// </summary>
internal static class FanOutMain
{
    private static readonly string[] Modes = ["per-group", "fan-out"];
    private static readonly TimeSpan IdleWindow = TimeSpan.FromSeconds(2);

    public static async Task<int> RunAsync(string[] args)
    {
        var rooms = Option(args, "--rooms", "10,100,1000").Split(',').Select(int.Parse).ToArray();
        var nodeCounts = Option(args, "--nodes", "2,3").Split(',').Select(int.Parse).ToArray();
        var messageBudget = int.Parse(Option(args, "--deliveries", "100000"), CultureInfo.InvariantCulture);
        var output = Option(args, "--out", Path.Combine("artifacts", "bench", "fanout"));
        Directory.CreateDirectory(output);
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(30));

        await using var redis = await RedisProcess.StartAsync(cts.Token).ConfigureAwait(false);
        Console.WriteLine($"redis-server {redis.Version} on port {redis.Port}; load average {LoadAverage()} at start");
        var results = new List<Result>();
        foreach (var nodes in nodeCounts)
        {
            foreach (var size in rooms)
            {
                // Enough messages for stable counts, few enough that rooms of 1,000 finish: about messageBudget deliveries.
                var messages = Math.Clamp(messageBudget / size, 100, 1000);
                foreach (var mode in Modes)
                {
                    var result = await MeasureAsync(redis, mode, nodes, size, messages, cts.Token).ConfigureAwait(false);
                    results.Add(result);
                    Console.WriteLine(result.ToLine());
                }
            }
        }

        var report = Report(results, redis.Version);
        Console.WriteLine();
        Console.WriteLine(report);
        var file = Path.Combine(output, $"fanout-{DateTime.UtcNow:yyyyMMdd-HHmmss}.md");
        await File.WriteAllTextAsync(file, report, cts.Token).ConfigureAwait(false);
        Console.WriteLine($"written to {file}");
        return 0;
    }

    private static async Task<Result> MeasureAsync(RedisProcess redis, string mode, int nodeCount, int size, int messages, CancellationToken ct)
    {
        var prefix = $"bench{Guid.NewGuid():N}:"[..14];
        var nodes = new List<WebApplication>();
        var clients = new List<HubConnection>();
        try
        {
            for (var i = 0; i < nodeCount; i++)
            {
                nodes.Add(await StartNodeAsync(redis.ConnectionString, prefix, mode).ConfigureAwait(false));
            }

            // Every seq each member received, with how many times.
            var received = new ConcurrentDictionary<string, ConcurrentDictionary<long, int>>(StringComparer.Ordinal);
            var users = Enumerable.Range(0, size).Select(i => $"u{i}").ToArray();
            var connections = new HubConnection[size];
            await Parallel.ForAsync(0, size, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct }, async (i, token) =>
            {
                var connection = new HubConnectionBuilder()
                    .WithUrl(new Uri(HubUri(nodes[i % nodeCount]), "/chat"), HttpTransportType.WebSockets, o =>
                    {
                        o.SkipNegotiation = true;
                        o.AccessTokenProvider = () => Task.FromResult<string?>(users[i]);
                    })
                    .Build();
                var seqs = received.GetOrAdd(users[i], _ => new());
                connection.On<NewMessageReceipt>("newMessage", e => seqs.AddOrUpdate(e.Message.Seq, 1, static (_, n) => n + 1));
                await connection.StartAsync(token).ConfigureAwait(false);
                // A connection's calls run after its OnConnectedAsync, where it joins its user's group.
                await connection.InvokeAsync<string[]>("getOnlineUsers", token).ConfigureAwait(false);
                connections[i] = connection;
            }).ConfigureAwait(false);
            clients.AddRange(connections);

            var sender = connections[0];
            var room = await sender.InvokeAsync<ConversationDto>("createConversation", new CreateConversationArgs("group", users[1..], "fan-out"), ct).ConfigureAwait(false);

            // Warm-up: a connection joins its user's group just after its handshake, so the first messages may come before
            // a member listens. Send until one message reached every member (JIT and subscriptions done too).
            long lastWarmUp;
            while (true)
            {
                lastWarmUp = (await SendAsync(sender, room.Id, 1, ct).ConfigureAwait(false)).Seq;
                try
                {
                    await WaitForAsync(received, lastWarmUp, lastWarmUp, TimeSpan.FromSeconds(5), ct).ConfigureAwait(false);
                    break;
                }
                catch (TimeoutException)
                {
                    Console.WriteLine("  (warming up: not every member listens yet)");
                }
            }

            // Redis' own CPU with the nodes connected and idle (its timers, the nodes' heartbeats), subtracted below.
            var idleStart = await redis.InfoAsync().ConfigureAwait(false);
            var idleStarted = Stopwatch.GetTimestamp();
            await Task.Delay(IdleWindow, ct).ConfigureAwait(false);
            var idleEnd = await redis.InfoAsync().ConfigureAwait(false);
            var idleCpuPerSecond = (idleEnd.CpuSeconds - idleStart.CpuSeconds) / Stopwatch.GetElapsedTime(idleStarted).TotalSeconds;

            var before = await redis.InfoAsync().ConfigureAwait(false);
            var started = Stopwatch.GetTimestamp();
            var last = (await SendAsync(sender, room.Id, messages, ct).ConfigureAwait(false)).Seq;
            await WaitForAsync(received, lastWarmUp + 1, last, TimeSpan.FromMinutes(2), ct).ConfigureAwait(false);
            var elapsed = Stopwatch.GetElapsedTime(started);
            var after = await redis.InfoAsync().ConfigureAwait(false);

            return new Result(
                mode,
                nodeCount,
                size,
                messages,
                (after.Commands - before.Commands) / (double)messages,
                (after.Publishes - before.Publishes) / (double)messages,
                Math.Max(0, after.CpuSeconds - before.CpuSeconds - (idleCpuPerSecond * elapsed.TotalSeconds)) * 1_000_000 / messages,
                (after.NetOutputBytes - before.NetOutputBytes) / (double)messages,
                elapsed.TotalSeconds);
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync().ConfigureAwait(false);
            }

            foreach (var node in nodes)
            {
                await node.StopAsync(CancellationToken.None).ConfigureAwait(false);
                await node.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Sends one message at a time, each waiting for its acknowledgement (a person's pace, for exact counts).</summary>
    private static async Task<SendAck> SendAsync(HubConnection sender, string conversationId, int count, CancellationToken ct)
    {
        SendAck? ack = null;
        for (var i = 0; i < count; i++)
        {
            ack = await sender.InvokeAsync<SendAck>("sendMessage", new SendMessageArgs(conversationId, "fan-out benchmark message " + i.ToString(CultureInfo.InvariantCulture), null), ct).ConfigureAwait(false);
        }

        return ack!;
    }

    /// <summary>Waits until every member received each seq of <paramref name="first"/>..<paramref name="last"/>; fails on a duplicate.</summary>
    private static async Task WaitForAsync(ConcurrentDictionary<string, ConcurrentDictionary<long, int>> received, long first, long last, TimeSpan wait, CancellationToken ct)
    {
        bool Complete(ConcurrentDictionary<long, int> seqs)
        {
            for (var seq = first; seq <= last; seq++)
            {
                if (!seqs.TryGetValue(seq, out var times))
                {
                    return false;
                }

                if (times > 1)
                {
                    throw new InvalidOperationException($"seq {seq} was received {times} times by one member: a duplicate");
                }
            }

            return true;
        }

        var deadline = Stopwatch.GetTimestamp() + (long)(wait.TotalSeconds * Stopwatch.Frequency);
        while (!received.Values.All(Complete))
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                var missing = received.Where(p => !Complete(p.Value)).Select(p => p.Key).ToArray();
                throw new TimeoutException($"{missing.Length} members did not receive seq {first}..{last}: {string.Join(", ", missing.Take(10))}");
            }

            await Task.Delay(20, ct).ConfigureAwait(false);
        }
    }

    private static async Task<WebApplication> StartNodeAsync(string redis, string prefix, string mode)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("CHATKIT_BENCH_LOGS") is { Length: > 0 })
        {
            builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        }

        builder.Services.AddAuthentication(BenchAuthHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, BenchAuthHandler>(BenchAuthHandler.SchemeName, null);
        builder.Services.AddAuthorization();
        builder.Services.AddChatKit(o =>
            {
                foreach (var operation in Enum.GetValues<ChatKit.Services.ChatOperation>())
                {
                    o.RateLimitFor(operation).Enabled = false;
                }

                o.MaxGroupParticipants = Math.Max(o.MaxGroupParticipants, 1000);
            })
            .UseRedis(redis, o => o.ChannelPrefix = o.KeyPrefix = prefix);
        if (mode == "per-group")
        {
            // SignalR's own Redis manager for ChatKit's hub: one PUBLISH per addressed group, as before the fan-out channel.
            builder.Services.AddSingleton<HubLifetimeManager<ChatHub>>(sp =>
            {
                var configuration = ConfigurationOptions.Parse(redis);
                configuration.ChannelPrefix = RedisChannel.Literal(prefix);
                return ActivatorUtilities.CreateInstance<RedisHubLifetimeManager<ChatHub>>(sp, Options.Create(new RedisOptions { Configuration = configuration }));
            });
        }

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapChatKit();
        await app.StartAsync().ConfigureAwait(false);
        return app;
    }

    private static Uri HubUri(WebApplication app) =>
        new(app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());

    private static string Report(List<Result> results, string version)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Fan-out over Redis ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, redis-server {version}, load average {LoadAverage()} at the end)");
        text.AppendLine();
        text.AppendLine("| nodes | room | messages | backplane | Redis commands/msg | PUBLISH/msg | Redis CPU µs/msg | Redis bytes out/msg | commands ratio | CPU ratio |");
        text.AppendLine("|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|");
        foreach (var group in results.GroupBy(r => (r.Nodes, r.Room)))
        {
            var before = group.First(r => r.Mode == "per-group");
            foreach (var r in group)
            {
                var commandsRatio = r.CommandsPerMessage / before.CommandsPerMessage;
                var cpuRatio = before.CpuMicrosPerMessage > 0 ? r.CpuMicrosPerMessage / before.CpuMicrosPerMessage : double.NaN;
                text.AppendLine(CultureInfo.InvariantCulture, $"| {r.Nodes} | {r.Room:N0} | {r.Messages} | {r.Mode} | {r.CommandsPerMessage:0.00} | {r.PublishesPerMessage:0.00} | {r.CpuMicrosPerMessage:N0} | {r.BytesOutPerMessage:N0} | {commandsRatio:0.000} | {cpuRatio:0.000} |");
            }
        }

        return text.ToString();
    }

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "?";
        }
    }

    private static string Option(string[] args, string name, string fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
    }

    private sealed record Result(string Mode, int Nodes, int Room, int Messages, double CommandsPerMessage, double PublishesPerMessage, double CpuMicrosPerMessage, double BytesOutPerMessage, double Seconds)
    {
        public string ToLine() => string.Create(
            CultureInfo.InvariantCulture,
            $"{Nodes} nodes, room {Room,5}, {Mode,-9}: {CommandsPerMessage,8:0.00} commands/msg, {PublishesPerMessage,8:0.00} PUBLISH/msg, {CpuMicrosPerMessage,8:N0} µs Redis CPU/msg, {BytesOutPerMessage,10:N0} B out/msg ({Messages} msgs in {Seconds:0.0} s)");
    }

    /// <summary>A private redis-server (no persistence) and its counters.</summary>
    private sealed class RedisProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly ConnectionMultiplexer _admin;

        private RedisProcess(Process process, int port, ConnectionMultiplexer admin, string version)
        {
            _process = process;
            Port = port;
            _admin = admin;
            Version = version;
        }

        public int Port { get; }

        public string Version { get; }

        public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false";

        public static async Task<RedisProcess> StartAsync(CancellationToken ct)
        {
            var executable = File.Exists("/usr/bin/redis-server") ? "/usr/bin/redis-server" : "redis-server";
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            var info = new ProcessStartInfo(executable) { UseShellExecute = false };
            foreach (var argument in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", string.Empty, "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning" })
            {
                info.ArgumentList.Add(argument);
            }

            var process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start (apt-get install redis-server)");
            // Never outlive the harness, even when it is stopped with Ctrl+C.
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                try
                {
                    process.Kill();
                }
                catch (InvalidOperationException)
                {
                    // Already gone.
                }
            };
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    var admin = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},allowAdmin=true").ConfigureAwait(false);
                    var server = admin.GetServer("127.0.0.1", port);
                    return new RedisProcess(process, port, admin, server.Version.ToString());
                }
                catch (RedisConnectionException) when (attempt < 50)
                {
                    await Task.Delay(100, ct).ConfigureAwait(false);
                }
            }
        }

        /// <summary>
        /// Redis' counters: commands processed (this read's own INFO included, the same in every delta), PUBLISH calls,
        /// CPU (user + system) and bytes written to clients.
        /// </summary>
        public async Task<Counters> InfoAsync()
        {
            var text = (string?)await _admin.GetServer("127.0.0.1", Port).ExecuteAsync("INFO", "all").ConfigureAwait(false) ?? string.Empty;
            var values = text.Split('\n').Select(l => l.Trim()).Where(l => l.Contains(':', StringComparison.Ordinal))
                .Select(l => l.Split(':', 2)).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.First()[1], StringComparer.Ordinal);
            static double Number(string value) => double.Parse(value, CultureInfo.InvariantCulture);
            var publishes = values.TryGetValue("cmdstat_publish", out var stat)
                ? long.Parse(stat.Split(',')[0]["calls=".Length..], CultureInfo.InvariantCulture)
                : 0;
            return new Counters(
                long.Parse(values["total_commands_processed"], CultureInfo.InvariantCulture),
                publishes,
                Number(values["used_cpu_user"]) + Number(values["used_cpu_sys"]),
                long.Parse(values["total_net_output_bytes"], CultureInfo.InvariantCulture));
        }

        public async ValueTask DisposeAsync()
        {
            await _admin.DisposeAsync().ConfigureAwait(false);
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync().ConfigureAwait(false);
            }

            _process.Dispose();
        }
    }

    private sealed record Counters(long Commands, long Publishes, double CpuSeconds, long NetOutputBytes);
}
