using System.Globalization;

namespace ChatKit.Storage.Mongo.Internal;

/// <summary>
/// Where a reader of the MongoDB event feed stands: every recording at a position below <see cref="Position"/> is read,
/// and of the recording at <see cref="Position"/> its first <see cref="Index"/> events. Written "position.index".
/// </summary>
internal readonly record struct EventFeedCursor(long Position, int Index)
{
    /// <summary>The cursor before the oldest retained event.</summary>
    public static EventFeedCursor Start => new(0, 0);

    /// <summary>The cursor right after the visible end of the feed: only recordings made visible later come after it.</summary>
    public static EventFeedCursor After(long visible) => new(visible + 1, 0);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Position}.{Index}");

    /// <summary>Parses a cursor this store returned.</summary>
    /// <exception cref="ArgumentException">It is not one.</exception>
    public static EventFeedCursor Parse(string cursor)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        var dot = cursor.IndexOf('.', StringComparison.Ordinal);
        return dot > 0
            && long.TryParse(cursor.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var position)
            && int.TryParse(cursor.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            ? new EventFeedCursor(position, index)
            : throw new ArgumentException("The cursor is not one this store returned.", nameof(cursor));
    }
}

/// <summary>One recording of the feed as the pager sees it: its position, how many events it holds, and whether it marks a lost change.</summary>
internal readonly record struct FeedRecording(long Position, int EventCount, bool Lost = false);

/// <summary>What <see cref="EventFeedPager.Take"/> chose: (recording, event index) pairs in feed order, and where to go on.</summary>
internal sealed record FeedSlice(IReadOnlyList<(int Recording, int Index)> Taken, EventFeedCursor Cursor, bool LimitReached, bool MoreInBatch)
{
    /// <summary>Whether the cursor moved past a recording that marks a lost change.</summary>
    public bool PassedLost { get; init; }
}

/// <summary>
/// The pure part of reading the MongoDB event feed: which events of a batch of recordings (in position order, all at
/// or below the visible position) come after a cursor, up to a limit, keeping only those a filter accepts.
/// </summary>
/// <remarks>
/// Invariants: events come in (position, index) order; each exactly once across pages (the cursor moves past every event
/// it looked at, kept or not, and stops right after the last one taken once the limit is reached); a recording below the
/// cursor's position, or events of the cursor's recording before its index, are never returned again.
/// </remarks>
internal static class EventFeedPager
{
    public static FeedSlice Take(IReadOnlyList<FeedRecording> batch, EventFeedCursor after, int limit, Func<int, int, bool> keep)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(keep);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var taken = new List<(int, int)>();
        var cursor = after;
        var passedLost = false;
        for (var r = 0; r < batch.Count; r++)
        {
            var recording = batch[r];
            if (recording.Position < after.Position)
            {
                continue;
            }

            var first = recording.Position == after.Position ? after.Index : 0;
            for (var i = first; i < recording.EventCount; i++)
            {
                if (taken.Count == limit)
                {
                    return new FeedSlice(taken, cursor, true, true) { PassedLost = passedLost };
                }

                // Past this event whether it is kept or not; a recording read to its end moves the cursor to the next position.
                cursor = i + 1 == recording.EventCount ? new EventFeedCursor(recording.Position + 1, 0) : new EventFeedCursor(recording.Position, i + 1);
                if (keep(r, i))
                {
                    taken.Add((r, i));
                }
            }

            if (recording.EventCount == 0 || first >= recording.EventCount)
            {
                cursor = new EventFeedCursor(Math.Max(cursor.Position, recording.Position + 1), 0);
            }

            passedLost |= recording.Lost;
        }

        return new FeedSlice(taken, cursor, taken.Count == limit, false) { PassedLost = passedLost };
    }
}
