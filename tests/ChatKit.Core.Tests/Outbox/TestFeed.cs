using System.Globalization;
using ChatKit.Events;
using ChatKit.Internal.Outbox;

namespace ChatKit.Core.Tests.Outbox;

/// <summary>An event feed in memory: the cursor is the number of events read.</summary>
internal sealed class TestFeed : IOutboxEventFeed
{
    private readonly Lock _gate = new();
    private readonly List<OutboxFeedEvent> _events = [];

    public OutboxFeedEvent Append(ChatEvent chatEvent)
    {
        lock (_gate)
        {
            var stored = new OutboxFeedEvent("e_" + (_events.Count + 1).ToString("D4", CultureInfo.InvariantCulture), chatEvent, DateTimeOffset.UnixEpoch.AddSeconds(_events.Count));
            _events.Add(stored);
            return stored;
        }
    }

    public ValueTask<OutboxFeedPage> ReadAsync(string? after, int limit, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var start = after is null ? 0 : int.Parse(after, CultureInfo.InvariantCulture);
            var page = _events.Skip(start).Take(limit).ToList();
            var end = start + page.Count;
            return ValueTask.FromResult(new OutboxFeedPage(page, end.ToString(CultureInfo.InvariantCulture), end < _events.Count));
        }
    }
}
