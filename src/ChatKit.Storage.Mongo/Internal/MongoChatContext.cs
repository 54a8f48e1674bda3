using MongoDB.Driver;

namespace ChatKit.Storage.Mongo.Internal;

/// <summary>
/// The database and collections ChatKit uses. Owns (and disposes) the client only when <c>UseMongo</c> created it from
/// a connection string; a client or database the host passed in is the host's to dispose.
/// </summary>
internal sealed partial class MongoChatContext : IDisposable
{
    public const string ConversationsName = "conversations";
    public const string MessagesName = "messages";
    public const string ReadPositionsName = "read_positions";
    public const string TempIdsName = "temp_ids";
    public const string AttachmentsName = "attachments";

    private readonly IDisposable? _ownedClient;

    public MongoChatContext(IMongoDatabase database, string collectionPrefix, IDisposable? ownedClient = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(collectionPrefix);
        Database = database;
        _ownedClient = ownedClient;

        // Every read goes to the primary: the guarantees (a retried tempId finds the first message, a read position
        // never goes back) need to read what was just written, whatever read preference the host's database has.
        var settings = new MongoCollectionSettings { ReadPreference = ReadPreference.Primary };
        Conversations = database.GetCollection<ConversationDocument>(collectionPrefix + ConversationsName, settings);
        Messages = database.GetCollection<MessageDocument>(collectionPrefix + MessagesName, settings);
        ReadPositions = database.GetCollection<ReadPositionDocument>(collectionPrefix + ReadPositionsName, settings);
        TempIds = database.GetCollection<TempIdReservationDocument>(collectionPrefix + TempIdsName, settings);
        OutboxLeases = database.GetCollection<OutboxLeaseDocument>(collectionPrefix + OutboxLeasesName, settings);
        OutboxCheckpoints = database.GetCollection<OutboxCheckpointDocument>(collectionPrefix + OutboxCheckpointsName, settings);
        OutboxRetries = database.GetCollection<OutboxRetryDocument>(collectionPrefix + OutboxRetriesName, settings);
        Attachments = database.GetCollection<AttachmentDocument>(collectionPrefix + AttachmentsName, settings);
        Events = database.GetCollection<EventRecordingDocument>(collectionPrefix + EventsName, settings);
        EventFeed = database.GetCollection<EventFeedStateDocument>(collectionPrefix + EventFeedName, settings);
        EventLocks = database.GetCollection<EventLockDocument>(collectionPrefix + EventLocksName, settings);
        PushRegistrations = database.GetCollection<PushRegistrationDocument>(collectionPrefix + PushRegistrationsName, settings);
    }

    public IMongoCollection<AttachmentDocument> Attachments { get; }

    public IMongoDatabase Database { get; }

    public IMongoCollection<ConversationDocument> Conversations { get; }

    public IMongoCollection<MessageDocument> Messages { get; }

    public IMongoCollection<ReadPositionDocument> ReadPositions { get; }

    public IMongoCollection<TempIdReservationDocument> TempIds { get; }

    public void Dispose() => _ownedClient?.Dispose();
}
