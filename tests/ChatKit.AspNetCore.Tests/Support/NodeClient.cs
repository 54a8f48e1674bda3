using System.Diagnostics;
using ChatKit.Testing;

namespace ChatKit.AspNetCore.Tests.Support;

/// <summary>
/// Runs scripts under node with the official JavaScript client, @microsoft/signalr, installed from npm once per
/// machine and version into a temporary folder (reused by later runs).
/// </summary>
public static class NodeClient
{
    /// <summary>The client version the tests install.</summary>
    public const string SignalRVersion = "10.0.11";

    private static readonly SemaphoreSlim InstallGate = new(1, 1);
    private static string? _installed;

    /// <summary>
    /// The folder whose node_modules holds @microsoft/signalr; scripts written there resolve it. Skips the test (fails it
    /// in CI) when node or npm is missing or the install fails.
    /// </summary>
    public static async Task<string> InstallAsync()
    {
        await InstallGate.WaitAsync();
        try
        {
            if (_installed is not null)
            {
                return _installed;
            }

            foreach (var tool in new[] { "node", "npm" })
            {
                if (!OnPath(tool))
                {
                    ServiceAvailability.Missing($"{tool} is not on PATH: install Node.js and npm (apt-get install -y nodejs npm) to run the JavaScript client test");
                }
            }

            var folder = Path.Combine(Path.GetTempPath(), $"chatkit-tests-signalr-js-{SignalRVersion}");
            if (!File.Exists(Path.Combine(folder, "node_modules", "@microsoft", "signalr", "package.json")))
            {
                var staging = folder + ".staging-" + Guid.NewGuid().ToString("N")[..8];
                Directory.CreateDirectory(staging);
                var (exit, output) = await RunAsync("npm", ["install", "--prefix", staging, $"@microsoft/signalr@{SignalRVersion}", "--no-audit", "--no-fund", "--loglevel=error"], staging, TimeSpan.FromMinutes(3));
                if (exit != 0)
                {
                    ServiceAvailability.Missing($"npm install @microsoft/signalr@{SignalRVersion} failed ({exit}): {output}");
                }

                try
                {
                    Directory.Move(staging, folder);
                }
                catch (IOException)
                {
                    // Another run installed it meanwhile.
                    Directory.Delete(staging, recursive: true);
                }
            }

            return _installed = folder;
        }
        finally
        {
            InstallGate.Release();
        }
    }

    /// <summary>Writes <paramref name="script"/> next to node_modules and runs it with node.</summary>
    /// <returns>The exit code, and standard output followed by standard error.</returns>
    public static async Task<(int ExitCode, string StandardOutput, string StandardError)> RunScriptAsync(
        string script, string[] args, string extension = ".cjs", TimeSpan? timeout = null)
    {
        var folder = await InstallAsync();
        var path = Path.Combine(folder, $"script-{Guid.NewGuid():N}{extension}");
        await File.WriteAllTextAsync(path, script);
        try
        {
            using var process = Start("node", [path, .. args], folder);
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await WaitAsync(process, timeout ?? TimeSpan.FromSeconds(30));
            return (process.ExitCode, await stdout, await stderr);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string[] args, string directory, TimeSpan timeout)
    {
        using var process = Start(file, args, directory);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await WaitAsync(process, timeout);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static Process Start(string file, string[] args, string directory)
    {
        var info = new ProcessStartInfo(file)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
    }

    private static async Task WaitAsync(Process process, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{process.StartInfo.FileName} did not finish within {timeout}");
        }
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, tool)));
}
