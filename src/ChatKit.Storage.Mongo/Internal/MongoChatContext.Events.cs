using MongoDB.Driver;

namespace ChatKit.Storage.Mongo.Internal;

/// <summary>The event log's collections: recordings, the feed's counter, and the per-conversation recording locks.</summary>
internal sealed partial class MongoChatContext
{
    public const string EventsName = "events";
    public const string EventFeedName = "event_feed";
    public const string EventLocksName = "event_locks";

    public IMongoCollection<EventRecordingDocument> Events { get; }

    public IMongoCollection<EventFeedStateDocument> EventFeed { get; }

    public IMongoCollection<EventLockDocument> EventLocks { get; }
}
