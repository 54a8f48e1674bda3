using System.Diagnostics;
using System.Globalization;
using ChatKit.Benchmarks.Wire;

namespace ChatKit.Benchmarks.Load;

/// <summary>
/// Receives every <c>newMessage</c> of every client. A message's content carries its step id and the time it was
/// scheduled to be sent (<c>step|timestamp|text</c>), so the send-to-receipt latency needs no lookup, and a late
/// message of an earlier step is not counted in the next one.
/// </summary>
internal sealed class Recorder
{
    private StepState? _current;
    private long _stray;

    public StepState? Current
    {
        get => Volatile.Read(ref _current);
        set => Volatile.Write(ref _current, value);
    }

    /// <summary>Messages that arrived outside their step (after its drain timeout, or from warm-up).</summary>
    public long Stray => Interlocked.Read(ref _stray);

    public static string Content(int stepId, long dueTimestamp, string text) =>
        string.Create(CultureInfo.InvariantCulture, $"{stepId}|{dueTimestamp}|{text}");

    public void OnNewMessage(BenchClient client, NewMessageReceipt e)
    {
        var now = Stopwatch.GetTimestamp();
        client.MarkSeen(e.ConversationId, e.Message.Seq);
        var content = e.Message.Content.AsSpan();
        var first = content.IndexOf('|');
        var step = Current;
        if (first > 0 && step is not null && int.TryParse(content[..first], NumberStyles.None, CultureInfo.InvariantCulture, out var stepId) && stepId == step.Id)
        {
            var rest = content[(first + 1)..];
            var second = rest.IndexOf('|');
            if (second > 0 && long.TryParse(rest[..second], NumberStyles.None, CultureInfo.InvariantCulture, out var due))
            {
                step.RecordDelivery(now - due, due);
                return;
            }
        }

        Interlocked.Increment(ref _stray);
    }

    /// <summary>A <c>newMessage</c>'s content as the light client reads it: the UTF-8 bytes of <c>step|due|text</c>.</summary>
    public void OnNewMessageContent(ReadOnlySpan<byte> content)
    {
        var now = Stopwatch.GetTimestamp();
        var step = Current;
        if (step is not null
            && System.Buffers.Text.Utf8Parser.TryParse(content, out int stepId, out var used) && used < content.Length && content[used] == (byte)'|' && stepId == step.Id
            && System.Buffers.Text.Utf8Parser.TryParse(content[(used + 1)..], out long due, out var used2) && used2 > 0)
        {
            step.RecordDelivery(now - due, due);
            return;
        }

        Interlocked.Increment(ref _stray);
    }
}

/// <summary>The counters and latency samples of one measured step.</summary>
internal sealed class StepState(int id, int capacity)
{
    private readonly int[] _latencyMicros = new int[Math.Max(16, capacity)];
    private readonly int[] _ackMicros = new int[Math.Max(16, capacity)];
    private int _received;
    private int _acks;
    private int _errors;
    private long _expected;

    public int Id { get; } = id;

    public int Received => Volatile.Read(ref _received);

    public int Acks => Volatile.Read(ref _acks);

    public int Errors => Volatile.Read(ref _errors);

    public long Expected => Interlocked.Read(ref _expected);

    public string? FirstError { get; private set; }

    public void Expect(int deliveries) => Interlocked.Add(ref _expected, deliveries);

    private long _firstLateDue = long.MaxValue;
    private long _lastLateDue;
    private int _late;

    /// <summary>Where in the step the late receipts (over 100 ms) were sent: a burst or spread out.</summary>
    public (int Count, long FirstDue, long LastDue) Late => (Volatile.Read(ref _late), Interlocked.Read(ref _firstLateDue), Interlocked.Read(ref _lastLateDue));

    public void RecordDelivery(long elapsedTicks, long due)
    {
        var i = Interlocked.Increment(ref _received) - 1;
        if (i < _latencyMicros.Length)
        {
            _latencyMicros[i] = ToMicros(elapsedTicks);
        }

        if (elapsedTicks > Stopwatch.Frequency / 10)
        {
            Interlocked.Increment(ref _late);
            long seen;
            while (due < (seen = Interlocked.Read(ref _firstLateDue)) && Interlocked.CompareExchange(ref _firstLateDue, due, seen) != seen)
            {
            }

            while (due > (seen = Interlocked.Read(ref _lastLateDue)) && Interlocked.CompareExchange(ref _lastLateDue, due, seen) != seen)
            {
            }
        }
    }

    public void RecordAck(long elapsedTicks)
    {
        var i = Interlocked.Increment(ref _acks) - 1;
        if (i < _ackMicros.Length)
        {
            _ackMicros[i] = ToMicros(elapsedTicks);
        }
    }

    public void RecordError(int deliveries, Exception ex)
    {
        Interlocked.Increment(ref _errors);
        Interlocked.Add(ref _expected, -deliveries);
        FirstError ??= ex.GetType().Name + ": " + ex.Message;
    }

    public Percentiles Latency() => Percentiles.Of(_latencyMicros, Math.Min(Received, _latencyMicros.Length));

    public Percentiles AckLatency() => Percentiles.Of(_ackMicros, Math.Min(Acks, _ackMicros.Length));

    private static int ToMicros(long ticks) =>
        (int)Math.Clamp(ticks * 1_000_000.0 / Stopwatch.Frequency, 0, int.MaxValue);
}

/// <summary>Latency percentiles in milliseconds.</summary>
public sealed record Percentiles(double P50, double P90, double P99, double Max, int Count)
{
    public static readonly Percentiles Empty = new(double.NaN, double.NaN, double.NaN, double.NaN, 0);

    internal static Percentiles Of(int[] samples, int count)
    {
        if (count == 0)
        {
            return Empty;
        }

        var copy = samples.AsSpan(0, count).ToArray();
        Array.Sort(copy);
        return new(At(0.50), At(0.90), At(0.99), copy[^1] / 1000.0, count);

        double At(double q) => copy[Math.Min(count - 1, (int)Math.Ceiling(q * count) - 1)] / 1000.0;
    }
}
