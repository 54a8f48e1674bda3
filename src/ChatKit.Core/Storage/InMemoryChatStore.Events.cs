using System.Globalization;
using ChatKit.Events;
using ChatKit.Internal;

namespace ChatKit.Storage;

// The event log of the in-memory store: a list under the store's one lock, so the position of an event is the order in
// which changes took the lock, exactly. A change and its events are recorded under one holding of the lock (the lock is
// re-entrant, and the store's members complete under it synchronously). The cursor is the number of events before the
// reader (an absolute position). A purge leaves a hole (null) in place, so positions never move, and drops the holes at
// the front, counting them in _purged.
public sealed partial class InMemoryChatStore
{
    private readonly List<StoredChatEvent?> _events = [];
    private long _purged;

    /// <inheritdoc/>
    public Task<RecordedChange<TResult>> RecordEventsAsync<TResult>(
        string conversationId,
        DateTimeOffset occurredAt,
        Func<CancellationToken, Task<TResult>> change,
        Func<TResult, IReadOnlyList<ChatEvent>> eventsFor,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(eventsFor);
        lock (_gate)
        {
            var task = change(cancellationToken);
            if (!task.IsCompleted)
            {
                throw new InvalidOperationException("A change recorded by the in-memory store must call only the store's own members.");
            }

#pragma warning disable VSTHRD002 // Completed under the lock: the in-memory store's members never wait.
            var result = task.GetAwaiter().GetResult();
#pragma warning restore VSTHRD002
            var recorded = eventsFor(result).Select(e => Record(e, Ids.NewEventId(occurredAt), occurredAt)).ToList();
            return Task.FromResult(new RecordedChange<TResult>(result, recorded));
        }
    }

    /// <inheritdoc/>
    public ValueTask<ChatEventFeedPage> ReadEventFeedAsync(string? after, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var from = after is null ? 0 : ParsePosition(after);
        lock (_gate)
        {
            var index = (int)Math.Clamp(from - _purged, 0, _events.Count);
            var page = new List<StoredChatEvent>(Math.Min(limit, _events.Count - index));
            while (index < _events.Count && page.Count < limit)
            {
                if (_events[index++] is { } stored)
                {
                    page.Add(stored);
                }
            }

            var end = _purged + index;
            return ValueTask.FromResult(new ChatEventFeedPage(page, end.ToString(CultureInfo.InvariantCulture), index < _events.Count));
        }
    }

    /// <inheritdoc/>
    public Task<int> PurgeEventsAsync(DateTimeOffset before, IReadOnlyCollection<string> keepAfter, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keepAfter);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var passed = keepAfter.Count == 0 ? long.MaxValue : keepAfter.Min(ParsePosition);
        lock (_gate)
        {
            var deleted = 0;
            var end = (int)Math.Clamp(passed - _purged, 0, _events.Count);
            for (var i = 0; i < end && deleted < limit; i++)
            {
                if (_events[i] is { } stored && stored.OccurredAt < before)
                {
                    _events[i] = null;
                    deleted++;
                }
            }

            var holes = 0;
            while (holes < _events.Count && _events[holes] is null)
            {
                holes++;
            }

            _events.RemoveRange(0, holes);
            _purged += holes;
            return Task.FromResult(deleted);
        }
    }

    /// <inheritdoc/>
    public ValueTask<string> GetEventFeedEndAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult((_purged + _events.Count).ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Records an event at the next position. Called under the lock.</summary>
    private StoredChatEvent Record(ChatEvent chatEvent, string id, DateTimeOffset occurredAt)
    {
        var stored = new StoredChatEvent(id, chatEvent, occurredAt);
        _events.Add(stored);
        return stored;
    }

    private static long ParsePosition(string cursor) =>
        long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var position)
            ? position
            : throw new ArgumentException("The cursor is not one this store returned.", nameof(cursor));
}
