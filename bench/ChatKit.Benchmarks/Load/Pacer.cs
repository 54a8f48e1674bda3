using System.Diagnostics;

namespace ChatKit.Benchmarks.Load;

/// <summary>
/// Calls an action at fixed intervals on a dedicated thread, whatever the server does (an open loop). Timers are too
/// coarse for this (Task.Delay(1) takes about 4 ms on the benchmark machine), so it sleeps 1 ms at a time (about
/// 1.1 ms here) and sends whatever has fallen due: a send leaves at most about a millisecond late, at every rate, and
/// the thread never spins, so the load generator's CPU figure stays honest. The action gets the index and the
/// scheduled time, which is what latency is measured from, so a late send counts against the run rather than hiding
/// (no coordinated omission).
/// </summary>
internal static class Pacer
{
    /// <summary>Runs <paramref name="send"/> for i = 0, 1, … until <paramref name="count"/> or cancellation.</summary>
    /// <returns>How many were sent and the largest lag behind schedule, in milliseconds.</returns>
    public static Task<(int Sent, double MaxLagMs)> RunAsync(double rate, int count, Action<int, long> send, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource<(int, double)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                var interval = Stopwatch.Frequency / rate;
                var start = Stopwatch.GetTimestamp();
                long maxLag = 0;
                var i = 0;
                for (; i < count && !cancellationToken.IsCancellationRequested; i++)
                {
                    var due = start + (long)(i * interval);
                    while (Stopwatch.GetTimestamp() < due)
                    {
                        Thread.Sleep(1);
                    }

                    maxLag = Math.Max(maxLag, Stopwatch.GetTimestamp() - due);
                    send(i, due);
                }

                done.TrySetResult((i, maxLag * 1000.0 / Stopwatch.Frequency));
            }
            catch (Exception ex)
            {
                done.TrySetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = "pacer",
        };
        thread.Start();
        return done.Task;
    }
}
