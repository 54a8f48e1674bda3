using System.Collections.Concurrent;
using ChatKit.Events;

namespace ChatKit.Scaleout.Redis.Tests.Support;

/// <summary>Keeps every event a node publishes, and lets a test wait for one.</summary>
public sealed class RecordingPublisher : IChatEventPublisher
{
    private readonly ConcurrentQueue<ChatEvent> _events = new();
    private readonly List<(Func<ChatEvent, bool> Match, TaskCompletionSource<ChatEvent> Done)> _waiters = [];
    private readonly Lock _gate = new();

    public IReadOnlyCollection<ChatEvent> Events => [.. _events];

    public ValueTask PublishAsync(ChatEvent chatEvent, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _events.Enqueue(chatEvent);
            foreach (var waiter in _waiters.Where(w => w.Match(chatEvent)).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Done.TrySetResult(chatEvent);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Waits for an event that matches (one already published counts).</summary>
    public Task<ChatEvent> WaitForAsync(Func<ChatEvent, bool> match, TimeSpan timeout)
    {
        lock (_gate)
        {
            var existing = _events.FirstOrDefault(match);
            if (existing is not null)
            {
                return Task.FromResult(existing);
            }

            var done = new TaskCompletionSource<ChatEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, done));
            return done.Task.WaitAsync(timeout);
        }
    }

    public int Count(Func<ChatEvent, bool> match) => _events.Count(match);

    public static Func<ChatEvent, bool> Status(string userId, PresenceStatus status) =>
        e => e is UserStatusChangedEvent s && s.UserId == userId && s.Status == status;
}
