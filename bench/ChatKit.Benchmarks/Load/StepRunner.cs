using System.Diagnostics;
using ChatKit.Benchmarks.Servers;
using ChatKit.Benchmarks.Wire;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChatKit.Benchmarks.Load;

/// <summary>One message of a send plan: who sends it, where, and how many receipts it should cause.</summary>
internal sealed record SendSlot(BenchClient Sender, string ConversationId, int Deliveries);

/// <summary>The outcome of one open-loop step at a fixed send rate against one server.</summary>
public sealed record StepResult(
    string Server,
    double Rate,
    int Sent,
    int Errors,
    long Expected,
    int Received,
    Percentiles Latency,
    Percentiles Ack,
    double ServerCpu,
    double ClientCpu,
    double MaxSendLagMs,
    double Seconds,
    string? FirstError,
    double ServerCpuSeconds,
    double ClientStallMs,
    double ServerStallMs)
{
    /// <summary>A step during which either process could not run for this long was disturbed by the machine.</summary>
    public const double StallLimitMs = 150;

    public const double P99LimitMs = 250;

    /// <summary>The longest time the load generator's queued thread-pool work made no progress.</summary>
    public double ClientPoolStallMs { get; init; }

    /// <summary>The longest time the server's queued thread-pool work made no progress.</summary>
    public double ServerPoolStallMs { get; init; }

    /// <summary>The load generator's CPU time during the step, in seconds.</summary>
    public double ClientCpuSeconds { get; init; }

    /// <summary>The load generator's CPU time per message sent, in microseconds: what one message costs the clients.</summary>
    public double ClientCpuMicrosPerMessage => ClientCpuSeconds * 1e6 / Math.Max(1, Sent);

    /// <summary>The most thread-pool threads the server had during the step.</summary>
    public long ServerThreads { get; init; }

    /// <summary>Where the receipts over 100 ms were sent, when there were any.</summary>
    public string LateReceipts { get; init; } = "";

    /// <summary>2 when the step failed once and this is its repetition.</summary>
    public int Attempts { get; init; } = 1;

    public long Lost => Math.Max(0, Expected - Received);

    public bool Passed => Errors == 0 && Lost == 0 && Received > 0 && Latency.P99 < P99LimitMs;

    /// <summary>The load generator could not keep up: its core was busy, or it fell behind its own schedule.</summary>
    public bool ClientBound => ClientCpu >= 0.90 || MaxSendLagMs > 100;

    /// <summary>The load generator or the server was held off its core for longer than <see cref="StallLimitMs"/>.</summary>
    public bool Disturbed => ClientStallMs > StallLimitMs || ServerStallMs > StallLimitMs;

    public double DeliveriesPerSecond => Received / Seconds;

    /// <summary>The server's CPU time per message sent (its database's too, for PostgreSQL), in microseconds.</summary>
    public double ServerCpuMicrosPerMessage => ServerCpuSeconds * 1e6 / Math.Max(1, Sent);
}

/// <summary>Sends at a fixed rate whatever the server does (open loop), then waits for every receipt.</summary>
internal static class StepRunner
{
    private const string Filler = "the quick brown fox jumps over the lazy dog";
    private static int s_nextStepId;

    public static async Task<StepResult> RunAsync(Fleet fleet, IReadOnlyList<SendSlot> plan, double rate, double seconds, CancellationToken cancellationToken)
    {
        var count = Math.Max(1, (int)Math.Round(rate * seconds));
        var maxDeliveries = plan.Max(p => p.Deliveries);
        var step = new StepState(Interlocked.Increment(ref s_nextStepId), (int)Math.Min(50_000_000L, (long)count * maxDeliveries));
        await fleet.Server.TakeStallAsync(cancellationToken).ConfigureAwait(false);
        Watchdog.TakeMaxGapMs();
        Watchdog.TakeMaxPoolStallMs();
        fleet.Recorder.Current = step;
        using var self = Process.GetCurrentProcess();
        var clientCpu0 = self.TotalProcessorTime;
        var serverCpu0 = fleet.Server.CpuTime();
        var pending = new Task[count];
        var start = Stopwatch.GetTimestamp();
        var (_, maxLagMs) = await Pacer.RunAsync(rate, count, (i, due) =>
        {
            var slot = plan[i % plan.Count];
            step.Expect(slot.Deliveries);
            var args = new SendMessageArgs(slot.ConversationId, Recorder.Content(step.Id, due, Filler), $"t{step.Id}-{i}");
            pending[i] = SendAsync(slot, args, due, step);
        }, cancellationToken).ConfigureAwait(false);
        var sendEnd = Stopwatch.GetTimestamp();
        try
        {
            await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(15), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Counted below: acks still missing are errors of an overloaded server.
        }

        var drainUntil = Stopwatch.GetTimestamp() + (5 * Stopwatch.Frequency);
        while (step.Received < step.Expected && Stopwatch.GetTimestamp() < drainUntil)
        {
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }

        fleet.Recorder.Current = null;
        var wall = Stopwatch.GetElapsedTime(start).TotalSeconds;
        self.Refresh();
        var clientCpuSeconds = (self.TotalProcessorTime - clientCpu0).TotalSeconds;
        var clientCpu = clientCpuSeconds / wall / Math.Max(1, Environment.ProcessorCount);
        var serverCpuSeconds = (fleet.Server.CpuTime() - serverCpu0).TotalSeconds;
        var serverCpu = serverCpuSeconds / wall;
        var unacked = pending.Count(t => !t.IsCompleted);
        var late = step.Late;
        var lateText = late.Count == 0 ? "" : string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"{late.Count} receipts over 100 ms, sent between {(late.FirstDue - start) * 1000.0 / Stopwatch.Frequency:F0} and {(late.LastDue - start) * 1000.0 / Stopwatch.Frequency:F0} ms into the step");
        var clientStall = Watchdog.TakeMaxGapMs();
        var clientPoolStall = Watchdog.TakeMaxPoolStallMs();
        var serverStall = await fleet.Server.TakeStallAsync(cancellationToken).ConfigureAwait(false);
        return new StepResult(
            fleet.Server.Name,
            rate,
            count,
            step.Errors + unacked,
            step.Expected,
            step.Received,
            step.Latency(),
            step.AckLatency(),
            serverCpu,
            clientCpu,
            maxLagMs,
            Stopwatch.GetElapsedTime(start, sendEnd).TotalSeconds,
            step.FirstError ?? (unacked > 0 ? $"{unacked} sends unacknowledged after 15 s" : null),
            serverCpuSeconds,
            clientStall,
            serverStall.GapMs)
        {
            LateReceipts = lateText,
            ClientCpuSeconds = clientCpuSeconds,
            ClientPoolStallMs = clientPoolStall,
            ServerPoolStallMs = serverStall.PoolStallMs,
            ServerThreads = serverStall.MaxThreads,
        };
    }

    private static async Task SendAsync(SendSlot slot, SendMessageArgs args, long due, StepState step)
    {
        try
        {
            await slot.Sender.SendMessageAsync(args).ConfigureAwait(false);
            step.RecordAck(Stopwatch.GetTimestamp() - due);
        }
        catch (Exception ex)
        {
            step.RecordError(slot.Deliveries, ex);
        }
    }
}
