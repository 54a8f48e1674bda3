using ChatKit.Notifications;
using Xunit;

namespace ChatKit.Testing.Notifications;

/// <summary>
/// A real notification channel that keeps what it is given: the seam a test observes the offline-notification pipeline
/// through. It can fail its first attempts (<see cref="FailFirst"/>) to prove retries. Register it with
/// <c>AddNotificationChannel&lt;RecordingNotificationChannel&gt;()</c> and find the instance with <see cref="Of"/>.
/// </summary>
public class RecordingNotificationChannel : IChatNotificationChannel
{
    private readonly Lock _gate = new();
    private readonly List<ChatNotification> _sent = [];
    private int _attempts;

    /// <summary>How many of the first calls throw.</summary>
    public int FailFirst { get; set; }

    /// <summary>Every call so far, failed ones included.</summary>
    public int Attempts => Volatile.Read(ref _attempts);

    /// <summary>The notifications accepted, in order.</summary>
    public IReadOnlyList<ChatNotification> Sent
    {
        get
        {
            lock (_gate)
            {
                return [.. _sent];
            }
        }
    }

    /// <summary>Returns the registered instance of exactly <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The channel type.</typeparam>
    /// <param name="services">The host's services.</param>
    public static T Of<T>(IServiceProvider services)
        where T : RecordingNotificationChannel =>
        ((IEnumerable<IChatNotificationChannel>)services.GetService(typeof(IEnumerable<IChatNotificationChannel>))!).OfType<T>().Single(c => c.GetType() == typeof(T));

    /// <inheritdoc/>
    public ValueTask SendAsync(ChatNotification notification, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _attempts) <= FailFirst)
        {
            throw new InvalidOperationException($"scripted channel failure {Attempts}");
        }

        lock (_gate)
        {
            _sent.Add(notification);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Waits until <paramref name="count"/> notifications were sent, calling <paramref name="pump"/> between looks (a test
    /// on a fake clock advances it there); fails after <paramref name="timeout"/> (default 30 s).
    /// </summary>
    /// <param name="count">How many notifications to wait for.</param>
    /// <param name="pump">Called between looks, or <see langword="null"/>.</param>
    /// <param name="timeout">How long to wait.</param>
    public async Task<IReadOnlyList<ChatNotification>> WaitForCountAsync(int count, Action? pump = null, TimeSpan? timeout = null)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var sent = Sent;
            if (sent.Count >= count)
            {
                return sent;
            }

            if (cts.IsCancellationRequested)
            {
                Assert.Fail($"{GetType().Name} got {sent.Count} notification(s), not {count}, within the timeout.");
            }

            pump?.Invoke();
            await Task.Delay(10, CancellationToken.None);
        }
    }
}

/// <summary>A second recording channel type, so a test can register two channels side by side.</summary>
public sealed class OtherRecordingNotificationChannel : RecordingNotificationChannel;
