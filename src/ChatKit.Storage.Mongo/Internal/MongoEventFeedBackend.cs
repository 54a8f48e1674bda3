using MongoDB.Driver;

namespace ChatKit.Storage.Mongo.Internal;

/// <summary>
/// <see cref="VisibleSeq"/>'s operations on the event feed: the same ordered publication as a conversation's messages,
/// over the feed's one counter (<c>allocated</c>, <c>visible</c>) and the recordings' unique positions. Each operation is
/// single-document and atomic. The conversation id <see cref="VisibleSeq"/> passes is ignored: there is one feed.
/// </summary>
internal sealed class MongoEventFeedBackend(MongoChatContext context, TimeProvider time) : IVisibleSeqBackend
{
    public async Task<long> ReadVisibleAsync(string conversationId)
    {
        var feed = await context.EventFeed.Find(MongoEventDefinitions.Feed).FirstOrDefaultAsync(CancellationToken.None).ConfigureAwait(false);
        return feed?.Visible ?? 0;
    }

    public async Task<(SeqSlot Slot, DateTime CreatedAt)> ProbeAsync(string conversationId, long seq)
    {
        var recording = await context.Events.Find(MongoEventDefinitions.RecordingAt(seq))
            .Project<EventRecordingDocument>(MongoEventDefinitions.IdOnly)
            .FirstOrDefaultAsync(CancellationToken.None).ConfigureAwait(false);
        return recording switch
        {
            null => (SeqSlot.Empty, default),
            _ when string.Equals(recording.Id, MongoEventDefinitions.GapMarker(seq, default).Id, StringComparison.Ordinal) => (SeqSlot.Gap, default),
            _ => (SeqSlot.Message, default),
        };
    }

    public Task AdvanceAsync(string conversationId, long from, SeqSlot slot, DateTime createdAt) =>
        context.EventFeed.UpdateOneAsync(MongoEventDefinitions.FeedVisibleAt(from), MongoEventDefinitions.AdvanceFeed(from + 1), cancellationToken: CancellationToken.None);

    public async Task FillGapAsync(string conversationId, long seq)
    {
        try
        {
            await context.Events.InsertOneAsync(MongoEventDefinitions.GapMarker(seq, time.GetUtcNow().UtcDateTime), cancellationToken: CancellationToken.None)
                .ConfigureAwait(false);
        }
        catch (MongoWriteException exception) when (MongoErrors.IsDuplicateKey(exception))
        {
            // The late recording, or another writer's marker, holds the position now: either settles it.
        }
    }
}
