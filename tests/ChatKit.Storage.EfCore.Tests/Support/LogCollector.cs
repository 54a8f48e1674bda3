using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ChatKit.Storage.EfCore.Tests.Support;

/// <summary>Keeps every log entry of the nodes it is added to.</summary>
public sealed class LogCollector : ILoggerProvider
{
    private readonly ConcurrentQueue<(string Category, LogLevel Level, EventId EventId, string Message)> _entries = new();

    public IReadOnlyList<(string Category, LogLevel Level, EventId EventId, string Message)> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCollector owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._entries.Enqueue((category, logLevel, eventId, formatter(state, exception)));
    }
}
