using ChatKit.Events;

namespace ChatKit.Core.Tests.Support;

/// <summary>Records every event the services publish: the real boundary of ChatKit.Core, which has no transport.</summary>
public sealed class RecordingEventPublisher : IChatEventPublisher
{
    private static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(5);
    private readonly Lock _gate = new();
    private readonly List<ChatEvent> _events = [];
    private readonly List<(Func<ChatEvent, bool> Match, TaskCompletionSource<ChatEvent> Done)> _waiters = [];

    /// <summary>Every event so far, in publication order.</summary>
    public IReadOnlyList<ChatEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>The events of one type so far, in publication order.</summary>
    public IReadOnlyList<T> Of<T>()
        where T : ChatEvent => [.. Events.OfType<T>()];

    /// <summary>Forgets the events so far.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _events.Clear();
        }
    }

    /// <summary>Returns the first event of type <typeparamref name="T"/> matching <paramref name="predicate"/>, waiting for it if needed.</summary>
    public async Task<T> WaitForAsync<T>(Func<T, bool>? predicate = null)
        where T : ChatEvent
    {
        bool Match(ChatEvent e) => e is T typed && (predicate is null || predicate(typed));
        TaskCompletionSource<ChatEvent> done;
        lock (_gate)
        {
            var existing = _events.FirstOrDefault(Match);
            if (existing is not null)
            {
                return (T)existing;
            }

            done = new TaskCompletionSource<ChatEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((Match, done));
        }

        return (T)await done.Task.WaitAsync(WaitTimeout, TestContext.Current.CancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask PublishAsync(ChatEvent chatEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chatEvent);
        lock (_gate)
        {
            _events.Add(chatEvent);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(chatEvent))
                {
                    _waiters[i].Done.TrySetResult(chatEvent);
                    _waiters.RemoveAt(i);
                }
            }
        }

        return ValueTask.CompletedTask;
    }
}
