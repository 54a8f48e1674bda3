using System.Diagnostics;
using System.Net.Http.Json;
using ChatKit.Benchmarks.Servers;

namespace ChatKit.Benchmarks.Load;

/// <summary>A server to measure: a name for the tables and the <c>server</c> arguments that start it.</summary>
internal sealed record ServerSpec(string Name, IReadOnlyList<string> Arguments, bool OptIn = false, bool UsesPostgres = false, bool RawClient = false)
{
    /// <summary>Another build's ChatKit.Benchmarks.dll to run this server from (<c>--reference</c>), or null for this one.</summary>
    public string? Dll { get; init; }

    /// <summary>Whether the clients of this server speak MessagePack (the server was started with <c>--protocol messagepack</c>).</summary>
    public bool MessagePack => Arguments.Contains("messagepack");

    public bool IsBaseline => Name.StartsWith("baseline", StringComparison.Ordinal);

    public bool HasHistory => !IsBaseline;

    public bool Equals(ServerSpec? other) => other is not null && other.Name == Name;

    public override int GetHashCode() => Name.GetHashCode(StringComparison.Ordinal);
}

/// <summary>
/// One server as a child process of this program (<c>server …</c>), pinned to its own core with <c>taskset</c> when
/// asked, listening on 127.0.0.1 and a port of its choosing.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private ServerProcess(ServerSpec spec, Process process, StreamWriter log, Uri baseUri, HttpClient http)
    {
        Spec = spec;
        _process = process;
        _log = log;
        BaseUri = baseUri;
        Http = http;
    }

    public ServerSpec Spec { get; }

    public string Name => Spec.Name;

    public Uri BaseUri { get; }

    public Uri HubUri => new(BaseUri, "/chat");

    public HttpClient Http { get; }

    public int ProcessId => _process.Id;

    public static async Task<ServerProcess> StartAsync(ServerSpec spec, string? cpus, string logDirectory, CancellationToken cancellationToken)
    {
        var (file, prefix) = SelfCommand();
        if (spec.Dll is not null)
        {
            (file, prefix) = ("dotnet", [spec.Dll]);
        }

        var psi = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (cpus is not null)
        {
            psi.FileName = "taskset";
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(cpus);
            psi.ArgumentList.Add(file);
        }
        else
        {
            psi.FileName = file;
        }

        foreach (var a in prefix)
        {
            psi.ArgumentList.Add(a);
        }

        psi.ArgumentList.Add("server");
        foreach (var a in spec.Arguments)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment.Remove(LoadMain.PinnedVariable);
        psi.Environment["DOTNET_gcServer"] = "0";
        var serverMin = Environment.GetEnvironmentVariable("CHATKIT_BENCH_SERVER_MINTHREADS");
        if (serverMin is not null)
        {
            psi.Environment["CHATKIT_BENCH_MINTHREADS"] = serverMin;
        }
        else
        {
            psi.Environment.Remove("CHATKIT_BENCH_MINTHREADS");
        }

        // Profiling: CHATKIT_BENCH_SERVER_ENV_<NAME>=<value> sets <NAME> on the servers only (not on the load generator),
        // with {name} replaced by the server's name, e.g. CHATKIT_BENCH_SERVER_ENV_DOTNET_JitStdOutFile=/tmp/jit-{name}.txt.
        foreach (var variable in Environment.GetEnvironmentVariables().Keys.OfType<string>())
        {
            const string ServerEnv = "CHATKIT_BENCH_SERVER_ENV_";
            if (variable.StartsWith(ServerEnv, StringComparison.Ordinal))
            {
                psi.Environment.Remove(variable);
                psi.Environment[variable[ServerEnv.Length..]] = Environment.GetEnvironmentVariable(variable)!.Replace("{name}", spec.Name, StringComparison.Ordinal);
            }
        }
        Directory.CreateDirectory(logDirectory);
        var log = new StreamWriter(Path.Combine(logDirectory, spec.Name + ".log"), append: true) { AutoFlush = true };
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the server process");
        var ready = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                ready.TrySetException(new InvalidOperationException($"server {spec.Name} exited before listening; see {logDirectory}/{spec.Name}.log"));
                return;
            }

            if (e.Data.StartsWith(ServerMain.ReadyPrefix, StringComparison.Ordinal))
            {
                ready.TrySetResult(new Uri(e.Data[ServerMain.ReadyPrefix.Length..].Trim()));
            }

            lock (log)
            {
                log.WriteLine(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (log)
                {
                    log.WriteLine(e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Uri uri;
        try
        {
            uri = await ready.Task.WaitAsync(TimeSpan.FromSeconds(90), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            await log.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = uri,
            Timeout = TimeSpan.FromSeconds(60),
        };
        return new ServerProcess(spec, process, log, uri, http);
    }

    /// <summary>The server's CPU time so far (user + system), plus its PostgreSQL cluster's when it uses one.</summary>
    public TimeSpan CpuTime()
    {
        _process.Refresh();
        var own = _process.HasExited ? TimeSpan.Zero : _process.TotalProcessorTime;
        return Spec.UsesPostgres ? own + PostgresLauncher.ClusterCpuTime() : own;
    }

    public bool HasExited => _process.HasExited;

    public async Task<ServerStats> StatsAsync(bool collect, CancellationToken cancellationToken)
    {
        var stats = await Http.GetFromJsonAsync<ServerStats>(collect ? "/_bench/stats?collect=true" : "/_bench/stats", cancellationToken).ConfigureAwait(false);
        return stats ?? throw new InvalidOperationException("empty stats");
    }

    /// <summary>The longest time the server's watchdog thread could not run since the previous call, in ms (NaN if unknown).</summary>
    public async Task<StallReport> TakeStallAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await Http.GetFromJsonAsync<StallReport>("/_bench/stall", cancellationToken).ConfigureAwait(false) ?? new(double.NaN, double.NaN, 0);
        }
        catch (HttpRequestException)
        {
            return new(double.NaN, double.NaN, 0);
        }
    }

    /// <summary>Waits until the server is nearly idle (a backlog from an overloaded step is worked off), at most <paramref name="limit"/>.</summary>
    public async Task SettleAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(limit.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            var before = CpuTime();
            await Task.Delay(250, cancellationToken).ConfigureAwait(false);
            if ((CpuTime() - before).TotalMilliseconds < 25)
            {
                return;
            }
        }
    }

    /// <summary>CPU seconds used by the servers this run has stopped (for the machine-load figure).</summary>
    public static double StoppedServersCpuSeconds { get; private set; }

    public async ValueTask DisposeAsync()
    {
        _process.Refresh();
        if (!_process.HasExited)
        {
            StoppedServersCpuSeconds += _process.TotalProcessorTime.TotalSeconds;
        }

        Http.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.Close();
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try
                {
                    await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                }
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
        await _log.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>How to start this same program again: the apphost, or <c>dotnet</c> and the dll.</summary>
    internal static (string File, string[] Prefix) SelfCommand()
    {
        var path = Environment.ProcessPath ?? "dotnet";
        var dll = typeof(ServerProcess).Assembly.Location;
        return Path.GetFileNameWithoutExtension(path) == "dotnet" ? (path, [dll]) : (path, []);
    }
}
