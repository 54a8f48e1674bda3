namespace ChatKit.Storage;

// v2 members: delivery positions, group administration. They grow the contract the Hangfire way: each has a default,
// so a store written against v1 still compiles; the defaults that cannot be made correct throw NotSupportedException
// with a sentence, and ChatKit's own stores implement every member. The conformance suite names what a store lacks.
public partial interface IChatStore
{
    /// <summary>
    /// Moves a user's delivery position in a conversation to <paramref name="seq"/> when that is beyond both the user's
    /// delivery and read positions (reading implies delivery), as one conditional update: concurrent calls keep the
    /// maximum, and it never moves backward.
    /// </summary>
    /// <param name="conversationId">The conversation id.</param>
    /// <param name="userId">The recipient.</param>
    /// <param name="seq">The seq received up to, at least 1.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The new delivery position when this call moved it; <see langword="null"/> when it did not.</returns>
    Task<long?> AdvanceDeliveryPositionAsync(string conversationId, string userId, long seq, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"{GetType().Name} does not store delivery positions: implement IChatStore.AdvanceDeliveryPositionAsync to support markAsDelivered.");

    /// <summary>
    /// Returns the read and delivery positions of every user who has one in the given conversations, in a bounded number
    /// of queries whatever their number. <see cref="ReceiptPosition.LastDeliveredSeq"/> is never below
    /// <see cref="ReceiptPosition.LastReadSeq"/>.
    /// </summary>
    /// <remarks>
    /// Stores written before this member existed inherit an implementation that reads each participant's read position
    /// one by one (and reports it as the delivery position too): correct, but a query per participant.
    /// </remarks>
    /// <param name="conversationIds">The conversations.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    async Task<IReadOnlyList<ReceiptPosition>> GetReceiptPositionsAsync(IReadOnlyList<string> conversationIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversationIds);
        var positions = new List<ReceiptPosition>();
        foreach (var conversationId in conversationIds)
        {
            var conversation = await FindConversationAsync(conversationId, cancellationToken).ConfigureAwait(false);
            foreach (var participant in conversation?.Participants ?? [])
            {
                var read = await GetReadPositionAsync(conversationId, participant.UserId, cancellationToken).ConfigureAwait(false);
                if (read > 0)
                {
                    positions.Add(new ReceiptPosition(conversationId, participant.UserId, read, read));
                }
            }
        }

        return positions;
    }

    /// <summary>Changes a conversation's name and/or metadata in one update.</summary>
    /// <param name="conversationId">The conversation id.</param>
    /// <param name="change">What changes.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The conversation afterwards, or <see langword="null"/> when it does not exist.</returns>
    Task<Conversation?> UpdateConversationAsync(string conversationId, ConversationChange change, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"{GetType().Name} cannot rename conversations: implement IChatStore.UpdateConversationAsync to support it.");

    /// <summary>
    /// Changes a participant's role, only when <paramref name="actorId"/> is the conversation's owner at that moment, as
    /// one atomic step under the same serialisation as membership changes. <see cref="ParticipantRole.Owner"/> transfers
    /// ownership: the target becomes owner and the actor admin, together, so a group never has two owners or none,
    /// whatever runs concurrently (the owner leaving included).
    /// </summary>
    /// <param name="conversationId">The conversation id.</param>
    /// <param name="actorId">The user making the change, who must be the owner.</param>
    /// <param name="userId">The participant whose role changes; not the actor.</param>
    /// <param name="role">The new role.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task<RoleChangeResult> ChangeRoleAsync(string conversationId, string actorId, string userId, ParticipantRole role, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"{GetType().Name} cannot change roles: implement IChatStore.ChangeRoleAsync to support it.");

    /// <summary>
    /// Removes a participant (nothing happens when the user is not one) and, when that participant is the owner at that
    /// moment, passes ownership in the same atomic step to the admin who joined first, or else to the member who joined
    /// first (ties broken by user id, ordinal). Decided under the store's serialisation of membership changes, so a
    /// concurrent ownership transfer never leaves two owners or none.
    /// </summary>
    /// <remarks>
    /// Stores written before this member existed inherit an implementation that reads the conversation and then calls
    /// <see cref="RemoveParticipantAsync"/>: correct one at a time, but not atomic with a concurrent role change.
    /// </remarks>
    /// <param name="conversationId">The conversation id.</param>
    /// <param name="userId">The participant to remove.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The conversation afterwards, or <see langword="null"/> when it does not exist.</returns>
    async Task<Conversation?> RemoveParticipantPassingOwnershipAsync(string conversationId, string userId, CancellationToken cancellationToken)
    {
        var conversation = await FindConversationAsync(conversationId, cancellationToken).ConfigureAwait(false);
        if (conversation is null)
        {
            return null;
        }

        var successor = conversation.FindParticipant(userId)?.Role == ParticipantRole.Owner ? Successor(conversation.Participants, userId) : null;
        return await RemoveParticipantAsync(conversationId, userId, successor, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The participant who becomes owner when <paramref name="leavingOwnerId"/> leaves: the admin who joined first, or else
    /// the member who joined first; ties broken by user id, ordinal. <paramref name="participants"/> are in join order.
    /// </summary>
    /// <param name="participants">The participants, in the order they joined.</param>
    /// <param name="leavingOwnerId">The owner who leaves.</param>
    /// <returns>The successor's user id, or <see langword="null"/> when nobody is left.</returns>
    public static string? Successor(IReadOnlyList<Participant> participants, string leavingOwnerId)
    {
        ArgumentNullException.ThrowIfNull(participants);
        return participants
            .Where(p => p.UserId != leavingOwnerId)
            .OrderByDescending(p => p.Role == ParticipantRole.Admin)
            .ThenBy(p => p.JoinedAt)
            .ThenBy(p => p.UserId, StringComparer.Ordinal)
            .Select(p => p.UserId)
            .FirstOrDefault();
    }
}
