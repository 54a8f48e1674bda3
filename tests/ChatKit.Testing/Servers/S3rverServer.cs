using System.Diagnostics;
using System.Text.RegularExpressions;

namespace ChatKit.Testing.Servers;

/// <summary>
/// A real S3-compatible server: the npm package <c>s3rver</c> (installed into <c>tests/tools</c> by <c>./build.sh test</c>,
/// or by this class with npm when it is missing), on a free 127.0.0.1 port, with its data in a temporary folder and one
/// bucket created at start. Credentials are s3rver's fixed <c>S3RVER</c> / <c>S3RVER</c>.
/// </summary>
public sealed partial class S3rverServer : IAsyncDisposable
{
    /// <summary>The message given when node or s3rver cannot be found.</summary>
    public const string MissingMessage = "s3rver not found: install Node.js and npm, then run ./build.sh test (or npm install --prefix tests/tools)";

    /// <summary>s3rver's fixed access key and secret.</summary>
    public const string AccessKey = "S3RVER";

    private readonly Process _process;
    private readonly string _directory;

    private S3rverServer(Process process, string directory, int port, string bucket)
    {
        _process = process;
        _directory = directory;
        Port = port;
        Bucket = bucket;
    }

    /// <summary>The port it listens on.</summary>
    public int Port { get; }

    /// <summary>The bucket created at start.</summary>
    public string Bucket { get; }

    /// <summary>The endpoint for an S3 client (path-style).</summary>
    public string ServiceUrl => $"http://127.0.0.1:{Port}";

    /// <summary>Starts a server with a bucket; skips the calling test (fails it in CI) when s3rver cannot be found.</summary>
    /// <param name="bucket">The bucket to create.</param>
    public static async Task<S3rverServer> StartAsync(string bucket = "chatkit-test")
    {
        var server = await TryStartAsync(bucket).ConfigureAwait(false);
        if (server is null)
        {
            ServiceAvailability.Missing(MissingMessage);
            throw new InvalidOperationException(MissingMessage);
        }

        return server;
    }

    /// <summary>Starts a server with a bucket, or returns <see langword="null"/> when s3rver cannot be found (for fixtures: their tests call <see cref="ServiceAvailability.Missing"/>).</summary>
    /// <param name="bucket">The bucket to create.</param>
    public static async Task<S3rverServer?> TryStartAsync(string bucket = "chatkit-test")
    {
        var script = await FindOrInstallAsync().ConfigureAwait(false);
        if (script is null)
        {
            return null;
        }

        var directory = Directory.CreateTempSubdirectory("chatkit-s3rver-").FullName;
        var info = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { script, "--directory", directory, "--address", "127.0.0.1", "--port", "0", "--configure-bucket", bucket })
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("node did not start");
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null && Listening().Match(e.Data) is { Success: true } match)
            {
                listening.TrySetResult(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            }
        };
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("s3rver exited before it listened"));
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var port = await listening.Task.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            return new S3rverServer(process, directory, port, bucket);
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    /// <summary>An S3 client for this server: path-style, s3rver's credentials, checksums only where the API requires them.</summary>
    public Amazon.S3.IAmazonS3 CreateClient() => new Amazon.S3.AmazonS3Client(
        new Amazon.Runtime.BasicAWSCredentials(AccessKey, AccessKey),
        new Amazon.S3.AmazonS3Config
        {
            ServiceURL = ServiceUrl,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = Amazon.Runtime.RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = Amazon.Runtime.ResponseChecksumValidation.WHEN_REQUIRED,
        });

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task<string?> FindOrInstallAsync()
    {
        var tools = Path.Combine(RepositoryRoot(), "tests", "tools");
        var script = Path.Combine(tools, "node_modules", "s3rver", "bin", "s3rver.js");
        if (File.Exists(script))
        {
            return script;
        }

        // A developer who has npm but has not run ./build.sh test: install what tests/tools/package.json names.
        try
        {
            var info = new ProcessStartInfo("npm") { WorkingDirectory = tools, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { "install", "--no-audit", "--no-fund" })
            {
                info.ArgumentList.Add(argument);
            }

            using var npm = Process.Start(info);
            if (npm is null)
            {
                return null;
            }

            await npm.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5)).ConfigureAwait(false);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }

        return File.Exists(script) ? script : null;
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ChatKit.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("ChatKit.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"listening on [^\s:]+:(\d+)", RegexOptions.IgnoreCase)]
    private static partial Regex Listening();
}
