namespace ChatKit.Storage.EfCore.Internal;

// The rows ChatKit keeps. Core's records carry no EF concerns; these classes do, and Mapping.cs converts between them.
// Every timestamp is stored as Unix time in milliseconds (UTC), so it orders and compares in SQL on every provider and
// comes back exactly as ChatKit's services wrote it.

/// <summary>A row of <c>chatkit_conversations</c>.</summary>
internal sealed class ConversationEntity
{
    public string Id { get; set; } = string.Empty;

    public ConversationType Type { get; set; }

    public string? Name { get; set; }

    public string CreatedBy { get; set; } = string.Empty;

    public long CreatedAt { get; set; }

    /// <summary>The seq of the newest message; incremented atomically by every append.</summary>
    public long LastSeq { get; set; }

    public long LastActivityAt { get; set; }

    /// <summary>The unique key of a direct conversation's user pair; null for groups.</summary>
    public string? DirectKey { get; set; }

    /// <summary>
    /// Raised by every membership change (an add by the newcomers requested, a removal by one); it locks the row, numbers new
    /// participants in join order, and stamps each node's cached participants of the conversation.
    /// </summary>
    public long ParticipantCounter { get; set; }

    public List<ParticipantEntity> Participants { get; set; } = [];

    /// <summary>The compact JSON text of the custom metadata object, or null.</summary>
    public string? Metadata { get; set; }
}

/// <summary>A row of <c>chatkit_participants</c>.</summary>
internal sealed class ParticipantEntity
{
    public string ConversationId { get; set; } = string.Empty;

    public string UserId { get; set; } = string.Empty;

    public ParticipantRole Role { get; set; }

    public long JoinedAt { get; set; }

    /// <summary>The join order within the conversation.</summary>
    public long Ordinal { get; set; }

    /// <summary>Until when the participant muted the conversation (Unix milliseconds), or null.</summary>
    public long? MutedUntil { get; set; }
}

/// <summary>A row of <c>chatkit_messages</c>.</summary>
internal sealed class MessageEntity
{
    public string Id { get; set; } = string.Empty;

    public string ConversationId { get; set; } = string.Empty;

    public long Seq { get; set; }

    public string SenderId { get; set; } = string.Empty;

    public string SenderName { get; set; } = string.Empty;

    public string Content { get; set; } = string.Empty;

    public MessageType Type { get; set; }

    public string? TempId { get; set; }

    public long CreatedAt { get; set; }

    public long? EditedAt { get; set; }

    public long? DeletedAt { get; set; }

    /// <summary>The compact JSON text of the custom metadata object, or null.</summary>
    public string? Metadata { get; set; }

    /// <summary>For a system message, its <see cref="SystemMessageInfo"/> as JSON; null otherwise.</summary>
    public string? System { get; set; }
    /// <summary>The message replied to, or null (v2).</summary>
    public string? ReplyToId { get; set; }

    /// <summary>The mentioned user ids, each between two U+001F separators (<see cref="Mapping.MentionKey"/>); null when none (v2).</summary>
    public string? Mentions { get; set; }

    /// <summary>The attachments as a JSON array (<see cref="AttachmentJson"/>); null when none (v2).</summary>
    public string? Attachments { get; set; }
}

/// <summary>A row of <c>chatkit_read_positions</c>.</summary>
internal sealed class ReadPositionEntity
{
    public string ConversationId { get; set; } = string.Empty;

    public string UserId { get; set; } = string.Empty;

    public long Seq { get; set; }

    /// <summary>The delivery position; the effective one is the larger of it and <see cref="Seq"/> (reading implies delivery).</summary>
    public long DeliveredSeq { get; set; }
}

/// <summary>A row of <c>chatkit_reactions</c> (v2): one user's reaction with one emoji to one message.</summary>
internal sealed class ReactionEntity
{
    /// <summary>Assigned by the database in insertion order: the order of first use and of the users.</summary>
    public long Id { get; set; }

    public string MessageId { get; set; } = string.Empty;

    public string UserId { get; set; } = string.Empty;

    public string Emoji { get; set; } = string.Empty;

    public long CreatedAt { get; set; }
}

/// <summary>A row of <c>chatkit_events</c>: one durable event, recorded in the transaction of the change that caused it.</summary>
internal sealed class EventEntity
{
    /// <summary>Assigned by the database at insertion (SQLite: autoincrement; PostgreSQL: identity).</summary>
    public long Position { get; set; }

    /// <summary>PostgreSQL: the id of the transaction that inserted the row (feed order); SQLite: 0.</summary>
    public long Tx { get; set; }

    public string Id { get; set; } = string.Empty;

    public string ConversationId { get; set; } = string.Empty;

    /// <summary>The hub event name (<see cref="ChatEventJson.TypeOf"/>).</summary>
    public string Type { get; set; } = string.Empty;

    /// <summary>The user a <c>participantRemoved</c> event removed (it still receives that event), else null.</summary>
    public string? SubjectId { get; set; }

    /// <summary>
    /// The event's JSON (<see cref="ChatEventJson.Serialize"/>); for <c>newMessage</c> empty (the message is its own row,
    /// its audience a row of <c>chatkit_event_audiences</c>), or its audience's ids on rows an older ChatKit wrote.
    /// </summary>
    public string Payload { get; set; } = string.Empty;

    /// <summary>For <c>newMessage</c>: the participant counter its audience was read at (<see cref="EventAudienceEntity.Counter"/>); else null.</summary>
    public long? Audience { get; set; }

    public long OccurredAt { get; set; }
}

/// <summary>A row of <c>chatkit_attachments</c> (v2): one upload.</summary>
internal sealed class AttachmentEntity
{
    public string Id { get; set; } = string.Empty;

    public string ConversationId { get; set; } = string.Empty;

    public string UploaderId { get; set; } = string.Empty;

    public string Name { get; set; } = string.Empty;

    public string ContentType { get; set; } = string.Empty;

    public long Size { get; set; }

    public int? Width { get; set; }

    public int? Height { get; set; }

    public long UploadedAt { get; set; }

    /// <summary>Null while unsent; the key of the send that references it.</summary>
    public string? SentKey { get; set; }
}
