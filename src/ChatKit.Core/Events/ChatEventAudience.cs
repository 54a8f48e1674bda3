namespace ChatKit.Events;

/// <summary>Who receives a durable event: the same users the hub delivers it to.</summary>
public static class ChatEventAudience
{
    /// <summary>
    /// Returns whether <paramref name="userId"/> was to receive <paramref name="chatEvent"/> when it happened: one of its
    /// participant ids, the removed user of a <see cref="ParticipantRemovedEvent"/>, a participant of a created conversation.
    /// Typing and presence events, which are not durable, reach nobody here.
    /// </summary>
    /// <param name="chatEvent">The event.</param>
    /// <param name="userId">The user.</param>
    public static bool Includes(ChatEvent chatEvent, string userId)
    {
        ArgumentNullException.ThrowIfNull(chatEvent);
        return chatEvent switch
        {
            ConversationCreatedEvent e => e.Conversation.Conversation.HasParticipant(userId),
            ParticipantRemovedEvent e => e.UserId == userId || e.ParticipantIds.Contains(userId, StringComparer.Ordinal),
            _ => ParticipantsOf(chatEvent)?.Contains(userId, StringComparer.Ordinal) == true,
        };
    }

    /// <summary>The conversation a durable event belongs to, or <see langword="null"/> for presence.</summary>
    /// <param name="chatEvent">The event.</param>
    public static string? ConversationOf(ChatEvent chatEvent) => chatEvent switch
    {
        ConversationCreatedEvent e => e.Conversation.Conversation.Id,
        MessageCreatedEvent e => e.Message.ConversationId,
        MessageUpdatedEvent e => e.Message.ConversationId,
        MessageDeletedEvent e => e.ConversationId,
        MessageReadEvent e => e.ConversationId,
        ConversationReadEvent e => e.ConversationId,
        MessageDeliveredEvent e => e.ConversationId,
        ParticipantsAddedEvent e => e.ConversationId,
        ParticipantRemovedEvent e => e.ConversationId,
        ConversationUpdatedEvent e => e.Conversation.Conversation.Id,
        ReactionAddedEvent e => e.ConversationId,
        ReactionRemovedEvent e => e.ConversationId,
        UserTypingEvent e => e.ConversationId,
        UserStoppedTypingEvent e => e.ConversationId,
        _ => null,
    };

    private static IReadOnlyList<string>? ParticipantsOf(ChatEvent chatEvent) => chatEvent switch
    {
        MessageCreatedEvent e => e.ParticipantIds,
        MessageUpdatedEvent e => e.ParticipantIds,
        MessageDeletedEvent e => e.ParticipantIds,
        MessageReadEvent e => e.ParticipantIds,
        ConversationReadEvent e => e.ParticipantIds,
        MessageDeliveredEvent e => e.ParticipantIds,
        ParticipantsAddedEvent e => e.ParticipantIds,
        ConversationUpdatedEvent e => e.ParticipantIds,
        ReactionAddedEvent e => e.ParticipantIds,
        ReactionRemovedEvent e => e.ParticipantIds,
        _ => null,
    };
}
