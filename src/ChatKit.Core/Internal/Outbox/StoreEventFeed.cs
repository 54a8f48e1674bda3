using ChatKit.Storage;

namespace ChatKit.Internal.Outbox;

/// <summary>The store's durable event feed (<c>IChatStore.ReadEventFeedAsync</c>), as the dispatcher reads it.</summary>
internal sealed class StoreEventFeed(IChatStore store) : IOutboxEventFeed
{
    public ValueTask<OutboxFeedPage> ReadAsync(string? after, int limit, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"{store.GetType().Name} has no durable event feed yet (IChatStore.ReadEventFeedAsync).");
}
