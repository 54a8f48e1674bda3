using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ChatKit.Testing.Servers;

/// <summary>
/// A real <c>redis-server</c> process on a free 127.0.0.1 port, with its working directory in a temporary folder and
/// persistence switched off (<c>--save "" --appendonly no</c>), so a restart starts empty, as a crashed cache would.
/// It can be stopped abruptly and started again on the same port, to test what clients do while Redis is away.
/// </summary>
/// <remarks>
/// Start it from a test (or from a fixture whose tests check <see cref="IsInstalled"/>): when <c>redis-server</c> is not
/// installed, <see cref="StartAsync"/> calls <see cref="ServiceAvailability.Missing"/>, which skips the test (or fails it
/// with <c>CI=true</c>).
/// </remarks>
public sealed class RedisServer : IAsyncDisposable
{
    /// <summary>The message given when <c>redis-server</c> cannot be found.</summary>
    public const string MissingMessage = "redis-server not found: apt-get install redis-server or run ./build.sh test";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private readonly string _executable;
    private readonly string _directory;
    private Process? _process;
    private bool _disposed;

    private RedisServer(string executable, string directory, int port)
    {
        _executable = executable;
        _directory = directory;
        Port = port;
    }

    /// <summary>Whether <c>redis-server</c> is on the PATH (or at <c>/usr/bin/redis-server</c>).</summary>
    public static bool IsInstalled => FindExecutable() is not null;

    /// <summary>The TCP port the server listens on, the same across restarts.</summary>
    public int Port { get; }

    /// <summary>The address the server listens on.</summary>
    public static string Host => "127.0.0.1";

    /// <summary>A StackExchange.Redis connection string for this server that tolerates its absence (<c>abortConnect=false</c>).</summary>
    public string ConnectionString => $"{Host}:{Port},abortConnect=false";

    /// <summary>Whether the server process is running.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>
    /// Starts a server on a free port and waits until it answers <c>PING</c>. When <c>redis-server</c> is missing this
    /// skips the calling test (fails it in CI).
    /// </summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server; dispose it to stop it and delete its folder.</returns>
    public static async Task<RedisServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var executable = FindExecutable();
        if (executable is null)
        {
            ServiceAvailability.Missing(MissingMessage);
            throw new InvalidOperationException(MissingMessage); // not reached: Missing throws
        }

        Exception? last = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var directory = Directory.CreateTempSubdirectory("chatkit-redis-").FullName;
            var server = new RedisServer(executable, directory, ServerFiles.FreePort());
            try
            {
                await server.StartProcessAsync(cancellationToken).ConfigureAwait(false);
                return server;
            }
            catch (InvalidOperationException ex)
            {
                // Most likely someone took the port between our probe and redis-server's bind: try another one.
                last = ex;
                await server.DisposeAsync().ConfigureAwait(false);
            }
        }

        throw new InvalidOperationException("redis-server did not start after 3 attempts.", last);
    }

    /// <summary>
    /// Kills the server without a shutdown (as a crash or a network cut looks to clients) and waits for it to exit.
    /// Its data is gone: persistence is off.
    /// </summary>
    public async Task StopAsync()
    {
        var process = _process;
        _process = null;
        if (process is null)
        {
            return;
        }

        using (process)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Freezes the server with SIGSTOP: its connections stay open and accept bytes, but nothing is answered, as a hung
    /// or swapping Redis looks to clients. <see cref="Resume"/> lets it go on where it stopped.
    /// </summary>
    public void Pause() => Signal(SigStop);

    /// <summary>Lets a server frozen by <see cref="Pause"/> run again (SIGCONT).</summary>
    public void Resume() => Signal(SigCont);

    /// <summary>Starts the server again on the same port, empty, after <see cref="StopAsync"/>.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await StopAsync().ConfigureAwait(false);
        await StartProcessAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends one command over a fresh connection and returns the raw RESP reply (for checks and diagnostics).</summary>
    /// <param name="command">The command words, for example <c>["DBSIZE"]</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<string> SendCommandAsync(IReadOnlyList<string> command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Port, cancellationToken).ConfigureAwait(false);
        var stream = client.GetStream();
        var request = new StringBuilder().Append('*').Append(command.Count).Append("\r\n");
        foreach (var word in command)
        {
            request.Append('$').Append(Encoding.UTF8.GetByteCount(word)).Append("\r\n").Append(word).Append("\r\n");
        }

        await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()), cancellationToken).ConfigureAwait(false);
        var buffer = new byte[64 * 1024];
        var read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Encoding.UTF8.GetString(buffer, 0, read);
    }

    /// <summary>
    /// How many times the server has run a command since it started, from <c>INFO commandstats</c> (redis-server counts
    /// it itself: no MONITOR, nothing in the way of the clients).
    /// </summary>
    /// <param name="command">The command, lower case, for example <c>publish</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<long> CommandCallsAsync(string command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Port, cancellationToken).ConfigureAwait(false);
        var stream = client.GetStream();
        await stream.WriteAsync("*2\r\n$4\r\nINFO\r\n$12\r\ncommandstats\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
        // A bulk string: "$<length>\r\n<text>\r\n", read to its end whatever the TCP segments.
        var reply = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int? expected = null;
        while (expected is null || reply.Length < expected)
        {
            var read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new IOException("redis-server closed the connection before INFO's reply was complete");
            }

            reply.Write(buffer, 0, read);
            var text = Encoding.UTF8.GetString(reply.GetBuffer(), 0, (int)reply.Length);
            var header = text.IndexOf("\r\n", StringComparison.Ordinal);
            if (expected is null && header > 0)
            {
                expected = header + 2 + int.Parse(text.AsSpan(1, header - 1), System.Globalization.CultureInfo.InvariantCulture) + 2;
            }
        }

        var prefix = "cmdstat_" + command + ":calls=";
        var line = Encoding.UTF8.GetString(reply.GetBuffer(), 0, (int)reply.Length).Split('\n')
            .Select(l => l.Trim())
            .FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line[prefix.Length..].Split(',')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Stops the server and deletes its folder.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await StopAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
        catch (UnauthorizedAccessException)
        {
            // Likewise.
        }
    }

    private async Task StartProcessAsync(CancellationToken cancellationToken)
    {
        var logFile = Path.Combine(_directory, "redis.log");
        var info = new ProcessStartInfo(_executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = false,
            RedirectStandardError = false,
            WorkingDirectory = _directory,
        };
        foreach (var argument in new[]
                 {
                     "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--bind", Host,
                     "--save", string.Empty,
                     "--appendonly", "no",
                     "--dir", _directory,
                     "--logfile", logFile,
                     "--daemonize", "no",
                     "--databases", "1",
                 })
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {_executable}");
        _process = process;
        // Never outlive the test process, even when a test's cleanup fails.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill();
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        };
        var started = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                _process = null;
                process.Dispose();
                throw new InvalidOperationException($"redis-server exited with {ServerFiles.ReadLog(logFile)}");
            }

            if (started.Elapsed > StartTimeout)
            {
                await StopAsync().ConfigureAwait(false);
                throw new InvalidOperationException($"redis-server did not answer PING within {StartTimeout}: {ServerFiles.ReadLog(logFile)}");
            }

            try
            {
                if ((await SendCommandAsync(["PING"], cancellationToken).ConfigureAwait(false)).StartsWith("+PONG", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (SocketException)
            {
                // Not listening yet.
            }
            catch (IOException)
            {
                // Accepted and closed while starting.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken).ConfigureAwait(false);
        }
    }



    private const int SigCont = 18;
    private const int SigStop = 19;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    private void Signal(int signal)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("Pausing redis-server needs Linux signals.");
        }

        var process = _process ?? throw new InvalidOperationException("redis-server is not running.");
        if (SendSignal(process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({process.Id}, {signal}) failed with errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}.");
        }
    }

    private static string? FindExecutable()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Append("/usr/bin").Append("/usr/local/bin"))
        {
            var candidate = Path.Combine(directory, OperatingSystem.IsWindows() ? "redis-server.exe" : "redis-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
