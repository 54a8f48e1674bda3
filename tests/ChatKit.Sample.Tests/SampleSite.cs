using System.Reflection;
using ChatKit.Testing.Hosting;
using Microsoft.Data.Sqlite;

namespace ChatKit.Sample.Tests;

/// <summary>
/// samples/ChatKit.Sample as `dotnet run` starts it (Development, SQLite), in-process on a loopback port, with a SQLite
/// file of its own. <see cref="RestartAsync"/> stops it and starts it again on the same file and port.
/// </summary>
public class SampleSite : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("chatkit-sample-page-").FullName;
    private ProgramHost? _host;

    /// <summary>Where the sample listens (a loopback port chosen at start, kept across restarts).</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>The running sample's services.</summary>
    public IServiceProvider Services => _host!.Services;

    /// <summary>samples/ChatKit.Sample in this checkout: the content root, so wwwroot is served from the source.</summary>
    public static string SampleFolder { get; } = FindSampleFolder();

    /// <summary>Starts the sample.</summary>
    public async ValueTask InitializeAsync()
    {
        _host = await StartAsync("http://127.0.0.1:0");
        Address = _host.Address;
    }

    /// <summary>Stops the server, runs <paramref name="whileDown"/>, and starts it again at the same address.</summary>
    public async Task RestartAsync(Func<Task> whileDown)
    {
        ArgumentNullException.ThrowIfNull(whileDown);
        await _host!.DisposeAsync();
        _host = null;
        await whileDown();
        _host = await StartAsync(Address.ToString().TrimEnd('/'));
    }

    /// <summary>Settings added after the defaults (the last value of a key wins).</summary>
    protected virtual IEnumerable<string> Settings => [];

    /// <summary>Stops the sample and deletes its database.</summary>
    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }

    private Task<ProgramHost> StartAsync(string url) =>
        ProgramHost.StartAsync(Assembly.Load("ChatKit.Sample"),
        [
            "--urls", url,
            "--environment", "Development",
            // The page signs in through POST /dev/token, which exists only when enabled.
            "--DevTokens:Enabled", "true",
            "--contentRoot", SampleFolder,
            "--ChatKit:Storage", "Sqlite",
            "--ConnectionStrings:Chat", $"Data Source={Path.Combine(_directory, "chat.db")}",
            "--Logging:LogLevel:Default", "Warning",
            // A restart must not wait 30 s for a browser that reconnected during shutdown.
            "--shutdownTimeoutSeconds", "2",
            // The history test sends 45 messages as fast as a script can: more than the per-user default allows.
            "--ChatKit:SendRateLimit:PermitLimit", "500",
            .. Settings,
        ]);

    private static string FindSampleFolder()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var sample = Path.Combine(directory.FullName, "samples", "ChatKit.Sample");
            if (File.Exists(Path.Combine(directory.FullName, "ChatKit.sln")) && Directory.Exists(sample))
            {
                return sample;
            }
        }

        throw new InvalidOperationException($"samples/ChatKit.Sample not found above {AppContext.BaseDirectory}");
    }
}
