using System.Diagnostics;
using System.Reflection;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ChatKit.Testing.Hosting;

/// <summary>
/// Runs a program's Main (top-level statements that end in <c>app.Run()</c>) on a thread of its own and finds its host
/// through the "HostBuilt" diagnostic event, the way WebApplicationFactory does, so a test can reach the running app
/// and stop it.
/// </summary>
public sealed class ProgramHost : IAsyncDisposable
{
    private static readonly AsyncLocal<TaskCompletionSource<IHost>?> Capture = new();
    private readonly IHost _host;
    private readonly Task _run;

    static ProgramHost() => DiagnosticListener.AllListeners.Subscribe(new ListenerObserver());

    private ProgramHost(IHost host, Task run, Uri address)
    {
        _host = host;
        _run = run;
        Address = address;
    }

    /// <summary>Where the program listens.</summary>
    public Uri Address { get; }

    /// <summary>The program's services.</summary>
    public IServiceProvider Services => _host.Services;

    /// <summary>Runs <paramref name="main"/> and returns once its host has started; rethrows what the program threw.</summary>
    public static async Task<ProgramHost> StartAsync(Action<string[]> main, string[] args)
    {
        ArgumentNullException.ThrowIfNull(main);
        var built = new TaskCompletionSource<IHost>(TaskCreationOptions.RunContinuationsAsynchronously);
        Capture.Value = built;
        var run = Task.Factory.StartNew(() => main(args), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Capture.Value = null;
        if (await Task.WhenAny(built.Task, run).WaitAsync(TimeSpan.FromSeconds(30)) == run)
        {
            await run;
            throw new InvalidOperationException("the program returned before its host was built");
        }

        var host = await built.Task;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() => started.TrySetResult()))
        {
            if (await Task.WhenAny(started.Task, run).WaitAsync(TimeSpan.FromSeconds(30)) == run)
            {
                await run;
                throw new InvalidOperationException("the program returned before its host started");
            }
        }

        return new ProgramHost(host, run, AddressOf(host.Services));
    }

    /// <summary>Runs an assembly's entry point (top-level statements) as <see cref="StartAsync(Action{string[]}, string[])"/> does.</summary>
    public static Task<ProgramHost> StartAsync(Assembly assembly, string[] args)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var entryPoint = assembly.EntryPoint ?? throw new InvalidOperationException($"{assembly.GetName().Name} has no entry point");
        return StartAsync(
            a =>
            {
                try
                {
                    var result = entryPoint.Invoke(null, entryPoint.GetParameters().Length == 0 ? null : [a]);
                    if (result is Task task)
                    {
                        task.GetAwaiter().GetResult();
                    }
                }
                catch (TargetInvocationException ex) when (ex.InnerException is not null)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
                }
            },
            args);
    }

    /// <summary>The address a started app listens on (the first, when it listens on several).</summary>
    /// <param name="services">The app's services.</param>
    public static Uri AddressOf(IServiceProvider services) =>
        new(services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());

    /// <summary>Stops the program and waits for its Main to return.</summary>
    public async ValueTask DisposeAsync()
    {
        _host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        await _run.WaitAsync(TimeSpan.FromSeconds(30));
    }

    private sealed class ListenerObserver : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>
    {
        public void OnNext(DiagnosticListener value)
        {
            if (value.Name == "Microsoft.Extensions.Hosting")
            {
                value.Subscribe(this);
            }
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (value.Key == "HostBuilt" && value.Value is IHost host)
            {
                Capture.Value?.TrySetResult(host);
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }
    }
}
