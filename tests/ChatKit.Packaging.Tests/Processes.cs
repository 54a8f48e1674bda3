using System.Diagnostics;
using System.Text;

namespace ChatKit.Packaging.Tests;

/// <summary>Runs the dotnet CLI and the apps it builds, with their output kept for failure messages.</summary>
internal static class Processes
{
    public static async Task<(int ExitCode, string Output)> RunAsync(
        string file, IReadOnlyList<string> arguments, string directory, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var process = Start(file, arguments, directory, environment);
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.Process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Process.Kill(entireProcessTree: true);
            return (-1, $"timed out after {timeout}\n{process.Output}");
        }

        return (process.Process.ExitCode, process.Output);
    }

    public static RunningProcess Start(string file, IReadOnlyList<string> arguments, string directory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(file)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // The child must not think it runs inside this test host's build.
        info.Environment.Remove("MSBuildSDKsPath");
        info.Environment.Remove("MSBuildExtensionsPath");
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        return new RunningProcess(Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start"));
    }
}

/// <summary>A started process: its combined output, and a wait for a line of it.</summary>
internal sealed class RunningProcess : IDisposable
{
    private readonly StringBuilder _output = new();
    private readonly List<(string Text, TaskCompletionSource Seen)> _waits = [];

    public RunningProcess(Process process)
    {
        Process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) =>
        {
            lock (_output)
            {
                foreach (var (_, seen) in _waits)
                {
                    seen.TrySetException(new InvalidOperationException($"the process exited:\n{_output}"));
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Process Process { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Completes when a line containing <paramref name="text"/> has been written, or throws at the timeout.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_output)
        {
            if (_output.ToString().Contains(text, StringComparison.Ordinal))
            {
                return;
            }

            _waits.Add((text, seen));
        }

        try
        {
            await seen.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"'{text}' not written within {timeout}:\n{Output}");
        }
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            Process.WaitForExit();
        }

        Process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
            foreach (var (text, seen) in _waits)
            {
                if (line.Contains(text, StringComparison.Ordinal))
                {
                    seen.TrySetResult();
                }
            }
        }
    }
}
