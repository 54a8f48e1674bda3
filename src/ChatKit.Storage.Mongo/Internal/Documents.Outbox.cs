using MongoDB.Bson;
using MongoDB.Bson.Serialization.Attributes;

namespace ChatKit.Storage.Mongo.Internal;

/// <summary>Who delivers to a sink, until when. The id is the lease's name.</summary>
[BsonIgnoreExtraElements]
internal sealed class OutboxLeaseDocument
{
    [BsonId]
    [BsonRepresentation(BsonType.String)]
    public string Name { get; set; } = string.Empty;

    [BsonElement("owner")]
    public string Owner { get; set; } = string.Empty;

    [BsonElement("expiresAt")]
    [BsonDateTimeOptions(Kind = DateTimeKind.Utc, Representation = BsonType.DateTime)]
    public DateTime ExpiresAt { get; set; }
}

/// <summary>How far in the event feed a sink got. The id is the sink's name.</summary>
[BsonIgnoreExtraElements]
internal sealed class OutboxCheckpointDocument
{
    [BsonId]
    [BsonRepresentation(BsonType.String)]
    public string Sink { get; set; } = string.Empty;

    [BsonElement("cursor")]
    public string Cursor { get; set; } = string.Empty;

    [BsonElement("version")]
    [BsonRepresentation(BsonType.Int64)]
    public long Version { get; set; }
}

/// <summary>An entry waiting for its next attempt, or dead-lettered. The id is the sink and the event id (<see cref="MongoOutboxDefinitions.RetryId"/>).</summary>
[BsonIgnoreExtraElements]
internal sealed class OutboxRetryDocument
{
    [BsonId]
    [BsonRepresentation(BsonType.String)]
    public string Id { get; set; } = string.Empty;

    [BsonElement("sink")]
    public string Sink { get; set; } = string.Empty;

    [BsonElement("eventId")]
    public string EventId { get; set; } = string.Empty;

    [BsonElement("eventType")]
    public string EventType { get; set; } = string.Empty;

    [BsonElement("payload")]
    public string Payload { get; set; } = string.Empty;

    [BsonElement("occurredAt")]
    [BsonDateTimeOptions(Kind = DateTimeKind.Utc, Representation = BsonType.DateTime)]
    public DateTime OccurredAt { get; set; }

    [BsonElement("attempts")]
    [BsonRepresentation(BsonType.Int32)]
    public int Attempts { get; set; }

    [BsonElement("nextAttemptAt")]
    [BsonDateTimeOptions(Kind = DateTimeKind.Utc, Representation = BsonType.DateTime)]
    public DateTime NextAttemptAt { get; set; }

    [BsonElement("lastError")]
    [BsonIgnoreIfNull]
    public string? LastError { get; set; }

    [BsonElement("deadLettered")]
    public bool DeadLettered { get; set; }
}
