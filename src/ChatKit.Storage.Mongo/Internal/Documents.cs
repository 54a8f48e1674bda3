using MongoDB.Bson;
using MongoDB.Bson.Serialization.Attributes;

namespace ChatKit.Storage.Mongo.Internal;

// The shapes ChatKit keeps in MongoDB. Core's model carries no MongoDB attribute: these classes are mapped here, with
// every element name and representation spelled out, so the stored format never depends on the host's conventions.
// Ids are strings; times are BSON UTC datetimes (millisecond precision, which is what Core gives the store);
// seqs are 64-bit integers; enums are lower-case strings (the wire names). Unknown elements are ignored on read, so an
// older node can read documents a newer one wrote.

/// <summary>A conversation, with its participants embedded and two seq counters.</summary>
[BsonIgnoreExtraElements]
internal sealed class ConversationDocument
{
    [BsonId]
    [BsonRepresentation(BsonType.String)]
    public string Id { get; set; } = string.Empty;

    /// <summary><c>direct</c> or <c>group</c>.</summary>
    [BsonElement("type")]
    public string Type { get; set; } = string.Empty;

    [BsonElement("name")]
    [BsonIgnoreIfNull]
    public string? Name { get; set; }

    [BsonElement("createdBy")]
    public string CreatedBy { get; set; } = string.Empty;

    [BsonElement("createdAt")]
    [BsonDateTimeOptions(Kind = DateTimeKind.Utc, Representation = BsonType.DateTime)]
    public DateTime CreatedAt { get; set; }

    [BsonElement("participants")]
    public List<ParticipantDocument> Participants { get; set; } = [];

    /// <summary>
    /// The visible seq: every seq up to it holds a message or a gap marker, and readers read no further. Moved by one,
    /// conditionally, in seq order (see <see cref="VisibleSeq"/>).
    /// </summary>
    [BsonElement("lastSeq")]
    [BsonRepresentation(BsonType.Int64)]
    public long LastSeq { get; set; }

    /// <summary>
    /// The seq of the newest visible message (not a gap marker); absent until the visible seq first passes a message, and
    /// on conversations written before it existed, whose <see cref="LastSeq"/> always named a message.
    /// </summary>
    [BsonElement("lastMessageSeq")]
    [BsonRepresentation(BsonType.Int64)]
    [BsonIgnoreIfDefault]
    public long LastMessageSeq { get; set; }

    /// <summary>The creation time of the newest visible message, or the conversation's creation time.</summary>
    [BsonElement("lastActivityAt")]
    [BsonDateTimeOptions(Kind = DateTimeKind.Utc, Representation = BsonType.DateTime)]
    public DateTime LastActivityAt { get; set; }

    /// <summary>The direct pair's key; absent for a group (the unique index is partial on its existence).</summary>
    [BsonElement("directKey")]
    [BsonIgnoreIfNull]
    public string? DirectKey { get; set; }

    /// <summary>The last seq handed out by <c>$inc</c>; ahead of <see cref="LastSeq"/> while an append is in flight.</summary>
    [BsonElement("allocatedSeq")]
    [BsonRepresentation(BsonType.Int64)]
    public long AllocatedSeq { get; set; }

    /// <summary>The compact JSON text of the custom metadata object; absent when there is none.</summary>
    [BsonElement("metadata")]
    [BsonIgnoreIfNull]
    public string? Metadata { get; set; }
}

/// <summary>A participant, embedded in its conversation.</summary>
[BsonIgnoreExtraElements]
internal sealed class ParticipantDocument
{
    [BsonElement("userId")]
    public string UserId { get; set; } = string.Empty;

    /// <summary><c>member</c>, <c>admin</c> or <c>owner</c>.</summary>
    [BsonElement("role")]
    public string Role { get; set; } = string.Empty;

    [BsonElement("joinedAt")]
    [BsonDateTimeOptions(Kind = DateTimeKind.Utc, Representation = BsonType.DateTime)]
    public DateTime JoinedAt { get; set; }

    /// <summary>Until when the participant muted the conversation; absent when not muted (so older documents compare equal).</summary>
    [BsonElement("mutedUntil")]
    [BsonIgnoreIfNull]
    [BsonDateTimeOptions(Kind = DateTimeKind.Utc, Representation = BsonType.DateTime)]
    public DateTime? MutedUntil { get; set; }
}

/// <summary>A message or its tombstone.</summary>
[BsonIgnoreExtraElements]
internal sealed class MessageDocument
{
    [BsonId]
    [BsonRepresentation(BsonType.String)]
    public string Id { get; set; } = string.Empty;

    [BsonElement("conversationId")]
    public string ConversationId { get; set; } = string.Empty;

    [BsonElement("seq")]
    [BsonRepresentation(BsonType.Int64)]
    public long Seq { get; set; }

    [BsonElement("senderId")]
    public string SenderId { get; set; } = string.Empty;

    [BsonElement("senderName")]
    public string SenderName { get; set; } = string.Empty;

    [BsonElement("content")]
    public string Content { get; set; } = string.Empty;

    /// <summary><c>text</c> or <c>system</c>; <c>gap</c> for a gap marker, which holds a given-up seq and no message.</summary>
    [BsonElement("type")]
    public string Type { get; set; } = string.Empty;

    /// <summary>Absent when the sender gave none (the unique index is partial on its existence).</summary>
    [BsonElement("tempId")]
    [BsonIgnoreIfNull]
    public string? TempId { get; set; }

    [BsonElement("createdAt")]
    [BsonDateTimeOptions(Kind = DateTimeKind.Utc, Representation = BsonType.DateTime)]
    public DateTime CreatedAt { get; set; }

    [BsonElement("editedAt")]
    [BsonIgnoreIfNull]
    [BsonDateTimeOptions(Kind = DateTimeKind.Utc, Representation = BsonType.DateTime)]
    public DateTime? EditedAt { get; set; }

    [BsonElement("deletedAt")]
    [BsonIgnoreIfNull]
    [BsonDateTimeOptions(Kind = DateTimeKind.Utc, Representation = BsonType.DateTime)]
    public DateTime? DeletedAt { get; set; }

    /// <summary>The compact JSON text of the custom metadata object; absent when there is none.</summary>
    [BsonElement("metadata")]
    [BsonIgnoreIfNull]
    public string? Metadata { get; set; }

    /// <summary>What a system message records; absent for other messages.</summary>
    [BsonElement("system")]
    [BsonIgnoreIfNull]
    public SystemDocument? System { get; set; }

    /// <summary>The message replied to (v2); absent when none.</summary>
    [BsonElement("replyToId")]
    [BsonIgnoreIfNull]
    public string? ReplyToId { get; set; }

    /// <summary>The mentioned user ids (v2); absent when none.</summary>
    [BsonElement("mentions")]
    [BsonIgnoreIfNull]
    public List<string>? Mentions { get; set; }

    /// <summary>The reactions in the order they were added (v2); absent until the first one.</summary>
    [BsonElement("reactions")]
    [BsonIgnoreIfNull]
    public List<ReactionDocument>? Reactions { get; set; }

    /// <summary>What the message shows of its attachments (v2); absent when none.</summary>
    [BsonElement("attachments")]
    [BsonIgnoreIfNull]
    public List<MessageAttachmentDocument>? Attachments { get; set; }
}

/// <summary>An attachment as its message carries it (v2).</summary>
[BsonIgnoreExtraElements]
internal sealed class MessageAttachmentDocument
{
    [BsonElement("id")]
    public string Id { get; set; } = string.Empty;

    [BsonElement("name")]
    public string Name { get; set; } = string.Empty;

    [BsonElement("type")]
    public string ContentType { get; set; } = string.Empty;

    [BsonElement("size")]
    public long Size { get; set; }

    [BsonElement("w")]
    [BsonIgnoreIfNull]
    public int? Width { get; set; }

    [BsonElement("h")]
    [BsonIgnoreIfNull]
    public int? Height { get; set; }
}

/// <summary>An upload (v2), in the attachments collection.</summary>
[BsonIgnoreExtraElements]
internal sealed class AttachmentDocument
{
    [BsonId]
    public string Id { get; set; } = string.Empty;

    [BsonElement("conversationId")]
    public string ConversationId { get; set; } = string.Empty;

    [BsonElement("uploaderId")]
    public string UploaderId { get; set; } = string.Empty;

    [BsonElement("name")]
    public string Name { get; set; } = string.Empty;

    [BsonElement("type")]
    public string ContentType { get; set; } = string.Empty;

    [BsonElement("size")]
    public long Size { get; set; }

    [BsonElement("w")]
    [BsonIgnoreIfNull]
    public int? Width { get; set; }

    [BsonElement("h")]
    [BsonIgnoreIfNull]
    public int? Height { get; set; }

    [BsonElement("uploadedAt")]
    public DateTime UploadedAt { get; set; }

    /// <summary>Null (stored as null, so the sweep's index finds it) while unsent.</summary>
    [BsonElement("sentKey")]
    public string? SentKey { get; set; }
}

/// <summary>One user's reaction with one emoji, embedded in its message: the array's order is the order of reacting.</summary>
[BsonIgnoreExtraElements]
internal sealed class ReactionDocument
{
    [BsonElement("e")]
    public string Emoji { get; set; } = string.Empty;

    [BsonElement("u")]
    public string UserId { get; set; } = string.Empty;

    [BsonElement("at")]
    [BsonDateTimeOptions(Kind = DateTimeKind.Utc, Representation = BsonType.DateTime)]
    public DateTime ReactedAt { get; set; }
}

/// <summary>The structured part of a system message, embedded in it.</summary>
[BsonIgnoreExtraElements]
internal sealed class SystemDocument
{
    /// <summary><c>participants_added</c>, <c>participant_removed</c>, <c>participant_left</c>, <c>conversation_renamed</c> or <c>role_changed</c>.</summary>
    [BsonElement("event")]
    public string Event { get; set; } = string.Empty;

    [BsonElement("actorId")]
    public string ActorId { get; set; } = string.Empty;

    [BsonElement("userIds")]
    public List<string> UserIds { get; set; } = [];

    [BsonElement("name")]
    [BsonIgnoreIfNull]
    public string? Name { get; set; }

    /// <summary><c>member</c>, <c>admin</c> or <c>owner</c>; absent unless the role changed.</summary>
    [BsonElement("role")]
    [BsonIgnoreIfNull]
    public string? Role { get; set; }
}

/// <summary>A user's read position in a conversation. Its <c>_id</c> is the server's ObjectId and is not read.</summary>
[BsonIgnoreExtraElements]
internal sealed class ReadPositionDocument
{
    [BsonElement("conversationId")]
    public string ConversationId { get; set; } = string.Empty;

    [BsonElement("userId")]
    public string UserId { get; set; } = string.Empty;

    [BsonElement("seq")]
    [BsonRepresentation(BsonType.Int64)]
    public long Seq { get; set; }

    /// <summary>The delivery position; the effective one is the larger of it and <see cref="Seq"/>. Absent until set.</summary>
    [BsonElement("deliveredSeq")]
    [BsonRepresentation(BsonType.Int64)]
    [BsonIgnoreIfDefault]
    public long DeliveredSeq { get; set; }
}

/// <summary>
/// A tempId reserved by the append that stores its message, taken before that append increments the seq counter so a
/// duplicate never consumes a seq. Its <c>_id</c> is the server's ObjectId and is not read; a TTL index removes it a
/// day after <see cref="ReservedAt"/>.
/// </summary>
[BsonIgnoreExtraElements]
internal sealed class TempIdReservationDocument
{
    [BsonElement("conversationId")]
    public string ConversationId { get; set; } = string.Empty;

    [BsonElement("senderId")]
    public string SenderId { get; set; } = string.Empty;

    [BsonElement("tempId")]
    public string TempId { get; set; } = string.Empty;

    /// <summary>The id of the message the holder is storing; changes when another call takes the reservation over.</summary>
    [BsonElement("token")]
    public string Token { get; set; } = string.Empty;

    [BsonElement("reservedAt")]
    [BsonDateTimeOptions(Kind = DateTimeKind.Utc, Representation = BsonType.DateTime)]
    public DateTime ReservedAt { get; set; }
}

/// <summary>One row of the unread-count aggregation: a conversation id and how many messages are unread in it.</summary>
[BsonIgnoreExtraElements]
internal sealed class UnreadCountDocument
{
    [BsonId]
    [BsonRepresentation(BsonType.String)]
    public string ConversationId { get; set; } = string.Empty;

    [BsonElement("count")]
    [BsonRepresentation(BsonType.Int32)]
    public int Count { get; set; }
}
