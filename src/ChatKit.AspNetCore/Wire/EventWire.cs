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
    public static object Payload(ChatEvent chatEvent) => chatEvent switch
    {
        MessageCreatedEvent e => new NewMessagePayload(WireMapper.ToDto(e.Message), e.Message.ConversationId) { EventId = e.EventId },
        MessageUpdatedEvent e => new MessageUpdatedPayload(WireMapper.ToDto(e.Message), e.Message.ConversationId) { EventId = e.EventId },
        MessageDeletedEvent e => new MessageDeletedPayload(e.MessageId, e.ConversationId) { EventId = e.EventId },
        ReactionAddedEvent e => new ReactionPayload(e.ConversationId, e.MessageId, e.Emoji, e.UserId) { EventId = e.EventId },
        ReactionRemovedEvent e => new ReactionPayload(e.ConversationId, e.MessageId, e.Emoji, e.UserId) { EventId = e.EventId },
        MessageReadEvent e => new MessageReadPayload(e.MessageId, e.ConversationId, e.ReadBy, e.ReadAt.UtcDateTime) { EventId = e.EventId },
        ConversationReadEvent e => new ConversationReadPayload(e.ConversationId, e.ReadBy, e.ReadAt.UtcDateTime) { EventId = e.EventId },
        MessageDeliveredEvent e => new MessageDeliveredPayload(e.ConversationId, e.UserId, e.Seq) { EventId = e.EventId },
        ParticipantsAddedEvent e => new ParticipantsAddedPayload(e.ConversationId, e.UserIds) { EventId = e.EventId },
        ParticipantRemovedEvent e => new ParticipantRemovedPayload(e.ConversationId, e.UserId) { EventId = e.EventId },
        ConversationCreatedEvent e => WireMapper.ToDto(e.Conversation),
        ConversationUpdatedEvent e => WireMapper.ToDto(e.Conversation),
        _ => throw new ArgumentException($"{chatEvent.GetType().Name} is not a durable event.", nameof(chatEvent)),
    };

    /// <summary>A sync item: the hub event name and its payload.</summary>
    public static SyncEventDto ToSyncItem(ChatEvent chatEvent) => new(ChatEventJson.TypeOf(chatEvent), Payload(chatEvent));

    public static SyncResponse ToDto(SyncResult result) => new([.. result.Events.Select(ToSyncItem)], result.Cursor, result.Limited);
}
