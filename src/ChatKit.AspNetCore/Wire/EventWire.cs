using ChatKit.AspNetCore.Internal;
using ChatKit.Events;
using ChatKit.Storage;

namespace ChatKit.AspNetCore.Wire;

/// <summary>
/// The hub event name and payload of each durable event, written once: the live hub events and the items of
/// <c>sync</c> are the same objects.
/// </summary>
internal static class EventWire
{
    /// <summary>The event's payload as the hub sends it, with its <c>eventId</c>.</summary>
    public static object Payload(ChatEvent chatEvent, AttachmentLinks links) => chatEvent switch
    {
        MessageCreatedEvent e => new NewMessagePayload(WireMapper.ToDto(e.Message, links), e.Message.ConversationId) { EventId = e.EventId },
        MessageUpdatedEvent e => new MessageUpdatedPayload(WireMapper.ToDto(e.Message, links), e.Message.ConversationId) { EventId = e.EventId },
        MessageDeletedEvent e => new MessageDeletedPayload(e.MessageId, e.ConversationId) { EventId = e.EventId },
        ReactionAddedEvent e => new ReactionPayload(e.ConversationId, e.MessageId, e.Emoji, e.UserId) { EventId = e.EventId },
        ReactionRemovedEvent e => new ReactionPayload(e.ConversationId, e.MessageId, e.Emoji, e.UserId) { EventId = e.EventId },
        MessageReadEvent e => new MessageReadPayload(e.MessageId, e.ConversationId, e.ReadBy, e.ReadAt.UtcDateTime) { EventId = e.EventId },
        ConversationReadEvent e => new ConversationReadPayload(e.ConversationId, e.ReadBy, e.ReadAt.UtcDateTime) { EventId = e.EventId },
        MessageDeliveredEvent e => new MessageDeliveredPayload(e.ConversationId, e.UserId, e.Seq) { EventId = e.EventId },
        ParticipantsAddedEvent e => new ParticipantsAddedPayload(e.ConversationId, e.UserIds) { EventId = e.EventId },
        ParticipantRemovedEvent e => new ParticipantRemovedPayload(e.ConversationId, e.UserId) { EventId = e.EventId },
        ConversationCreatedEvent e => WireMapper.ToDto(e.Conversation, links),
        ConversationUpdatedEvent e => WireMapper.ToDto(e.Conversation, links),
        _ => throw new ArgumentException($"{chatEvent.GetType().Name} is not a durable event.", nameof(chatEvent)),
    };

    /// <summary>A sync item: the hub event name and its payload.</summary>
    public static SyncEventDto ToSyncItem(ChatEvent chatEvent, AttachmentLinks links) => new(ChatEventJson.TypeOf(chatEvent), Payload(chatEvent, links));

    public static SyncResponse ToDto(SyncResult result, AttachmentLinks links) => new([.. result.Events.Select(e => ToSyncItem(e, links))], result.Cursor, result.Limited);
}
