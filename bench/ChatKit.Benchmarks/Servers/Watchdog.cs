using System.Diagnostics;

namespace ChatKit.Benchmarks.Servers;

/// <summary>
/// Notices when this process was not allowed to run: a background thread that asks to wake every 5 ms records the
/// longest gap between its wake-ups. On a shared machine, a gap of hundreds of milliseconds means other work (or the
/// hypervisor) held the core, and a step measured across it says more about the machine than about the server.
/// A stop-the-world GC pause shows up too, so the harness reports gaps rather than hiding them.
/// </summary>
internal static class Watchdog
{
    private static long s_maxGapTicks;
    private static long s_maxPoolStallTicks;
    private static long s_maxThreads;
    private static int s_started;

    public static void Start()
    {
        if (Interlocked.Exchange(ref s_started, 1) == 1)
        {
            return;
        }

        var thread = new Thread(() =>
        {
            var last = Stopwatch.GetTimestamp();
            var completed = ThreadPool.CompletedWorkItemCount;
            long stalledSince = 0;
            while (true)
            {
                Thread.Sleep(5);
                var now = Stopwatch.GetTimestamp();
                var gap = now - last;
                last = now;

                // Thread-pool starvation: work is queued but no work item has completed since the last look.
                var done = ThreadPool.CompletedWorkItemCount;
                if (ThreadPool.PendingWorkItemCount > 0 && done == completed)
                {
                    stalledSince = stalledSince == 0 ? now : stalledSince;
                    Max(ref s_maxPoolStallTicks, now - stalledSince);
                }
                else
                {
                    stalledSince = 0;
                }

                completed = done;
                Max(ref s_maxThreads, ThreadPool.ThreadCount);
                var max = Interlocked.Read(ref s_maxGapTicks);
                while (gap > max)
                {
                    var seen = Interlocked.CompareExchange(ref s_maxGapTicks, gap, max);
                    if (seen == max)
                    {
                        break;
                    }

                    max = seen;
                }
            }
        })
        {
            IsBackground = true,
            Name = "watchdog",
            Priority = ThreadPriority.Normal,
        };
        thread.Start();
    }

    /// <summary>The longest time queued thread-pool work made no progress since the previous call, in milliseconds.</summary>
    public static double TakeMaxPoolStallMs() => Interlocked.Exchange(ref s_maxPoolStallTicks, 0) * 1000.0 / Stopwatch.Frequency;

    /// <summary>The most thread-pool threads seen since the previous call.</summary>
    public static long TakeMaxThreads() => Interlocked.Exchange(ref s_maxThreads, 0);

    private static void Max(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    /// <summary>The longest gap since the previous call, in milliseconds, less the 5 ms the thread sleeps.</summary>
    public static double TakeMaxGapMs()
    {
        var ticks = Interlocked.Exchange(ref s_maxGapTicks, 0);
        return Math.Max(0, (ticks * 1000.0 / Stopwatch.Frequency) - 5);
    }
}
