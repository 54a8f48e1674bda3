namespace ChatKit.Storage;

// v2 member: a participant's mute (no offline notifications from a conversation until a time). The default keeps a store
// written before it compiling; muting then fails with a sentence saying what to implement.
public partial interface IChatStore
{
    /// <summary>
    /// Sets a participant's <see cref="Participant.MutedUntil"/> (or clears it with <see langword="null"/>), in one atomic
    /// operation that changes nothing else. Every read of the conversation afterwards (<see cref="FindConversationAsync"/>,
    /// views, lists) returns it, to the millisecond; it lasts until set again or the participant leaves.
    /// </summary>
    /// <param name="conversationId">The conversation id.</param>
    /// <param name="userId">The participant.</param>
    /// <param name="mutedUntil">Until when (UTC, millisecond precision; <see cref="Participant.MutedForever"/> for no end), or <see langword="null"/> to unmute.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The conversation afterwards, or <see langword="null"/> when it does not exist or the user is not a participant.</returns>
    Task<Conversation?> SetParticipantMuteAsync(string conversationId, string userId, DateTimeOffset? mutedUntil, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"{GetType().Name} does not keep mutes: implement IChatStore.SetParticipantMuteAsync (and return Participant.MutedUntil from its reads) to support muting conversations.");
}
