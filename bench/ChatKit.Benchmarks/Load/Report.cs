using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace ChatKit.Benchmarks.Load;

/// <summary>The machine a run measured on.</summary>
public sealed record MachineInfo(string Cpu, int Cores, long MemoryMb, string Os, string Runtime, string LoadAverageStart, string LoadAverageEnd, bool Pinned, string ServerCpus, string ClientCpus)
{
    /// <summary>The share of the machine's CPU used by processes other than this run's during the run (NaN if unknown).</summary>
    public double OtherLoad { get; init; } = double.NaN;

    /// <summary>Busy and total CPU seconds of the whole machine so far, from /proc/stat.</summary>
    internal static (double Busy, double Total) MachineCpu()
    {
        const string path = "/proc/stat";
        if (!File.Exists(path))
        {
            return (double.NaN, double.NaN);
        }

        var fields = File.ReadLines(path).First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var total = fields.Take(8).Sum();
        var idle = fields[3] + fields[4];
        return ((total - idle) / 100.0, total / 100.0);
    }

    internal static MachineInfo Capture(LoadOptions options, bool pinned) => new(
        ReadCpu(),
        CoreCount(),
        ReadMemoryMb(),
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        LoadAverage(),
        "",
        pinned,
        pinned ? options.ServerCpus : "any",
        pinned ? options.ClientCpus : "any");

    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static int CoreCount()
    {
        // Our own affinity may be one core; count the machine's.
        var online = "/sys/devices/system/cpu/online";
        if (File.Exists(online))
        {
            var count = 0;
            foreach (var part in File.ReadAllText(online).Trim().Split(','))
            {
                var range = part.Split('-');
                count += range.Length == 2 ? int.Parse(range[1], CultureInfo.InvariantCulture) - int.Parse(range[0], CultureInfo.InvariantCulture) + 1 : 1;
            }

            return count;
        }

        return Environment.ProcessorCount;
    }

    private static string ReadCpu()
    {
        const string path = "/proc/cpuinfo";
        return File.Exists(path)
            ? File.ReadLines(path).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown"
            : "unknown";
    }

    private static long ReadMemoryMb()
    {
        const string path = "/proc/meminfo";
        var line = File.Exists(path) ? File.ReadLines(path).FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal)) : null;
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }
}

/// <summary>Everything one harness run measured; written as JSON (for the chart) and Markdown (for the doc).</summary>
public sealed class BenchReport
{
    public required string Command { get; init; }

    public required string Profile { get; init; }

    public required DateTime StartedUtc { get; init; }

    public required MachineInfo Machine { get; set; }

    public List<LadderReport> Ladders { get; } = [];

    public List<IdleResult> Idle { get; } = [];

    public List<StormResult> Storms { get; } = [];

    public List<string> Notes { get; } = [];

    public void AddNoteOnce(string note)
    {
        if (!Notes.Contains(note))
        {
            Notes.Add(note);
        }
    }

    public string ToJson() => JsonSerializer.Serialize(this, new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    });
}

/// <summary>Formats the results as Markdown tables, every ChatKit figure next to its ratio to the baseline.</summary>
internal static class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string StepLine(string scenario, StepResult s) => string.Create(Inv,
        $"   {scenario} {s.Server,-16} {s.Rate,8:F1} msg/s  p50 {s.Latency.P50,7:F2}  p99 {s.Latency.P99,8:F2}  max {s.Latency.Max,8:F1} ms  ack99 {s.Ack.P99,7:F1}  lost {s.Lost,6}  err {s.Errors,4}  srv {s.ServerCpu,4:P0}  cli {s.ClientCpu,4:P0}{(s.ClientBound ? " CLIENT-BOUND" : "")}{(s.Disturbed ? $" STALL {Math.Max(s.ClientStallMs, s.ServerStallMs):F0}ms" : "")}  pool stall {s.ClientPoolStallMs:F0}/{s.ServerPoolStallMs:F0} ms thr {s.ServerThreads}  {(s.Passed ? "pass" : "FAIL")}{(s.Passed || s.LateReceipts.Length == 0 ? "" : " [" + s.LateReceipts + "]")}");

    public static string FailReason(StepResult s)
    {
        var reasons = new List<string>();
        if (s.Errors > 0)
        {
            reasons.Add(string.Create(Inv, $"{s.Errors} send errors ({s.FirstError})"));
        }

        if (s.Lost > 0)
        {
            reasons.Add(string.Create(Inv, $"{s.Lost} of {s.Expected} not delivered in time"));
        }

        if (!(s.Latency.P99 < StepResult.P99LimitMs))
        {
            reasons.Add(string.Create(Inv, $"p99 {s.Latency.P99:F0} ms"));
        }

        return string.Create(Inv, $"at {s.Rate:F0} msg/s: {string.Join(", ", reasons)}; server CPU {s.ServerCpu:P0}, client CPU {s.ClientCpu:P0}{(s.ClientBound ? " (client-bound)" : "")}{(s.Disturbed ? $"; **disturbed**: a process was held off its core for {Math.Max(s.ClientStallMs, s.ServerStallMs):F0} ms" : "")}");
    }

    public static string Markdown(BenchReport r)
    {
        var sb = new StringBuilder();
        var m = r.Machine;
        sb.AppendLine(Inv, $"### Run of {r.StartedUtc:yyyy-MM-dd HH:mm} UTC, profile `{r.Profile}`");
        sb.AppendLine();
        sb.AppendLine(Inv, $"Command: `{r.Command.Trim()}`  ");
        sb.AppendLine(Inv, $"Machine: {m.Cpu}, {m.Cores} cores, {m.MemoryMb / 1024.0:F0} GB, {m.Os}, {m.Runtime}  ");
        sb.AppendLine(Inv, $"Pinning: {(m.Pinned ? $"servers on CPU {m.ServerCpus}, load generator on CPU {m.ClientCpus}" : "none")}; load average {m.LoadAverageStart} at start, {m.LoadAverageEnd} at the end  ");
        sb.AppendLine(Inv, $"Other work on the machine during the run: {(double.IsNaN(m.OtherLoad) ? "unknown" : m.OtherLoad.ToString("P0", Inv) + " of its CPU")} (machine CPU time less this run's processes)");
        sb.AppendLine();

        foreach (var ladder in r.Ladders)
        {
            AppendLadder(sb, ladder);
        }

        if (r.Idle.Count > 0)
        {
            AppendIdle(sb, r.Idle);
        }

        if (r.Storms.Count > 0)
        {
            AppendStorms(sb, r.Storms);
        }

        if (r.Notes.Count > 0)
        {
            sb.AppendLine("Notes:");
            foreach (var note in r.Notes)
            {
                sb.AppendLine(Inv, $"- {note}");
            }

            sb.AppendLine();
        }

        return sb.ToString();
    }

    private static void AppendLadder(StringBuilder sb, LadderReport l)
    {
        sb.AppendLine(Inv, $"#### {l.Scenario}: {l.Title} ({l.Connections} connections, {l.Conversations} conversations, {l.StepSeconds:0.#} s per step)");
        sb.AppendLine();
        var baseline = l.Throughput.FirstOrDefault(t => t.Server.StartsWith("baseline", StringComparison.Ordinal));
        var reference = ReferenceRate(l, baseline);
        var cpu = CpuPerMessage(l);
        var baseCpu = baseline is not null && cpu.TryGetValue(baseline.Server, out var bc) ? bc : double.NaN;
        sb.AppendLine(Inv, $"| server | max msg/s (p99 < 250 ms, none lost) | deliveries/s | ratio | p50 ms @ {reference:0.#}/s | p99 ms @ {reference:0.#}/s | p99 ratio | server CPU µs/msg | CPU-bound ratio | what stopped it |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        var baseStep = At(l, baseline?.Server, reference);
        foreach (var t in l.Throughput)
        {
            var step = At(l, t.Server, reference);
            var isBase = ReferenceEquals(t, baseline);
            var ratio = baseline is null || baseline.MaxRate == 0 ? "n/a" : (isBase ? "1.00" : (t.MaxRate / baseline.MaxRate).ToString("F2", Inv));
            if (!isBase && baseline is { NeverFailed: true } && !t.NeverFailed)
            {
                ratio = "≤ " + ratio;
            }
            else if (!isBase && t.NeverFailed && baseline is not null && !baseline.NeverFailed)
            {
                ratio = "≥ " + ratio;
            }
            else if (!isBase && t.NeverFailed && baseline is { NeverFailed: true })
            {
                ratio = "≥ " + ratio + "†";
            }

            var p99Ratio = isBase || step is null || baseStep is null ? (isBase ? "1.00" : "n/a") : (step.Latency.P99 / baseStep.Latency.P99).ToString("F2", Inv);
            var max = t.NeverFailed ? $"≥ {t.MaxRate:0.#}" : t.MaxRate.ToString("0.#", Inv);
            var myCpu = cpu.TryGetValue(t.Server, out var c) ? c : double.NaN;
            var cpuRatio = isBase ? "1.00" : double.IsNaN(myCpu) || double.IsNaN(baseCpu) ? "n/a" : (baseCpu / myCpu).ToString("F2", Inv);
            sb.AppendLine(Inv, $"| {t.Server} | {max} | {t.DeliveriesPerSecond:F0} | {ratio} | {Fmt(step?.Latency.P50)} | {Fmt(step?.Latency.P99)} | {p99Ratio} | {Fmt(myCpu)} | {cpuRatio} | {(t.ClientBound ? "**client-bound**: " : "")}{t.Limit} |");
        }

        sb.AppendLine();
        sb.AppendLine("ratio: max rate ÷ the baseline's (≥: this server never failed, so its ratio is at least that; †: neither failed, the load generator was the limit). p99 ratio: at the reference rate. server CPU µs/msg: the server process's CPU time (PostgreSQL's processes included for chatkit-postgres) per message sent, over the rates every server passed. CPU-bound ratio: the baseline's µs/msg ÷ this server's, the throughput ratio to expect when the server's core is the limit.");
        AppendRepeats(sb, l, baseline?.Server);
        sb.AppendLine();
        sb.AppendLine("<details><summary>every step</summary>");
        sb.AppendLine();
        sb.AppendLine("| msg/s | server | p50 ms | p90 ms | p99 ms | max ms | ack p99 ms | delivered | lost | errors | server CPU | µs/msg | client CPU | client µs/msg | stall ms (client/server) | result |");
        sb.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var s in l.Steps.OrderBy(s => s.Rate).ThenBy(s => s.Server, StringComparer.Ordinal))
        {
            sb.AppendLine(Inv, $"| {s.Rate:0.#} | {s.Server} | {Fmt(s.Latency.P50)} | {Fmt(s.Latency.P90)} | {Fmt(s.Latency.P99)} | {Fmt(s.Latency.Max)} | {Fmt(s.Ack.P99)} | {s.Received} | {s.Lost} | {s.Errors} | {s.ServerCpu:P0} | {s.ServerCpuMicrosPerMessage:F0} | {s.ClientCpu:P0}{(s.ClientBound ? " ⚠" : "")} | {s.ClientCpuMicrosPerMessage:F0} | {s.ClientStallMs:F0} / {s.ServerStallMs:F0}{(s.Disturbed ? " ⚠" : "")} | {(s.Passed ? "pass" : "fail")}{(s.Attempts > 1 ? $" (try {s.Attempts})" : "")} |");
        }

        sb.AppendLine();
        sb.AppendLine("</details>");
        sb.AppendLine();
        foreach (var note in l.Notes)
        {
            sb.AppendLine(Inv, $"- {note}");
        }
    }

    /// <summary>
    /// The latencies of the steps repeated at the reference rate: per server the median p50 and p99 with their range, and
    /// the p99 ratio to the baseline's step of the same repeat (median and range), so a 1.2× target can be decided.
    /// </summary>
    private static void AppendRepeats(StringBuilder sb, LadderReport l, string? baseline)
    {
        if (l.Repeats.Count == 0)
        {
            return;
        }

        var count = l.Repeats.Max(r => r.Repeat);
        sb.AppendLine();
        sb.AppendLine(Inv, $"Latency at {l.RepeatRate:0.#} msg/s over {count} repeats (every server in turn in each repeat; median, then min–max):");
        sb.AppendLine();
        sb.AppendLine("| server | p50 ms | p99 ms | p99 ratio to the baseline (same repeat) | server CPU µs/msg | client CPU µs/msg | passed |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var server in l.Repeats.Select(r => r.Step.Server).Distinct())
        {
            var mine = l.Repeats.Where(r => r.Step.Server == server).ToList();
            var ratios = mine
                .Select(r => (r.Step, Base: l.Repeats.FirstOrDefault(b => b.Repeat == r.Repeat && b.Step.Server == baseline)?.Step))
                .Where(p => p.Base is { Latency.P99: > 0 })
                .Select(p => p.Step.Latency.P99 / p.Base!.Latency.P99)
                .ToList();
            var ratioText = server == baseline ? "1.00" : ratios.Count == 0 ? "n/a" : $"{Median(ratios):F2} ({ratios.Min():F2}–{ratios.Max():F2})";
            sb.AppendLine(Inv, $"| {server} | {Spread(mine.Select(r => r.Step.Latency.P50))} | {Spread(mine.Select(r => r.Step.Latency.P99))} | {ratioText} | {Median(mine.Select(r => r.Step.ServerCpuMicrosPerMessage)):F0} | {Median(mine.Select(r => r.Step.ClientCpuMicrosPerMessage)):F0} | {mine.Count(r => r.Step.Passed)}/{mine.Count} |");
        }
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Spread(IEnumerable<double> values)
    {
        var list = values.ToList();
        return $"{Fmt(Median(list))} ({Fmt(list.Min())}–{Fmt(list.Max())})";
    }

    /// <summary>
    /// The rate latencies are compared at: the highest ladder rate at or below half the baseline's limit that every
    /// server passed. Comparing at a server's own limit would compare a saturated server with an idle one.
    /// </summary>
    public static double ReferenceRate(LadderReport l, ThroughputResult? baseline)
    {
        var cap = baseline is null ? double.MaxValue : baseline.MaxRate / 2;
        var servers = l.Throughput.Select(t => t.Server).ToList();
        var rates = l.Steps.Select(s => s.Rate).Distinct().Where(rate => rate <= cap && servers.All(name => At(l, name, rate)?.Passed == true)).ToList();
        if (rates.Count == 0)
        {
            rates = [.. l.Steps.Select(s => s.Rate).Distinct().Where(rate => servers.All(name => At(l, name, rate)?.Passed == true))];
        }

        return rates.Count == 0 ? l.Steps.Min(s => s.Rate) : rates.Max();
    }

    /// <summary>Server CPU µs per message over the ladder rates that every server passed (weighted by messages).</summary>
    public static Dictionary<string, double> CpuPerMessage(LadderReport l)
    {
        var servers = l.Throughput.Select(t => t.Server).ToList();
        var rates = l.Steps.Select(s => s.Rate).Distinct().Where(rate => servers.All(name => At(l, name, rate)?.Passed == true)).ToList();
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var server in servers)
        {
            var steps = rates.Select(rate => At(l, server, rate)!).ToList();
            var sent = steps.Sum(s => s.Sent);
            if (sent > 0)
            {
                result[server] = steps.Sum(s => s.ServerCpuSeconds) * 1e6 / sent;
            }
        }

        return result;
    }

    private static StepResult? At(LadderReport l, string? server, double rate) =>
        server is null ? null : l.Steps.LastOrDefault(s => s.Server == server && s.Rate == rate);

    private static void AppendIdle(StringBuilder sb, List<IdleResult> idle)
    {
        sb.AppendLine("#### S4: idle connections (server memory after a forced full GC, before and after connecting N clients, divided by N)");
        sb.AppendLine();
        sb.AppendLine("| connections | server | GC heap KB/conn | RssAnon KB/conn | GC committed KB/conn | GC heap difference vs baseline | RssAnon difference vs baseline | rounds (GC heap KB/conn) | rounds (RssAnon KB/conn) | connect time s |");
        sb.AppendLine("|---:|---|---:|---:|---:|---:|---:|---|---|---:|");
        foreach (var group in idle.GroupBy(i => i.Connections))
        {
            var b = group.FirstOrDefault(i => i.Server.StartsWith("baseline", StringComparison.Ordinal));
            foreach (var i in group)
            {
                var heapDiff = b is null || ReferenceEquals(i, b) ? "—" : $"{(i.GcHeapPerConnection - b.GcHeapPerConnection) / 1024:+0.00;-0.00} KB";
                var rssDiff = b is null || ReferenceEquals(i, b) ? "—" : $"{(i.RssAnonPerConnection - b.RssAnonPerConnection) / 1024:+0.00;-0.00} KB";
                sb.AppendLine(Inv, $"| {i.Connections} | {i.Server} | {i.GcHeapPerConnection / 1024:F2} | {i.RssAnonPerConnection / 1024:F2} | {i.GcCommittedPerConnection / 1024:F2} | {heapDiff} | {rssDiff} | {string.Join(", ", i.GcHeapRounds.Select(v => (v / 1024).ToString("F2", Inv)))} | {string.Join(", ", i.RssAnonRounds.Select(v => (v / 1024).ToString("F2", Inv)))} | {i.ConnectSeconds:F1} |");
            }
        }

        sb.AppendLine();
    }

    private static void AppendStorms(StringBuilder sb, List<StormResult> storms)
    {
        var b = storms.FirstOrDefault(s => s.Server.StartsWith("baseline", StringComparison.Ordinal));
        var first = storms[0];
        sb.AppendLine(Inv, $"#### S5: reconnect storm ({first.Receivers} receivers in {first.Conversations} rooms of 10 drop at once while {first.Rate:0} msg/s keep coming, reconnect together, catch up with after=<seq>)");
        sb.AppendLine();
        sb.AppendLine("| server | all reconnected s | ratio | connect p50 / p99 ms | reconnect + catch-up s | messages caught up | lost | send errors |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var s in storms)
        {
            var ratio = b is null ? "n/a" : ReferenceEquals(s, b) ? "1.00" : (s.ReconnectSeconds / b.ReconnectSeconds).ToString("F2", Inv);
            var lost = s.HasHistory ? s.Lost.ToString(Inv) : $"{s.Lost} (no history: expected)";
            sb.AppendLine(Inv, $"| {s.Server} | {s.ReconnectSeconds:F2} | {ratio} | {s.ConnectLatency.P50:F0} / {s.ConnectLatency.P99:F0} | {s.CatchUpSeconds:F2} | {s.CaughtUpMessages} | {lost} | {s.SendErrors} |");
        }

        sb.AppendLine();
    }

    private static string Fmt(double? v) => v is null || double.IsNaN(v.Value) ? "—" : v.Value.ToString(v.Value < 10 ? "F2" : "F1", Inv);
}
