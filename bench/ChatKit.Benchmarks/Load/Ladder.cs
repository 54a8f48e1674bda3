namespace ChatKit.Benchmarks.Load;

/// <summary>A server's highest passing rate in a ladder: p99 under 250 ms, every message delivered, no error.</summary>
public sealed record ThroughputResult(string Server, double MaxRate, double DeliveriesPerSecond, bool NeverFailed, bool ClientBound, string? Limit);

/// <summary>The steps of one latency/throughput ladder and its outcome per server.</summary>
public sealed record LadderReport(
    string Scenario,
    string Title,
    int RoomSize,
    int Connections,
    int Conversations,
    double StepSeconds,
    List<StepResult> Steps,
    List<ThroughputResult> Throughput,
    List<string> Notes)
{
    /// <summary>The rate of the repeated steps (the reference rate), or 0 without <c>--repeats</c>.</summary>
    public double RepeatRate { get; init; }

    /// <summary>Steps run again at the reference rate, every server in turn in each repeat, so latencies have a spread.</summary>
    public List<RepeatStep> Repeats { get; init; } = [];
}

/// <summary>One server's step in one repeat at the reference rate.</summary>
public sealed record RepeatStep(int Repeat, StepResult Step);

/// <summary>What a ladder sends, and how.</summary>
internal sealed record LadderSpec(string Scenario, string Title, int RoomSize, double StartRate, double Factor, int MaxSteps, double StepSeconds, int Refinements, double[]? Rates = null, int Attempts = 2, int Repeats = 0, double? WarmupSeconds = null)
{
    /// <summary>The rates to climb: the explicit list, or a geometric ladder from the start rate.</summary>
    public IEnumerable<double> Ladder() => Rates ?? Enumerable.Range(0, MaxSteps).Select(k => Math.Round(StartRate * Math.Pow(Factor, k), 1));
}

/// <summary>
/// Runs fixed-rate steps of rising rate against every server in lock-step (baseline first, so the servers see the
/// same machine conditions at each rate), drops a server from the ladder at its first failing step, then narrows
/// each server's limit by bisection.
/// </summary>
internal static class Ladder
{
    public static async Task<LadderReport> RunAsync(LadderSpec spec, IReadOnlyList<(Fleet Fleet, IReadOnlyList<SendSlot> Plan)> fleets, CancellationToken cancellationToken)
    {
        var steps = new List<StepResult>();
        var notes = new List<string>();
        var lastPass = new double[fleets.Count];
        var firstFail = new StepResult?[fleets.Count];

        // Warm-up (JIT, tiering, pools): discarded.
        foreach (var (fleet, plan) in fleets)
        {
            // Long enough for the durable paths' many methods to reach tier 1 (2 s left them at tier 0, so the first
            // step failed on its first try in most runs); the same for every server. --warmup-seconds makes it longer: under
            // load ChatKit's durable servers were measured still tiering methods up 15-25 s in (docs/benchmarks.md).
            var warmup = spec.WarmupSeconds ?? Math.Max(2, Math.Min(6, spec.StepSeconds));
            await StepRunner.RunAsync(fleet, plan, spec.Ladder().First() / 2, warmup, cancellationToken).ConfigureAwait(false);
            await fleet.Server.SettleAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        }

        foreach (var rate in spec.Ladder())
        {
            if (firstFail.All(f => f is not null))
            {
                break;
            }

            for (var i = 0; i < fleets.Count; i++)
            {
                if (firstFail[i] is not null)
                {
                    continue;
                }

                var result = await RunConfirmedAsync(spec, fleets[i].Fleet, fleets[i].Plan, rate, "", cancellationToken).ConfigureAwait(false);
                steps.Add(result);
                if (result.Passed)
                {
                    lastPass[i] = rate;
                }
                else
                {
                    firstFail[i] = result;
                }

            }
        }

        var throughput = new List<ThroughputResult>();
        for (var i = 0; i < fleets.Count; i++)
        {
            var (fleet, plan) = fleets[i];
            var fail = firstFail[i];
            if (fail is null)
            {
                var best = steps.Where(s => s.Server == fleet.Server.Name && s.Passed).MaxBy(s => s.Rate);
                throughput.Add(new ThroughputResult(fleet.Server.Name, lastPass[i], best?.DeliveriesPerSecond ?? 0, true, false, "ladder top reached"));
                continue;
            }

            double lo = lastPass[i], hi = fail.Rate;
            for (var r = 0; r < spec.Refinements; r++)
            {
                var mid = Math.Round(lo == 0 ? hi / 2 : (lo + hi) / 2, 1);
                var result = await RunConfirmedAsync(spec, fleet, plan, mid, " (refine)", cancellationToken).ConfigureAwait(false);
                steps.Add(result);
                if (result.Passed)
                {
                    lo = mid;
                }
                else
                {
                    hi = mid;
                    fail = result;
                }
            }

            var passing = steps.Where(s => s.Server == fleet.Server.Name && s.Passed && s.Rate <= lo).MaxBy(s => s.Rate);
            throughput.Add(new ThroughputResult(fleet.Server.Name, lo, passing?.DeliveriesPerSecond ?? 0, false, fail.ClientBound, Report.FailReason(fail)));
        }

        var retried = steps.Count(s => s.Attempts > 1 && s.Passed);
        if (retried > 0)
        {
            notes.Add($"{retried} step(s) passed only on a later try (a failure counts only when it repeats {spec.Attempts} times: the machine is shared).");
        }

        var disturbed = steps.Count(s => s.Disturbed);
        if (disturbed > 0)
        {
            notes.Add($"{disturbed} of {steps.Count} steps saw a process held off its core for more than {StepResult.StallLimitMs:F0} ms (the machine was busy with other work).");
        }

        var first = fleets[0].Fleet;
        var report = new LadderReport(spec.Scenario, spec.Title, spec.RoomSize, first.Clients.Length, first.Rooms.Count, spec.StepSeconds, steps, throughput, notes);
        return spec.Repeats > 0 ? await RepeatAsync(spec, fleets, report, cancellationToken).ConfigureAwait(false) : report;
    }

    /// <summary>
    /// Runs the reference rate again <see cref="LadderSpec.Repeats"/> times, every server in turn (baseline first) in each
    /// repeat, so a p99 and a p99 ratio have a median and a spread instead of one step's luck.
    /// </summary>
    private static async Task<LadderReport> RepeatAsync(LadderSpec spec, IReadOnlyList<(Fleet Fleet, IReadOnlyList<SendSlot> Plan)> fleets, LadderReport report, CancellationToken cancellationToken)
    {
        var baseline = report.Throughput.FirstOrDefault(t => t.Server.StartsWith("baseline", StringComparison.Ordinal));
        var rate = Report.ReferenceRate(report, baseline);
        var repeats = new List<RepeatStep>();
        for (var r = 1; r <= spec.Repeats; r++)
        {
            foreach (var (fleet, plan) in fleets)
            {
                var result = await StepRunner.RunAsync(fleet, plan, rate, spec.StepSeconds, cancellationToken).ConfigureAwait(false);
                Console.WriteLine(Report.StepLine(spec.Scenario, result) + $" (repeat {r})");
                repeats.Add(new RepeatStep(r, result));
                await fleet.Server.SettleAsync(TimeSpan.FromSeconds(15), cancellationToken).ConfigureAwait(false);
            }
        }

        return report with { RepeatRate = rate, Repeats = repeats };
    }

    /// <summary>
    /// Runs a step; a failure is run again after the server settles (up to the profile's attempts), and counts only if
    /// it repeats every time, so a burst of someone else's work on a shared machine does not end a ladder early.
    /// </summary>
    private static async Task<StepResult> RunConfirmedAsync(LadderSpec spec, Fleet fleet, IReadOnlyList<SendSlot> plan, double rate, string suffix, CancellationToken cancellationToken)
    {
        StepResult result = null!;
        for (var attempt = 1; attempt <= spec.Attempts; attempt++)
        {
            result = await StepRunner.RunAsync(fleet, plan, rate, spec.StepSeconds, cancellationToken).ConfigureAwait(false) with { Attempts = attempt };
            Console.WriteLine(Report.StepLine(spec.Scenario, result) + suffix + (attempt > 1 ? $" (try {attempt})" : ""));
            await fleet.Server.SettleAsync(TimeSpan.FromSeconds(15), cancellationToken).ConfigureAwait(false);
            if (result.Passed)
            {
                break;
            }
        }

        return result;
    }
}
