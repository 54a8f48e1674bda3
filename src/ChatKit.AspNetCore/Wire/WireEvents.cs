using ChatKit.Events;
using ChatKit.Storage;

namespace ChatKit.AspNetCore.Wire;

/// <summary>A durable domain event as the hub sends it: its event name and its payload (the contract's shapes).</summary>
internal static class WireEvents
{
    /// <summary>The hub event name and payload of a durable event, or <see langword="null"/> for typing and presence.</summary>
    public static (string Type, object Data)? ToWire(ChatEvent chatEvent) => chatEvent switch
    {
        MessageCreatedEvent e => (ChatEventJson.TypeOf(e), new NewMessagePayload(WireMapper.ToDto(e.Message), e.Message.ConversationId)),
        MessageUpdatedEvent e => (ChatEventJson.TypeOf(e), new MessageUpdatedPayload(WireMapper.ToDto(e.Message), e.Message.ConversationId)),
        MessageDeletedEvent e => (ChatEventJson.TypeOf(e), new MessageDeletedPayload(e.MessageId, e.ConversationId)),
        ReactionAddedEvent e => (ChatEventJson.TypeOf(e), new ReactionPayload(e.ConversationId, e.MessageId, e.Emoji, e.UserId)),
        ReactionRemovedEvent e => (ChatEventJson.TypeOf(e), new ReactionPayload(e.ConversationId, e.MessageId, e.Emoji, e.UserId)),
        MessageReadEvent e => (ChatEventJson.TypeOf(e), new MessageReadPayload(e.MessageId, e.ConversationId, e.ReadBy, e.ReadAt.UtcDateTime)),
        ConversationReadEvent e => (ChatEventJson.TypeOf(e), new ConversationReadPayload(e.ConversationId, e.ReadBy, e.ReadAt.UtcDateTime)),
        MessageDeliveredEvent e => (ChatEventJson.TypeOf(e), new MessageDeliveredPayload(e.ConversationId, e.UserId, e.Seq)),
        ParticipantsAddedEvent e => (ChatEventJson.TypeOf(e), new ParticipantsAddedPayload(e.ConversationId, e.UserIds)),
        ParticipantRemovedEvent e => (ChatEventJson.TypeOf(e), new ParticipantRemovedPayload(e.ConversationId, e.UserId)),
        ConversationCreatedEvent e => (ChatEventJson.TypeOf(e), WireMapper.ToDto(e.Conversation)),
        ConversationUpdatedEvent e => (ChatEventJson.TypeOf(e), WireMapper.ToDto(e.Conversation)),
        _ => null,
    };
}
