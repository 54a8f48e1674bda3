using ChatKit.Events;

namespace ChatKit.Internal.Outbox;

/// <summary>Where the dispatcher reads durable events: the store's event feed, in feed order.</summary>
internal interface IOutboxEventFeed
{
    ValueTask<OutboxFeedPage> ReadAsync(string? after, int limit, CancellationToken cancellationToken);
}

/// <summary>A durable event with its stable id.</summary>
internal sealed record OutboxFeedEvent(string Id, ChatEvent Event, DateTimeOffset OccurredAt);

/// <summary>A page of the feed and the cursor after it.</summary>
internal sealed record OutboxFeedPage(IReadOnlyList<OutboxFeedEvent> Events, string Cursor, bool HasMore);
