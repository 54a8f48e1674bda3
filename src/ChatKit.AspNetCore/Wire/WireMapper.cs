using ChatKit.AspNetCore.Internal;

namespace ChatKit.AspNetCore.Wire;

/// <summary>Turns Core's model into the wire shapes.</summary>
internal static class WireMapper
{
    public static DateTime Utc(DateTimeOffset value) => value.UtcDateTime;

    public static string Name(ConversationType type) => type == ConversationType.Direct ? "direct" : "group";

    public static string Name(ParticipantRole role) => role switch
    {
        ParticipantRole.Owner => "owner",
        ParticipantRole.Admin => "admin",
        _ => "member",
    };

    public static string Name(MessageType type) => type == MessageType.System ? "system" : "text";

    public static string Name(PresenceStatus status) => status == PresenceStatus.Online ? "online" : "offline";

    public static MessageDto ToDto(ChatMessage message, AttachmentLinks links) => new()
    {
        Id = message.Id,
        ConversationId = message.ConversationId,
        Seq = message.Seq,
        Sender = new SenderDto { Id = message.SenderId, Name = message.SenderName },
        Content = message.Content,
        Type = Name(message.Type),
        TempId = message.TempId,
        CreatedAt = Utc(message.CreatedAt),
        EditedAt = message.EditedAt?.UtcDateTime,
        DeletedAt = message.DeletedAt?.UtcDateTime,
        Metadata = Json(message.Metadata),
        System = message.System is { } system ? ToDto(system) : null,
        ReplyTo = message.ReplyTo is { } r ? new ReplyToDto { MessageId = r.MessageId, SenderId = r.SenderId, Excerpt = r.Excerpt } : null,
        Mentions = message.Mentions,
        Reactions = [.. message.Reactions.Select(r => new ReactionDto { Emoji = r.Emoji, Count = r.Count, UserIds = r.UserIds })],
        Attachments = message.Attachments.Count == 0 || message.IsDeleted ? [] : [.. message.Attachments.Select(a => ToDto(a, links))],
    };

    public static AttachmentDto ToDto(MessageAttachment attachment, AttachmentLinks links) => new()
    {
        Id = attachment.Id,
        Name = attachment.Name,
        ContentType = attachment.ContentType,
        Size = attachment.Size,
        Width = attachment.Width,
        Height = attachment.Height,
        Url = links.SignedUrl(attachment.Id),
    };

    public static ConversationDto ToDto(ConversationView view, AttachmentLinks links)
    {
        var c = view.Conversation;
        var positions = view.Positions.ToDictionary(p => p.UserId, StringComparer.Ordinal);
        return new ConversationDto
        {
            Id = c.Id,
            Type = Name(c.Type),
            Name = c.Name,
            CreatedBy = c.CreatedBy,
            CreatedAt = Utc(c.CreatedAt),
            Participants = [.. c.Participants.Select(p => ToDto(p, positions.GetValueOrDefault(p.UserId)))],
            LastMessage = view.LastMessage is null ? null : ToDto(view.LastMessage, links),
            LastSeq = c.LastSeq,
            LastActivityAt = Utc(c.LastActivityAt),
            UnreadCount = view.UnreadCount,
            Metadata = Json(c.Metadata),
            UnreadMentionCount = view.UnreadMentionCount,
            MutedUntil = view.MutedUntil is { } mutedUntil ? Utc(mutedUntil) : null,
        };
    }

    /// <summary>Reads a mute's <c>until</c>: null or absent is no end; anything else must be an ISO 8601 time with an offset.</summary>
    public static DateTimeOffset? ParseMuteUntil(string? until) =>
        until is null ? null
        : DateTimeOffset.TryParse(until, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var time) ? time
        : throw ChatException.Validation("until", "until must be an ISO 8601 time, e.g. 2026-12-01T08:00:00Z, or null for no end");

    public static ConversationType ParseConversationType(string? type) => type?.ToLowerInvariant() switch
    {
        "direct" => ConversationType.Direct,
        "group" => ConversationType.Group,
        _ => throw ChatException.Validation("type", "type must be \"direct\" or \"group\""),
    };

    public static MessageType ParseMessageType(string? type) => type?.ToLowerInvariant() switch
    {
        null or "text" => MessageType.Text,
        "system" => MessageType.System,
        _ => throw ChatException.Validation("type", "type must be \"text\""),
    };

    public static CreateConversationRequest ToRequest(CreateConversationBody? body)
    {
        if (body is null)
        {
            throw ChatException.Validation("body", "a conversation needs a type and participantIds");
        }

        return new CreateConversationRequest
        {
            Type = ParseConversationType(body.Type),
            ParticipantIds = body.ParticipantIds ?? throw ChatException.Validation("participantIds", "participantIds is required"),
            Name = body.Name,
            Metadata = body.Metadata,
        };
    }

    public static ParticipantDto ToDto(Participant participant, ReceiptPosition? position) => new()
    {
        UserId = participant.UserId,
        Role = Name(participant.Role),
        JoinedAt = Utc(participant.JoinedAt),
        LastReadSeq = position?.LastReadSeq ?? 0,
        LastDeliveredSeq = position?.LastDeliveredSeq ?? 0,
    };

    public static SystemDto ToDto(SystemMessageInfo system) => new()
    {
        Event = system.Event switch
        {
            SystemEventKind.ParticipantsAdded => "participants_added",
            SystemEventKind.ParticipantRemoved => "participant_removed",
            SystemEventKind.ParticipantLeft => "participant_left",
            SystemEventKind.ConversationRenamed => "conversation_renamed",
            _ => "role_changed",
        },
        ActorId = system.ActorId,
        UserIds = system.UserIds,
        Name = system.Name,
        Role = system.Role is { } role ? Name(role) : null,
    };

    public static ParticipantRole ParseRole(string? role) => role?.ToLowerInvariant() switch
    {
        "admin" => ParticipantRole.Admin,
        "member" => ParticipantRole.Member,
        "owner" => ParticipantRole.Owner,
        _ => throw ChatException.Validation("role", "role must be \"admin\", \"member\" or \"owner\""),
    };

    /// <summary>Stored metadata (compact JSON text of an object) as a JSON value for the wire.</summary>
    public static System.Text.Json.JsonElement? Json(string? metadata) =>
        metadata is null ? null : System.Text.Json.JsonSerializer.Deserialize<System.Text.Json.JsonElement>(metadata);
}
