using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ChatKit.Testing.Servers;

/// <summary>
/// A real PostgreSQL server of its own: a cluster made by <c>initdb</c> in a temporary folder, started by <c>pg_ctl</c>
/// on a free 127.0.0.1 port with its unix socket in that folder, trust authentication for the <c>postgres</c>
/// superuser, and durability switched off (<c>fsync=off</c>) because tests throw the data away. Dispose it to stop it
/// and delete the folder. Provider-neutral: it hands out connection strings (Npgsql keywords) and needs no client library.
/// </summary>
/// <remarks>
/// PostgreSQL refuses to run as root; when the tests run as root, every server command runs as the <c>postgres</c> OS
/// user (<c>runuser -u postgres</c>), created with <c>useradd</c> when missing, and the folder is handed to it.
/// Start it from a test, or from a fixture whose tests check <see cref="IsInstalled"/>: when the binaries are missing,
/// <see cref="StartAsync"/> calls <see cref="ServiceAvailability.Missing"/>, which skips the test (fails it with <c>CI=true</c>).
/// </remarks>
public sealed class PostgresServer : IAsyncDisposable
{
    /// <summary>The message given when PostgreSQL's server binaries cannot be found.</summary>
    public const string MissingMessage =
        "PostgreSQL not found (initdb and pg_ctl on the PATH or in /usr/lib/postgresql/*/bin): apt-get install postgresql or run ./build.sh test";

    /// <summary>The superuser the server is initialised with; it connects without a password from 127.0.0.1.</summary>
    public const string UserName = "postgres";

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);
    private static readonly SemaphoreSlim UserGate = new(1, 1);
    private readonly string _binDirectory;
    private readonly string _directory;
    private readonly bool _asPostgresUser;
    private bool _running;
    private bool _disposed;

    private PostgresServer(string binDirectory, string directory, bool asPostgresUser)
    {
        _binDirectory = binDirectory;
        _directory = directory;
        _asPostgresUser = asPostgresUser;
    }

    /// <summary>Whether <c>initdb</c> and <c>pg_ctl</c> can be found.</summary>
    public static bool IsInstalled => FindBinDirectory() is not null;

    /// <summary>The address the server listens on.</summary>
    public static string Host => "127.0.0.1";

    /// <summary>The TCP port the server listens on.</summary>
    public int Port { get; private set; }

    /// <summary>The folder of the server's unix socket (<c>.s.PGSQL.&lt;port&gt;</c>).</summary>
    public string SocketDirectory => _directory;

    private string DataDirectory => Path.Combine(_directory, "data");

    private string LogFile => Path.Combine(_directory, "postgres.log");

    /// <summary>
    /// A connection string (Npgsql keywords) for a database of this server, over TCP on 127.0.0.1 as
    /// <see cref="UserName"/>. The database need not exist yet: create it with <see cref="CreateDatabaseAsync"/>, or let
    /// the code under test create it.
    /// </summary>
    /// <param name="database">The database name; <c>postgres</c> exists from the start.</param>
    public string GetConnectionString(string database = "postgres") =>
        string.Create(CultureInfo.InvariantCulture, $"Host={Host};Port={Port};Username={UserName};Database={database}");

    /// <summary>
    /// Creates a cluster in a new temporary folder and starts it on a free port, waiting until it accepts connections.
    /// When PostgreSQL is missing this skips the calling test (fails it in CI).
    /// </summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server; dispose it to stop it and delete its folder.</returns>
    public static async Task<PostgresServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var bin = FindBinDirectory();
        if (bin is null)
        {
            ServiceAvailability.Missing(MissingMessage);
            throw new InvalidOperationException(MissingMessage); // not reached: Missing throws
        }

        var asPostgresUser = string.Equals(Environment.UserName, "root", StringComparison.Ordinal);
        if (asPostgresUser)
        {
            await EnsurePostgresUserAsync(cancellationToken).ConfigureAwait(false);
        }

        var directory = Directory.CreateTempSubdirectory("chatkit-pg-").FullName;
        var server = new PostgresServer(bin, directory, asPostgresUser);
        try
        {
            if (asPostgresUser)
            {
                await RunAsync("chown", ["-R", $"{UserName}:", directory], asUser: null, cancellationToken).ConfigureAwait(false);
            }

            await server.RunServerCommandAsync(
                    "initdb",
                    ["-D", server.DataDirectory, "-U", UserName, "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync", "--no-instructions"],
                    cancellationToken)
                .ConfigureAwait(false);

            InvalidOperationException? last = null;
            for (var attempt = 0; attempt < 3; attempt++)
            {
                server.Port = ServerFiles.FreePort();
                try
                {
                    await server.StartProcessAsync(cancellationToken).ConfigureAwait(false);
                    return server;
                }
                catch (InvalidOperationException ex)
                {
                    // Most likely the port was taken between our probe and the server's bind: try another one.
                    last = ex;
                }
            }

            throw new InvalidOperationException("PostgreSQL did not start after 3 attempts.", last);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Creates a database with <c>createdb</c>.</summary>
    /// <param name="name">The database name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task CreateDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return RunAsync(
            Path.Combine(_binDirectory, "createdb"),
            ["-h", Host, "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", UserName, name],
            asUser: null,
            cancellationToken);
    }

    /// <summary>
    /// Stops the server as an operator's restart does (fast shutdown: open connections are cut, committed work is
    /// flushed); its data stay, and <see cref="StartAgainAsync"/> brings it back on the same port. Not an immediate
    /// shutdown: these test servers run with <c>synchronous_commit=off</c>, so a crash would lose the last commits, which
    /// is the test server's speed setting, not the code under test.
    /// </summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_running)
        {
            return;
        }

        await RunServerCommandAsync("pg_ctl", ["-D", DataDirectory, "-m", "fast", "-w", "-t", "30", "stop"], cancellationToken).ConfigureAwait(false);
        _running = false;
    }

    /// <summary>Starts a server stopped with <see cref="StopAsync"/> again, on the same port, with its data.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _running ? Task.CompletedTask : StartProcessAsync(cancellationToken);
    }

    /// <summary>Stops the server (immediate shutdown) and deletes its folder.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_running)
        {
            _running = false;
            try
            {
                await RunServerCommandAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "-t", "30", "stop"], CancellationToken.None)
                    .ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                // Already gone; nothing to stop.
            }
        }

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
        var port = Port.ToString(CultureInfo.InvariantCulture);
        var serverOptions = string.Join(
            ' ',
            "-p", port,
            "-k", _directory,
            "-c", "listen_addresses=" + Host,
            "-c", "max_connections=300",
            "-c", "fsync=off",
            "-c", "synchronous_commit=off",
            "-c", "full_page_writes=off");
        try
        {
            await RunServerCommandAsync("pg_ctl", ["-D", DataDirectory, "-l", LogFile, "-o", serverOptions, "-w", "-t", "30", "start"], cancellationToken)
                .ConfigureAwait(false);
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidOperationException($"{ex.Message}\n{ServerFiles.ReadLog(LogFile)}", ex);
        }

        _running = true;
        await WaitForPortAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task WaitForPortAsync(CancellationToken cancellationToken)
    {
        // pg_ctl -w returns once the server accepts connections; check that it is ours on the TCP port we chose.
        var started = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (SocketException) when (started.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private Task RunServerCommandAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        RunAsync(Path.Combine(_binDirectory, program), arguments, _asPostgresUser ? UserName : null, cancellationToken);

    private static async Task EnsurePostgresUserAsync(CancellationToken cancellationToken)
    {
        await UserGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            try
            {
                await RunAsync("id", ["-u", UserName], asUser: null, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                await RunAsync(
                        "useradd",
                        ["--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", UserName],
                        asUser: null,
                        cancellationToken)
                    .ConfigureAwait(false);
            }
        }
        finally
        {
            UserGate.Release();
        }
    }

    /// <summary>Runs a program to its end; throws with its output when it fails.</summary>
    private static async Task RunAsync(string program, IReadOnlyList<string> arguments, string? asUser, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(asUser is null ? program : "runuser")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        if (asUser is not null)
        {
            info.ArgumentList.Add("-u");
            info.ArgumentList.Add(asUser);
            info.ArgumentList.Add("--");
            info.ArgumentList.Add(program);
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = info };
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"could not start {program}");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        process.WaitForExit(); // flushes the redirected output
        if (process.ExitCode != 0)
        {
            string text;
            lock (output)
            {
                text = output.ToString();
            }

            throw new InvalidOperationException($"{Path.GetFileName(program)} {string.Join(' ', arguments)} exited with {process.ExitCode}: {text}");
        }
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }



    /// <summary>The folder of <c>initdb</c> and <c>pg_ctl</c>: the PATH first, then the newest /usr/lib/postgresql/*/bin.</summary>
    private static string? FindBinDirectory()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            if (HasServerBinaries(directory))
            {
                // A symlink on the PATH (Debian's /usr/local/bin/initdb) points into the versioned folder, which also
                // holds createdb: use the real folder.
                var initdb = new FileInfo(Path.Combine(directory, "initdb"));
                var target = initdb.ResolveLinkTarget(returnFinalTarget: true);
                var real = target is not null ? Path.GetDirectoryName(target.FullName) : null;
                return real is not null && HasServerBinaries(real) ? real : directory;
            }
        }

        const string Versions = "/usr/lib/postgresql";
        if (!Directory.Exists(Versions))
        {
            return null;
        }

        return Directory.GetDirectories(Versions)
            .Select(d => (Directory: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0))
            .Where(d => HasServerBinaries(d.Directory))
            .OrderByDescending(d => d.Version)
            .Select(d => d.Directory)
            .FirstOrDefault();
    }

    private static bool HasServerBinaries(string directory) =>
        File.Exists(Path.Combine(directory, "initdb")) && File.Exists(Path.Combine(directory, "pg_ctl"));
}
