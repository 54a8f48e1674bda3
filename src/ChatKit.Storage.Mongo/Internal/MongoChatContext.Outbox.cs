using MongoDB.Driver;

namespace ChatKit.Storage.Mongo.Internal;

/// <summary>The outbox's collections: leases, checkpoints and retry entries.</summary>
internal sealed partial class MongoChatContext
{
    public const string OutboxLeasesName = "outbox_leases";
    public const string OutboxCheckpointsName = "outbox_checkpoints";
    public const string OutboxRetriesName = "outbox_retries";

    public IMongoCollection<OutboxLeaseDocument> OutboxLeases { get; }

    public IMongoCollection<OutboxCheckpointDocument> OutboxCheckpoints { get; }

    public IMongoCollection<OutboxRetryDocument> OutboxRetries { get; }
}
