namespace ChatKit.Storage.EfCore.Internal;

/// <summary>Converts between Core's records and the rows.</summary>
internal static class Mapping
{
    public static long ToStore(DateTimeOffset value) => value.ToUnixTimeMilliseconds();

    public static long? ToStore(DateTimeOffset? value) => value?.ToUnixTimeMilliseconds();

    public static DateTimeOffset FromStore(long value) => DateTimeOffset.FromUnixTimeMilliseconds(value);

    public static DateTimeOffset? FromStore(long? value) => value is { } v ? DateTimeOffset.FromUnixTimeMilliseconds(v) : null;

    public static ConversationEntity ToEntity(Conversation conversation)
    {
        var entity = new ConversationEntity
        {
            Id = conversation.Id,
            Type = conversation.Type,
            Name = conversation.Name,
            CreatedBy = conversation.CreatedBy,
            CreatedAt = ToStore(conversation.CreatedAt),
            LastSeq = conversation.LastSeq,
            LastActivityAt = ToStore(conversation.LastActivityAt),
            DirectKey = conversation.DirectKey,
            ParticipantCounter = conversation.Participants.Count,
            Metadata = conversation.Metadata,
        };
        for (var i = 0; i < conversation.Participants.Count; i++)
        {
            entity.Participants.Add(ToEntity(conversation.Id, conversation.Participants[i], i + 1));
        }

        return entity;
    }

    public static ParticipantEntity ToEntity(string conversationId, Participant participant, long ordinal) => new()
    {
        ConversationId = conversationId,
        UserId = participant.UserId,
        Role = participant.Role,
        JoinedAt = ToStore(participant.JoinedAt),
        Ordinal = ordinal,
        MutedUntil = ToStore(participant.MutedUntil),
    };

    public static MessageEntity ToEntity(ChatMessage message, long seq) => new()
    {
        Id = message.Id,
        ConversationId = message.ConversationId,
        Seq = seq,
        SenderId = message.SenderId,
        SenderName = message.SenderName,
        Content = message.Content,
        Type = message.Type,
        TempId = message.TempId,
        CreatedAt = ToStore(message.CreatedAt),
        EditedAt = ToStore(message.EditedAt),
        DeletedAt = ToStore(message.DeletedAt),
        Metadata = message.Metadata,
        System = SystemJson.Write(message.System),
        ReplyToId = message.ReplyToId,
        Mentions = ToStore(message.Mentions),
        Attachments = AttachmentJson.Write(message.Attachments),
    };

    /// <summary>Builds a conversation from its row and its participant rows (in any order).</summary>
    public static Conversation ToModel(ConversationEntity entity, IEnumerable<ParticipantEntity> participants) => new()
    {
        Id = entity.Id,
        Type = entity.Type,
        Name = entity.Name,
        CreatedBy = entity.CreatedBy,
        CreatedAt = FromStore(entity.CreatedAt),
        LastSeq = entity.LastSeq,
        LastActivityAt = FromStore(entity.LastActivityAt),
        DirectKey = entity.DirectKey,
        Participants = participants
            .OrderBy(p => p.Ordinal)
            .Select(p => new Participant(p.UserId, p.Role, FromStore(p.JoinedAt)) { MutedUntil = FromStore(p.MutedUntil) })
            .ToList(),
        Metadata = entity.Metadata,
    };

    public static ChatMessage ToModel(MessageEntity entity) => new()
    {
        Id = entity.Id,
        ConversationId = entity.ConversationId,
        Seq = entity.Seq,
        SenderId = entity.SenderId,
        SenderName = entity.SenderName,
        Content = entity.Content,
        Type = entity.Type,
        TempId = entity.TempId,
        CreatedAt = FromStore(entity.CreatedAt),
        EditedAt = FromStore(entity.EditedAt),
        DeletedAt = FromStore(entity.DeletedAt),
        Metadata = entity.Metadata,
        System = SystemJson.Read(entity.System),
        ReplyToId = entity.ReplyToId,
        Mentions = MentionsFromStore(entity.Mentions),
        Attachments = AttachmentJson.Read(entity.Attachments),
    };

    public static AttachmentEntity ToEntity(ChatAttachment a) => new()
    {
        Id = a.Id,
        ConversationId = a.ConversationId,
        UploaderId = a.UploaderId,
        Name = a.Name,
        ContentType = a.ContentType,
        Size = a.Size,
        Width = a.Width,
        Height = a.Height,
        UploadedAt = ToStore(a.UploadedAt),
        SentKey = a.SentKey,
    };

    public static ChatAttachment ToModel(AttachmentEntity a) => new()
    {
        Id = a.Id,
        ConversationId = a.ConversationId,
        UploaderId = a.UploaderId,
        Name = a.Name,
        ContentType = a.ContentType,
        Size = a.Size,
        Width = a.Width,
        Height = a.Height,
        UploadedAt = FromStore(a.UploadedAt),
        SentKey = a.SentKey,
    };

    /// <summary>The separator around each mentioned id: a control character, which no user id may contain.</summary>
    public const char MentionSeparator = '\u001F';

    /// <summary>What a mentions column contains when it mentions <paramref name="userId"/>: the id between two separators.</summary>
    public static string MentionKey(string userId) => string.Concat(MentionSeparator.ToString(), userId, MentionSeparator.ToString());

    public static string? ToStore(IReadOnlyList<string> mentions) =>
        mentions.Count == 0 ? null : string.Concat(MentionSeparator.ToString(), string.Join(MentionSeparator, mentions), MentionSeparator.ToString());

    public static IReadOnlyList<string> MentionsFromStore(string? mentions) =>
        string.IsNullOrEmpty(mentions) ? [] : mentions.Split(MentionSeparator, StringSplitOptions.RemoveEmptyEntries);
}
