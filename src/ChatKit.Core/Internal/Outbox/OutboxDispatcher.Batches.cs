using ChatKit.Events;
using ChatKit.Storage;

namespace ChatKit.Internal.Outbox;

/// <summary>
/// A sink that takes the feed in time windows and turns each window's events into work items of its own (the offline
/// notifications: one per user and window). The dispatcher keeps its usual guarantees for it: one node at a time (the
/// lease), at least once (the checkpoint moves only after the window's items were delivered or became retry entries),
/// retries with backoff and dead letters per work item (a failed item is kept, serialized, as a retry entry under the
/// item's id, and the items after it go on).
/// </summary>
internal interface IBatchingEventSink : IChatEventSink
{
    /// <summary>The name its lease, checkpoint and retry entries are kept under; stable across versions and nodes.</summary>
    string Name { get; }

    /// <summary>
    /// How long a window lasts: from the first event that <see cref="OpensWindow"/> until that event is this old, the
    /// events after it wait, so they are planned together. <see cref="TimeSpan.Zero"/>: no waiting, each page at once.
    /// </summary>
    TimeSpan Window { get; }

    /// <summary>Whether an event starts a window (an event the sink makes work from); others pass without waiting.</summary>
    bool OpensWindow(ChatEvent chatEvent);

    /// <summary>
    /// Turns a window's events into work items. Throwing fails the whole cycle: nothing was delivered, the checkpoint
    /// stays, and the window is planned again at the next poll.
    /// </summary>
    ValueTask<IReadOnlyList<OutboxWorkItem>> PlanAsync(IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken);

    /// <summary>Delivers one work item (first attempt or retry). Throwing means "try again later".</summary>
    ValueTask DeliverAsync(OutboxWorkItem item, int attempt, CancellationToken cancellationToken);
}

/// <summary>One unit of a batching sink's work, kept as text so that a retry survives a restart.</summary>
/// <param name="Id">Stable across re-planning of the same window (the retry entry's key).</param>
/// <param name="Type">What <paramref name="Payload"/> holds, for the sink.</param>
/// <param name="Payload">The work, serialized by the sink.</param>
/// <param name="OccurredAt">When the window's first event happened.</param>
internal sealed record OutboxWorkItem(string Id, string Type, string Payload, DateTimeOffset OccurredAt);

internal sealed partial class OutboxDispatcher
{
    /// <summary>
    /// One cycle of a batching sink: due retries of its work items, then one window of the feed. The window opens at the
    /// first event of the page that <see cref="IBatchingEventSink.OpensWindow"/> and closes <see cref="IBatchingEventSink.Window"/>
    /// later; until then nothing from it on is taken (the events before it are). Once closed, the events up to its end
    /// (at most one page) are planned together and the checkpoint moves past exactly them. A crash before the checkpoint
    /// moved plans the same window again: the same events, so the same items with the same ids.
    /// </summary>
    private async Task<bool> CycleBatchAsync(IBatchingEventSink sink, string name, Lease lease, CancellationToken ct)
    {
        var due = await _store.GetDueOutboxRetriesAsync(name, Now(), _options.BatchSize, ct).ConfigureAwait(false);
        foreach (var retry in due)
        {
            if (!await lease.RenewIfDueAsync(ct).ConfigureAwait(false))
            {
                return false;
            }

            var item = new OutboxWorkItem(retry.EventId, retry.EventType, retry.Payload, retry.OccurredAt);
            await RetryAsync(name, retry, (attempt, t) => sink.DeliverAsync(item, attempt, t), ct).ConfigureAwait(false);
        }

        var checkpoint = await _store.GetOutboxCheckpointAsync(name, ct).ConfigureAwait(false);
        var page = await _feed.ReadEventFeedAsync(checkpoint?.Cursor, _options.BatchSize, ct).ConfigureAwait(false);
        var (take, closed) = TakeWindow(sink, page.Events, Now());
        if (take == 0)
        {
            return due.Count == _options.BatchSize;
        }

        var more = closed && (take < page.Events.Count || page.HasMore);
        if (take < page.Events.Count)
        {
            // The same read, shorter: the feed never puts a later commit before an event already read, so these are the
            // same first events, and the cursor lands right after the last one taken.
            page = await _feed.ReadEventFeedAsync(checkpoint?.Cursor, take, ct).ConfigureAwait(false);
        }

        var entries = page.Events
            .Select(e => new OutboxEntry(e.Id, e.Event.EventId == e.Id ? e.Event : e.Event with { EventId = e.Id }, e.OccurredAt, 1))
            .ToList();
        foreach (var item in await sink.PlanAsync(entries, ct).ConfigureAwait(false))
        {
            if (!await lease.RenewIfDueAsync(ct).ConfigureAwait(false))
            {
                return false;
            }

            await DeliverFirstAsync(name, item.Id, item.OccurredAt, () => (item.Type, item.Payload), t => sink.DeliverAsync(item, 1, t), ct)
                .ConfigureAwait(false);
        }

        return await AdvanceAsync(name, lease, checkpoint, page.Cursor, ct).ConfigureAwait(false)
            && (more || due.Count == _options.BatchSize);
    }

    /// <summary>
    /// How many of a page's events to take now, and whether a window closed: every event before the first that opens a
    /// window; with it, once the window closed at <paramref name="now"/>, every event that happened up to its end.
    /// </summary>
    internal static (int Take, bool Closed) TakeWindow(IBatchingEventSink sink, IReadOnlyList<StoredChatEvent> events, DateTimeOffset now)
    {
        var start = 0;
        while (start < events.Count && !sink.OpensWindow(events[start].Event))
        {
            start++;
        }

        if (start == events.Count || sink.Window <= TimeSpan.Zero)
        {
            return (events.Count, true);
        }

        var closesAt = events[start].OccurredAt + sink.Window;
        if (now < closesAt)
        {
            return (start, false);
        }

        var take = start + 1;
        while (take < events.Count && events[take].OccurredAt <= closesAt)
        {
            take++;
        }

        return (take, true);
    }
}
