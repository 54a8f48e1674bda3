using System.Text;
using System.Threading.Channels;

namespace ChatKit.Client.Tests.Support;

/// <summary>A console's input typed by the test, line by line; the end of input when completed.</summary>
public sealed class TypedInput : TextReader
{
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();

    public void Type(string line) => _lines.Writer.TryWrite(line);

    public void End() => _lines.Writer.TryComplete();

    public override async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken) =>
        await _lines.Reader.WaitToReadAsync(cancellationToken) && _lines.Reader.TryRead(out var line) ? line : null;

    public override Task<string?> ReadLineAsync() => ReadLineAsync(CancellationToken.None).AsTask();
}

/// <summary>A console's output, line by line, that a test can wait on.</summary>
public sealed class PrintedLines : TextWriter
{
    private readonly Lock _lock = new();
    private readonly StringBuilder _current = new();
    private readonly List<string> _lines = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Signal)> _waiters = [];

    public override Encoding Encoding => Encoding.UTF8;

    public override string ToString()
    {
        lock (_lock)
        {
            return string.Join('\n', _lines);
        }
    }

    public override void Write(char value)
    {
        lock (_lock)
        {
            if (value != '\n')
            {
                _current.Append(value);
                return;
            }

            var line = _current.ToString().TrimEnd('\r');
            _current.Clear();
            _lines.Add(line);
            foreach (var waiter in _waiters.Where(w => w.Match(line)).ToList())
            {
                waiter.Signal.TrySetResult(line);
                _waiters.Remove(waiter);
            }
        }
    }

    /// <summary>Waits for a line that contains <paramref name="text"/> (printed already or later).</summary>
    public Task<string> WaitForAsync(string text, TimeSpan timeout)
    {
        lock (_lock)
        {
            bool Match(string line) => line.Contains(text, StringComparison.Ordinal);
            if (_lines.FirstOrDefault(Match) is { } line)
            {
                return Task.FromResult(line);
            }

            var signal = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((Match, signal));
            return signal.Task.WaitAsync(timeout);
        }
    }
}
