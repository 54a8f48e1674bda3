using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ChatKit.Benchmarks.Load;

/// <summary>
/// A throwaway PostgreSQL cluster for S3: <c>initdb</c> in a temporary folder, <c>pg_ctl start</c> on a free 127.0.0.1
/// port, pinned to the servers' core, with PostgreSQL's default durability (fsync and synchronous_commit on, unlike
/// the test fixture, which switches them off), so the figures are those of a durable store. Runs as the
/// <c>postgres</c> OS user when we are root, as PostgreSQL requires. Stopped when the harness ends.
/// </summary>
internal static class PostgresLauncher
{
    private static string? s_connectionBase;
    private static string? s_directory;
    private static string? s_bin;
    private static bool s_failed;

    /// <summary>A connection string to a new, not yet created database, or null (with a note) when PostgreSQL is unavailable.</summary>
    public static async Task<string?> EnsureStartedAsync(string? cpus, string logDirectory, BenchReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (s_failed)
        {
            return null;
        }

        if (s_connectionBase is null)
        {
            try
            {
                s_connectionBase = await StartAsync(cpus, logDirectory, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
            {
                s_failed = true;
                report.AddNoteOnce($"S3 on PostgreSQL: skipped, the server could not be started ({ex.Message.Split('\n')[0]}).");
                return null;
            }
        }

        return s_connectionBase is null ? null : $"{s_connectionBase};Database=chatkit_{Guid.NewGuid():N}";
    }

    /// <summary>CPU seconds the cluster used, read just before it stopped.</summary>
    public static double StoppedClusterCpuSeconds { get; private set; }

    public static async Task StopAsync()
    {
        if (s_directory is null || s_bin is null)
        {
            return;
        }

        StoppedClusterCpuSeconds = ClusterCpuTime().TotalSeconds;
        try
        {
            await RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(s_bin, "pg_ctl"), "-D", Path.Combine(s_directory, "data"), "-m", "fast", "-w", "stop"], CancellationToken.None).ConfigureAwait(false);
            Directory.Delete(s_directory, recursive: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            Console.WriteLine($"   (could not stop PostgreSQL in {s_directory}: {ex.Message})");
        }

        s_directory = null;
    }

    /// <summary>
    /// CPU time of the cluster: the postmaster (with the children it has reaped) and its live children, from /proc.
    /// Zero when no cluster runs.
    /// </summary>
    public static TimeSpan ClusterCpuTime()
    {
        try
        {
            if (s_directory is null || !File.Exists(Path.Combine(s_directory, "data", "postmaster.pid")))
            {
                return TimeSpan.Zero;
            }

            var postmaster = int.Parse(File.ReadLines(Path.Combine(s_directory, "data", "postmaster.pid")).First().Trim(), CultureInfo.InvariantCulture);
            long ticks = 0;
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                var name = Path.GetFileName(dir);
                if (name.Length == 0 || !char.IsAsciiDigit(name[0]))
                {
                    continue;
                }

                var stat = ReadStat(dir);
                if (stat is null)
                {
                    continue;
                }

                var pid = int.Parse(name, CultureInfo.InvariantCulture);
                if (pid == postmaster)
                {
                    ticks += stat[11] + stat[12] + stat[13] + stat[14]; // utime stime cutime cstime
                }
                else if (stat[1] == postmaster)
                {
                    ticks += stat[11] + stat[12];
                }
            }

            return TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ
        }
        catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException)
        {
            return TimeSpan.Zero;
        }
    }

    /// <summary>/proc/pid/stat fields after the command name: [0] state, [1] ppid, … [11] utime, [12] stime, [13] cutime, [14] cstime.</summary>
    private static long[]? ReadStat(string dir)
    {
        string text;
        try
        {
            text = File.ReadAllText(Path.Combine(dir, "stat"));
        }
        catch (IOException)
        {
            return null;
        }

        var close = text.LastIndexOf(')');
        var fields = text[(close + 2)..].Split(' ');
        var values = new long[15];
        for (var i = 1; i < values.Length; i++)
        {
            values[i] = long.Parse(fields[i], CultureInfo.InvariantCulture);
        }

        return values;
    }

    private static async Task<string?> StartAsync(string? cpus, string logDirectory, CancellationToken cancellationToken)
    {
        var bin = FindBin() ?? throw new InvalidOperationException("initdb/pg_ctl not found");
        if (Environment.UserName != "root")
        {
            throw new InvalidOperationException("the harness starts PostgreSQL as the postgres user and needs root for that");
        }

        var directory = Directory.CreateTempSubdirectory("chatkit-bench-pg-").FullName;
        s_directory = directory;
        s_bin = bin;
        await RunAsync("chown", ["-R", "postgres:", directory], cancellationToken).ConfigureAwait(false);
        var data = Path.Combine(directory, "data");
        await RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-instructions"], cancellationToken).ConfigureAwait(false);
        var port = FreePort();
        var serverOptions = string.Create(CultureInfo.InvariantCulture, $"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c max_connections=200");
        string[] pin = cpus is null ? [] : ["taskset", "-c", cpus];
        string[] start = ["-u", "postgres", "--", .. pin, Path.Combine(bin, "pg_ctl"), "-D", data, "-l", Path.Combine(directory, "postgres.log"), "-o", serverOptions, "-w", "-t", "60", "start"];
        await RunAsync("runuser", start, cancellationToken).ConfigureAwait(false);
        Directory.CreateDirectory(logDirectory);
        Console.WriteLine($"   PostgreSQL started on 127.0.0.1:{port} (data in {directory}, CPU {cpus ?? "any"})");
        return string.Create(CultureInfo.InvariantCulture, $"Host=127.0.0.1;Port={port};Username=postgres;Maximum Pool Size=64");
    }

    private static async Task RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {program}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await stderr.ConfigureAwait(false)}{await stdout.ConfigureAwait(false)}");
        }
    }

    private static string? FindBin()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var initdb = new FileInfo(Path.Combine(dir, "initdb"));
            if (initdb.Exists && File.Exists(Path.Combine(dir, "pg_ctl")))
            {
                var target = initdb.ResolveLinkTarget(returnFinalTarget: true);
                return target is null ? dir : Path.GetDirectoryName(target.FullName);
            }
        }

        return Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderDescending().FirstOrDefault()
            : null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
