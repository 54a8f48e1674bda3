using System.Diagnostics;

namespace ChatKit.Benchmarks.Load;

/// <summary>
/// The load harness: starts the servers it measures as child processes on 127.0.0.1, drives them with real SignalR
/// clients, and prints Markdown tables where every ChatKit figure stands next to the baseline of the same run.
/// </summary>
internal static class LoadMain
{
    /// <summary>Set in the re-executed harness that already runs on its own core.</summary>
    public const string PinnedVariable = "CHATKIT_BENCH_PINNED";

    public static async Task<int> RunAsync(string[] args)
    {
        var options = LoadOptions.Parse(args);
        if (options.Pin && Environment.GetEnvironmentVariable(PinnedVariable) is null && CanPin())
        {
            return await ReExecPinnedAsync(options, args).ConfigureAwait(false);
        }

        var pinned = Environment.GetEnvironmentVariable(PinnedVariable) == "1";
        Servers.Watchdog.Start();
        var started = DateTime.UtcNow;
        options.CreateRunDirectory(started);
        var report = new BenchReport
        {
            Command = options.CommandLine,
            Profile = options.Profile.Name,
            StartedUtc = started,
            Machine = MachineInfo.Capture(options, pinned),
        };
        if (!pinned)
        {
            report.Notes.Add("Server and load generator were not pinned to separate cores (taskset missing, one core, or --no-pin).");
        }

        Console.WriteLine($"ChatKit load harness, profile {options.Profile.Name}, scenarios {string.Join(',', options.Scenarios)}; results in {options.RunPath("")}");
        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };
        var watch = Stopwatch.StartNew();
        var machine0 = MachineInfo.MachineCpu();
        using var self = Process.GetCurrentProcess();
        var self0 = self.TotalProcessorTime.TotalSeconds;
        try
        {
            await new Scenarios(options, report).RunAsync(cts.Token).ConfigureAwait(false);
        }
        finally
        {
            await PostgresLauncher.StopAsync().ConfigureAwait(false);
        }

        var machine1 = MachineInfo.MachineCpu();
        self.Refresh();
        var own = self.TotalProcessorTime.TotalSeconds - self0 + ServerProcess.StoppedServersCpuSeconds + PostgresLauncher.StoppedClusterCpuSeconds;
        report.Machine = report.Machine with
        {
            LoadAverageEnd = MachineInfo.LoadAverage(),
            OtherLoad = Math.Max(0, (machine1.Busy - machine0.Busy - own) / (machine1.Total - machine0.Total)),
        };

        var markdown = Report.Markdown(report);
        await File.WriteAllTextAsync(options.RunPath("results.md"), markdown, cts.Token).ConfigureAwait(false);
        await File.WriteAllTextAsync(options.RunPath("results.json"), report.ToJson(), cts.Token).ConfigureAwait(false);
        File.Copy(options.RunPath("results.json"), Path.Combine(options.OutputDirectory, "latest.json"), overwrite: true);
        Console.WriteLine();
        Console.WriteLine(markdown);
        Console.WriteLine($"Took {watch.Elapsed.TotalMinutes:F1} min. Tables: {options.RunPath("results.md")}; data: {options.RunPath("results.json")} (chart: python3 bench/plot_latency.py {options.RunPath("results.json")})");
        return 0;
    }

    private static bool CanPin() =>
        OperatingSystem.IsLinux() && Environment.ProcessorCount >= 2 && File.Exists("/usr/bin/taskset");

    /// <summary>Runs this harness again under <c>taskset</c> on the client core; the servers get the other one.</summary>
    private static async Task<int> ReExecPinnedAsync(LoadOptions options, string[] args)
    {
        var (file, prefix) = ServerProcess.SelfCommand();
        var psi = new ProcessStartInfo("taskset") { UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(options.ClientCpus);
        psi.ArgumentList.Add(file);
        foreach (var a in prefix.Concat(args))
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment[PinnedVariable] = "1";
        using var child = Process.Start(psi) ?? throw new InvalidOperationException("could not re-run the harness under taskset");
        Console.CancelKeyPress += (_, e) => e.Cancel = true; // the child handles Ctrl+C itself
        await child.WaitForExitAsync().ConfigureAwait(false);
        return child.ExitCode;
    }
}
