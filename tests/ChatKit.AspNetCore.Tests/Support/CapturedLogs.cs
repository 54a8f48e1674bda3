using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ChatKit.AspNetCore.Tests.Support;

/// <summary>One entry a host logged.</summary>
/// <param name="Category">The logger's category, e.g. <c>Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher</c>.</param>
/// <param name="Level">Its level.</param>
/// <param name="EventName">Its event's name, when it has one.</param>
/// <param name="Message">The formatted message.</param>
/// <param name="Exception">The exception logged with it, if any.</param>
public sealed record LogEntry(string Category, LogLevel Level, string? EventName, string Message, Exception? Exception)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Level} {Category} [{EventName}]: {Message}{(Exception is null ? "" : " " + Exception.GetType().Name)}";
}

/// <summary>An <see cref="ILoggerProvider"/> a test adds to a host to read back everything it logged, Debug and up.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    /// <summary>Everything logged so far, in order.</summary>
    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    /// <inheritdoc/>
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <inheritdoc/>
    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs logs, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            logs._entries.Enqueue(new LogEntry(category, logLevel, eventId.Name, formatter(state, exception), exception));
    }
}
