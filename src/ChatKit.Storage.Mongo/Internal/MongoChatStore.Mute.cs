namespace ChatKit.Storage.Mongo.Internal;

// A participant's mute: a field of its entry in the conversation document, written with the participants' compare-and-set.
internal sealed partial class MongoChatStore
{
    /// <inheritdoc/>
    public Task<Conversation?> SetParticipantMuteAsync(string conversationId, string userId, DateTimeOffset? mutedUntil, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(userId);
        return CompareAndSetParticipantsAsync<Conversation?>(
            conversationId,
            conversation =>
            {
                if (conversation?.FindParticipant(userId) is not { } participant)
                {
                    return (null, null);
                }

                var changed = conversation with
                {
                    Participants = [.. conversation.Participants.Select(p => p.UserId == userId ? p with { MutedUntil = mutedUntil } : p)],
                };

                // Nothing to write when it is already so (an update that modifies nothing would look like a lost race).
                return (changed, participant.MutedUntil == mutedUntil ? null : changed.Participants);
            },
            cancellationToken);
    }
}
