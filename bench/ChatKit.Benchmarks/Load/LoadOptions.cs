using System.Globalization;

namespace ChatKit.Benchmarks.Load;

/// <summary>Sizes and rates of a run. <c>quick</c> (the default) takes a few minutes; <c>full</c> is the documented set.</summary>
internal sealed record Profile(
    string Name,
    int Connections,
    int[] RoomSizes,
    int[] DurableRoomSizes,
    int[] IdleConnections,
    int StormConnections,
    double StormRate,
    double S1StartRate,
    double Factor,
    int MaxSteps,
    double StepSeconds,
    int Refinements,
    int Attempts,
    int IdleRounds,
    double[]? Rates = null,
    int Repeats = 0,
    double? WarmupSeconds = null)
{
    public static readonly Profile Quick = new("quick", 200, [10, 100], [10], [1000], 200, 100, 250, 2, 9, 2, 1, 2, 1);

    public static readonly Profile Full = new("full", 1000, [10, 100, 1000], [10, 100], [1000, 5000], 1000, 200, 250, Math.Sqrt(2), 18, 4, 2, 3, 3);

    /// <summary>A starting rate (messages per second) that every server sustains, so the ladder climbs from a pass.</summary>
    public double StartRateForRoom(int size) => size switch
    {
        <= 10 => 200,
        <= 100 => 25,
        _ => 2,
    };

    public double DurableStartRate(int size) => size <= 10 ? 100 : 20;
}

/// <summary>The load harness's command line.</summary>
internal sealed class LoadOptions
{
    public Profile Profile { get; private set; } = Profile.Quick;

    public List<string> Scenarios { get; private set; } = ["s1", "s2", "s3", "s4", "s5"];

    public HashSet<string>? ServerFilter { get; private set; }

    public string OutputDirectory { get; private set; } = Path.Combine("artifacts", "bench");

    public bool Pin { get; private set; } = true;

    public string ServerCpus { get; private set; } = "0";

    public string ClientCpus { get; private set; } = "1";

    public string BaselineFanout { get; private set; } = "groups";

    public bool Postgres { get; private set; } = true;

    /// <summary>
    /// <c>--reference DIR/ChatKit.Benchmarks.dll</c>: another build of the harness (an earlier commit, say) whose durable
    /// ChatKit servers run next to this build's in the same ladder, as <c>chatkit-sqlite-ref</c> and <c>chatkit-postgres-ref</c>.
    /// </summary>
    public string? ReferenceDll { get; private set; }

    /// <summary><c>--client raw</c>: the ladders' clients speak SignalR's JSON protocol over bare WebSockets (<see cref="RawHubConnection"/>).</summary>
    public bool RawClient { get; private set; }

    public string CommandLine { get; private set; } = "";

    private string RunDirectory { get; set; } = "";

    public static LoadOptions Parse(string[] args)
    {
        var o = new LoadOptions { CommandLine = "./build.sh bench " + string.Join(' ', args) };
        // The profile first, wherever it is on the line, so that the options that adjust it apply on top of it.
        var p = args.Contains("--full") ? Profile.Full : Profile.Quick;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : "";
            switch (args[i])
            {
                case "load": break;
                case "--quick" or "--full": break;
                case "--scenarios": o.Scenarios = [.. value.ToLowerInvariant().Split(',', StringSplitOptions.RemoveEmptyEntries)]; i++; break;
                case "--servers": o.ServerFilter = [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries)]; i++; break;
                case "--out": o.OutputDirectory = value; i++; break;
                case "--no-pin": o.Pin = false; break;
                case "--server-cpus": o.ServerCpus = value; i++; break;
                case "--client-cpus": o.ClientCpus = value; i++; break;
                case "--baseline-fanout": o.BaselineFanout = value; i++; break;
                case "--no-postgres": o.Postgres = false; break;
                case "--reference": o.ReferenceDll = Path.GetFullPath(value); i++; break;
                case "--client": o.RawClient = value switch { "raw" => true, "signalr" => false, _ => throw new ArgumentException("--client is raw or signalr") }; i++; break;
                case "--connections": p = p with { Connections = Int(value), StormConnections = Int(value) }; i++; break;
                case "--rooms": p = p with { RoomSizes = Ints(value) }; i++; break;
                case "--durable-rooms": p = p with { DurableRoomSizes = Ints(value) }; i++; break;
                case "--idle": p = p with { IdleConnections = Ints(value) }; i++; break;
                case "--step-seconds": p = p with { StepSeconds = double.Parse(value, CultureInfo.InvariantCulture) }; i++; break;
                case "--max-steps": p = p with { MaxSteps = Int(value) }; i++; break;
                case "--factor": p = p with { Factor = double.Parse(value, CultureInfo.InvariantCulture) }; i++; break;
                case "--refine": p = p with { Refinements = Int(value) }; i++; break;
                case "--rates": p = p with { Rates = [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(v => double.Parse(v, CultureInfo.InvariantCulture))] }; i++; break;
                case "--attempts": p = p with { Attempts = Math.Max(1, Int(value)) }; i++; break;
                case "--warmup-seconds": p = p with { WarmupSeconds = double.Parse(value, CultureInfo.InvariantCulture) }; i++; break;
                case "--repeats": p = p with { Repeats = Math.Max(0, Int(value)) }; i++; break;
                case "--idle-rounds": p = p with { IdleRounds = Math.Max(1, Int(value)) }; i++; break;
                case "--storm-rate": p = p with { StormRate = double.Parse(value, CultureInfo.InvariantCulture) }; i++; break;
                default: throw new ArgumentException($"unknown option '{args[i]}' (see docs/benchmarks.md)");
            }
        }

        o.Profile = p;
        return o;

        static int Int(string s) => int.Parse(s, CultureInfo.InvariantCulture);
        static int[] Ints(string s) => [.. s.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Int)];
    }

    public string LogDirectory => Path.Combine(RunDirectory, "logs");

    public void CreateRunDirectory(DateTime started)
    {
        RunDirectory = Path.Combine(OutputDirectory, started.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
        Directory.CreateDirectory(RunDirectory);
    }

    public string RunPath(string file) => Path.Combine(RunDirectory, file);

    /// <summary>Whether this harness runs on its own core (re-executed under taskset), so servers get theirs.</summary>
    public bool IsPinned => Pin && Environment.GetEnvironmentVariable(LoadMain.PinnedVariable) == "1";

    public Task<ServerProcess> StartServerAsync(ServerSpec spec, CancellationToken ct) =>
        ServerProcess.StartAsync(spec, IsPinned ? ServerCpus : null, LogDirectory, ct);

    private ServerSpec Baseline => new(BaselineFanout == "groups" ? "baseline" : "baseline-" + BaselineFanout, ["--kind", "baseline", "--fanout", BaselineFanout]);

    private static ServerSpec ChatKitInMemory => new("chatkit", ["--kind", "chatkit", "--storage", "inmemory"]);

    /// <summary>The other fan-out of the baseline, for comparison; only when named in --servers.</summary>
    private ServerSpec OtherBaseline => BaselineFanout == "groups"
        ? new("baseline-users", ["--kind", "baseline", "--fanout", "users"], OptIn: true)
        : new("baseline-groups", ["--kind", "baseline", "--fanout", "groups"], OptIn: true);

    /// <summary>The same servers, their clients on MessagePack instead of JSON; only when named in --servers.</summary>
    private static ServerSpec BaselineMessagePack => new("baseline-messagepack", ["--kind", "baseline", "--protocol", "messagepack"], OptIn: true);

    private static ServerSpec ChatKitMessagePack => new("chatkit-messagepack", ["--kind", "chatkit", "--storage", "inmemory", "--protocol", "messagepack"], OptIn: true);

    /// <summary>The same servers driven by the light client (<see cref="RawHubConnection"/>), to compare the two clients in one run.</summary>
    private ServerSpec BaselineRawClient => Baseline with { Name = Baseline.Name + "-rawclient", OptIn = true, RawClient = true };

    private static ServerSpec ChatKitRawClient => ChatKitInMemory with { Name = "chatkit-rawclient", OptIn = true, RawClient = true };

    public IReadOnlyList<ServerSpec> InMemoryServers() => Filter([Baseline, OtherBaseline, BaselineMessagePack, BaselineRawClient, ChatKitInMemory, ChatKitMessagePack, ChatKitRawClient]);

    public IReadOnlyList<ServerSpec> StormServers() => Filter([Baseline, ChatKitInMemory]);

    /// <summary>The baseline, ChatKit on SQLite (a fresh file), and ChatKit on PostgreSQL when one can be started.</summary>
    public async Task<IReadOnlyList<ServerSpec>> DurableServersAsync(BenchReport report, CancellationToken ct)
    {
        var specs = new List<ServerSpec> { Baseline };
        var db = Path.Combine(Path.GetFullPath(RunDirectory), $"chatkit-{Guid.NewGuid():N}.db");
        specs.Add(new ServerSpec("chatkit-sqlite", ["--kind", "chatkit", "--storage", "sqlite", "--connection-string", $"Data Source={db}"]));
        if (ReferenceDll is not null)
        {
            var refDb = Path.Combine(Path.GetFullPath(RunDirectory), $"chatkit-ref-{Guid.NewGuid():N}.db");
            specs.Add(new ServerSpec("chatkit-sqlite-ref", ["--kind", "chatkit", "--storage", "sqlite", "--connection-string", $"Data Source={refDb}"], OptIn: true) { Dll = ReferenceDll });
        }

        if (Postgres && (ServerFilter is null || ServerFilter.Contains("chatkit-postgres") || ServerFilter.Contains("chatkit-postgres-ref") || ServerFilter.Contains("baseline-durable")))
        {
            var connectionString = await PostgresLauncher.EnsureStartedAsync(IsPinned ? ServerCpus : null, LogDirectory, report, ct).ConfigureAwait(false);
            if (connectionString is not null)
            {
                specs.Add(new ServerSpec("chatkit-postgres", ["--kind", "chatkit", "--storage", "postgres", "--connection-string", connectionString], UsesPostgres: true));
                if (ReferenceDll is not null)
                {
                    specs.Add(new ServerSpec("chatkit-postgres-ref", ["--kind", "chatkit", "--storage", "postgres", "--connection-string", connectionString], OptIn: true, UsesPostgres: true) { Dll = ReferenceDll });
                }

                specs.Add(new ServerSpec("baseline-durable", ["--kind", "baseline", "--storage", "postgres", "--connection-string", connectionString], UsesPostgres: true));
            }
        }

        return Filter(specs);
    }

    /// <summary>The primary baseline always (it is what ratios divide by); the others as --servers says.</summary>
    private List<ServerSpec> Filter(IEnumerable<ServerSpec> specs) =>
        [.. specs.Where(s => s == Baseline || (ServerFilter is null ? !s.OptIn : ServerFilter.Contains(s.Name)))];
}
