namespace ChatKit.Storage.Mongo.Internal;

/// <summary>
/// Converts between Core's model and the stored documents. Enum values are mapped by explicit switches, so renaming
/// a Core enum member never changes what is stored.
/// </summary>
internal static class DocumentMapper
{
    public static ConversationDocument ToDocument(Conversation conversation) => new()
    {
        Id = conversation.Id,
        Type = ToStored(conversation.Type),
        Name = conversation.Name,
        CreatedBy = conversation.CreatedBy,
        CreatedAt = ToStored(conversation.CreatedAt),
        Participants = [.. conversation.Participants.Select(ToDocument)],
        LastSeq = conversation.LastSeq,
        LastActivityAt = ToStored(conversation.LastActivityAt),
        DirectKey = conversation.DirectKey,
        AllocatedSeq = conversation.LastSeq,
        Metadata = conversation.Metadata,
    };

    public static Conversation ToModel(ConversationDocument document) => new()
    {
        Id = document.Id,
        Type = ToConversationType(document.Type),
        Name = document.Name,
        CreatedBy = document.CreatedBy,
        CreatedAt = ToModel(document.CreatedAt),
        Participants = [.. document.Participants.Select(ToModel)],
        LastSeq = document.LastSeq,
        LastActivityAt = ToModel(document.LastActivityAt),
        DirectKey = document.DirectKey,
        Metadata = document.Metadata,
    };

    public static ParticipantDocument ToDocument(Participant participant) => new()
    {
        UserId = participant.UserId,
        Role = ToStored(participant.Role),
        JoinedAt = ToStored(participant.JoinedAt),
        MutedUntil = participant.MutedUntil?.UtcDateTime,
    };

    public static Participant ToModel(ParticipantDocument document) =>
        new(document.UserId, ToParticipantRole(document.Role), ToModel(document.JoinedAt))
        {
            MutedUntil = document.MutedUntil is { } mutedUntil ? ToModel(mutedUntil) : null,
        };

    public static MessageDocument ToDocument(ChatMessage message, long seq) => new()
    {
        Id = message.Id,
        ConversationId = message.ConversationId,
        Seq = seq,
        SenderId = message.SenderId,
        SenderName = message.SenderName,
        Content = message.Content,
        Type = ToStored(message.Type),
        TempId = message.TempId,
        CreatedAt = ToStored(message.CreatedAt),
        EditedAt = message.EditedAt is { } edited ? ToStored(edited) : null,
        DeletedAt = message.DeletedAt is { } deleted ? ToStored(deleted) : null,
        Metadata = message.Metadata,
        System = message.System is { } system ? ToDocument(system) : null,
        ReplyToId = message.ReplyToId,
        Mentions = message.Mentions.Count == 0 ? null : [.. message.Mentions],
        Attachments = message.Attachments.Count == 0 ? null : [.. message.Attachments.Select(a => new MessageAttachmentDocument
        {
            Id = a.Id, Name = a.Name, ContentType = a.ContentType, Size = a.Size, Width = a.Width, Height = a.Height,
        })],
    };

    public static ChatMessage ToModel(MessageDocument document) => new()
    {
        Id = document.Id,
        ConversationId = document.ConversationId,
        Seq = document.Seq,
        SenderId = document.SenderId,
        SenderName = document.SenderName,
        Content = document.Content,
        Type = ToMessageType(document.Type),
        TempId = document.TempId,
        CreatedAt = ToModel(document.CreatedAt),
        EditedAt = document.EditedAt is { } edited ? ToModel(edited) : null,
        DeletedAt = document.DeletedAt is { } deleted ? ToModel(deleted) : null,
        Metadata = document.Metadata,
        System = document.System is { } system ? ToModel(system) : null,
        ReplyToId = document.ReplyToId,
        Mentions = document.Mentions is { Count: > 0 } mentions ? [.. mentions] : [],
        Attachments = document.Attachments is { Count: > 0 } attachments
            ? [.. attachments.Select(a => new MessageAttachment(a.Id, a.Name, a.ContentType, a.Size, a.Width, a.Height))]
            : [],
    };

    public static AttachmentDocument ToDocument(ChatAttachment a) => new()
    {
        Id = a.Id,
        ConversationId = a.ConversationId,
        UploaderId = a.UploaderId,
        Name = a.Name,
        ContentType = a.ContentType,
        Size = a.Size,
        Width = a.Width,
        Height = a.Height,
        UploadedAt = ToStored(a.UploadedAt),
        SentKey = a.SentKey,
    };

    public static ChatAttachment ToModel(AttachmentDocument a) => new()
    {
        Id = a.Id,
        ConversationId = a.ConversationId,
        UploaderId = a.UploaderId,
        Name = a.Name,
        ContentType = a.ContentType,
        Size = a.Size,
        Width = a.Width,
        Height = a.Height,
        UploadedAt = ToModel(a.UploadedAt),
        SentKey = a.SentKey,
    };

    /// <summary>A UTC <see cref="DateTime"/> for a BSON datetime (which keeps milliseconds; Core gives no finer).</summary>
    public static DateTime ToStored(DateTimeOffset value) => value.UtcDateTime;

    /// <summary>The instant at UTC offset zero, whatever kind the driver gave the value.</summary>
    public static DateTimeOffset ToModel(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc), TimeSpan.Zero);

    public static string ToStored(ConversationType value) => value switch
    {
        ConversationType.Direct => "direct",
        ConversationType.Group => "group",
        _ => throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown conversation type."),
    };

    public static string ToStored(ParticipantRole value) => value switch
    {
        ParticipantRole.Member => "member",
        ParticipantRole.Admin => "admin",
        ParticipantRole.Owner => "owner",
        _ => throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown participant role."),
    };

    public static string ToStored(MessageType value) => value switch
    {
        MessageType.Text => "text",
        MessageType.System => "system",
        _ => throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown message type."),
    };

    public static ConversationType ToConversationType(string value) => value switch
    {
        "direct" => ConversationType.Direct,
        "group" => ConversationType.Group,
        _ => throw Unknown("conversation type", value),
    };

    public static ParticipantRole ToParticipantRole(string value) => value switch
    {
        "member" => ParticipantRole.Member,
        "admin" => ParticipantRole.Admin,
        "owner" => ParticipantRole.Owner,
        _ => throw Unknown("participant role", value),
    };

    public static MessageType ToMessageType(string value) => value switch
    {
        "text" => MessageType.Text,
        "system" => MessageType.System,
        _ => throw Unknown("message type", value),
    };

    public static SystemDocument ToDocument(SystemMessageInfo info) => new()
    {
        Event = info.Event switch
        {
            SystemEventKind.ParticipantsAdded => "participants_added",
            SystemEventKind.ParticipantRemoved => "participant_removed",
            SystemEventKind.ParticipantLeft => "participant_left",
            SystemEventKind.ConversationRenamed => "conversation_renamed",
            SystemEventKind.RoleChanged => "role_changed",
            _ => throw new ArgumentOutOfRangeException(nameof(info), info.Event, "Unknown system event."),
        },
        ActorId = info.ActorId,
        UserIds = [.. info.UserIds],
        Name = info.Name,
        Role = info.Role is { } role ? ToStored(role) : null,
    };

    public static SystemMessageInfo ToModel(SystemDocument document) => new(
        document.Event switch
        {
            "participants_added" => SystemEventKind.ParticipantsAdded,
            "participant_removed" => SystemEventKind.ParticipantRemoved,
            "participant_left" => SystemEventKind.ParticipantLeft,
            "conversation_renamed" => SystemEventKind.ConversationRenamed,
            "role_changed" => SystemEventKind.RoleChanged,
            _ => throw Unknown("system event", document.Event),
        },
        document.ActorId,
        document.UserIds,
        document.Name,
        document.Role is { } role ? ToParticipantRole(role) : null);

    private static FormatException Unknown(string what, string value) =>
        new($"The stored {what} '{value}' is not one ChatKit knows.");
}
