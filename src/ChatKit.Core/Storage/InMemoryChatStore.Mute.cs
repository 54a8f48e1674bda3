namespace ChatKit.Storage;

public sealed partial class InMemoryChatStore
{
    /// <inheritdoc/>
    public Task<Conversation?> SetParticipantMuteAsync(string conversationId, string userId, DateTimeOffset? mutedUntil, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(userId);
        lock (_gate)
        {
            if (!_conversations.TryGetValue(conversationId, out var state) || !state.Conversation.HasParticipant(userId))
            {
                return Task.FromResult<Conversation?>(null);
            }

            state.Conversation = state.Conversation with
            {
                Participants = [.. state.Conversation.Participants.Select(p => p.UserId == userId ? p with { MutedUntil = mutedUntil } : p)],
            };
            return Task.FromResult<Conversation?>(state.Conversation);
        }
    }
}
