using MongoDB.Bson;
using MongoDB.Bson.Serialization.Attributes;

namespace ChatKit.Storage.Mongo.Internal;

/// <summary>
/// One recording of the event log: the events of one change (or a run of new messages of one conversation), at one
/// position of the feed. A gap marker holds a position given up by a writer that died between taking it and inserting
/// (no events). All of a recording's events are in one document, so they exist all or none.
/// </summary>
[BsonIgnoreExtraElements]
internal sealed class EventRecordingDocument
{
    [BsonId]
    [BsonRepresentation(BsonType.String)]
    public string Id { get; set; } = string.Empty;

    /// <summary>The feed position, unique: taken from the feed's counter, made visible in order (<see cref="VisibleSeq"/>).</summary>
    [BsonElement("pos")]
    [BsonRepresentation(BsonType.Int64)]
    public long Position { get; set; }

    /// <summary>Absent on a gap marker.</summary>
    [BsonElement("conversationId")]
    [BsonIgnoreIfNull]
    public string? ConversationId { get; set; }

    /// <summary>When the change happened: the purge deletes by it.</summary>
    [BsonElement("occurredAt")]
    [BsonDateTimeOptions(Kind = DateTimeKind.Utc, Representation = BsonType.DateTime)]
    public DateTime OccurredAt { get; set; }

    /// <summary>The users a <c>participantRemoved</c> event of this recording removed: a user's read finds the conversations they left.</summary>
    [BsonElement("removed")]
    [BsonIgnoreIfNull]
    public List<string>? Removed { get; set; }

    [BsonElement("events")]
    public List<EventEntryDocument> Events { get; set; } = [];

    /// <summary>
    /// Marks a change whose events were lost (its writer died between the change and this insert; the recording's id is
    /// the lost one's, so a late insert of it finds the marker). Readers passing it report the range incomplete.
    /// </summary>
    [BsonElement("lost")]
    [BsonIgnoreIfDefault]
    public bool Lost { get; set; }
}

/// <summary>One event of a recording: for <c>newMessage</c> the payload is the audience only (the message is read with it).</summary>
[BsonIgnoreExtraElements]
internal sealed class EventEntryDocument
{
    [BsonElement("id")]
    public string Id { get; set; } = string.Empty;

    [BsonElement("type")]
    public string Type { get; set; } = string.Empty;

    [BsonElement("payload")]
    public string Payload { get; set; } = string.Empty;

    [BsonElement("occurredAt")]
    [BsonDateTimeOptions(Kind = DateTimeKind.Utc, Representation = BsonType.DateTime)]
    public DateTime OccurredAt { get; set; }
}

/// <summary>The feed's counter: the last position handed out and the last one visible to readers.</summary>
[BsonIgnoreExtraElements]
internal sealed class EventFeedStateDocument
{
    [BsonId]
    [BsonRepresentation(BsonType.String)]
    public string Id { get; set; } = string.Empty;

    [BsonElement("allocated")]
    [BsonRepresentation(BsonType.Int64)]
    public long Allocated { get; set; }

    [BsonElement("visible")]
    [BsonRepresentation(BsonType.Int64)]
    public long Visible { get; set; }
}

/// <summary>A conversation's recording lock: who records in it, until when, and the recording it is making.</summary>
[BsonIgnoreExtraElements]
internal sealed class EventLockDocument
{
    [BsonId]
    [BsonRepresentation(BsonType.String)]
    public string ConversationId { get; set; } = string.Empty;

    /// <summary>The holder's recording id (<c>r_…</c>), or a token of an append logging its messages (<c>m_…</c>).</summary>
    [BsonElement("owner")]
    public string Owner { get; set; } = string.Empty;

    [BsonElement("expiresAt")]
    [BsonDateTimeOptions(Kind = DateTimeKind.Utc, Representation = BsonType.DateTime)]
    public DateTime ExpiresAt { get; set; }
}
