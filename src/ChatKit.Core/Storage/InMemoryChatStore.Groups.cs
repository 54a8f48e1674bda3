namespace ChatKit.Storage;

// v2 members: delivery positions and group administration, each under the store's one lock.
public sealed partial class InMemoryChatStore
{
    private readonly Dictionary<(string ConversationId, string UserId), long> _delivered = [];

    /// <inheritdoc/>
    public Task<long?> AdvanceDeliveryPositionAsync(string conversationId, string userId, long seq, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_conversations.TryGetValue(conversationId, out var state))
            {
                return Task.FromResult<long?>(null);
            }

            var current = Math.Max(_delivered.GetValueOrDefault((conversationId, userId)), state.ReadPositions.GetValueOrDefault(userId));
            if (seq <= current)
            {
                return Task.FromResult<long?>(null);
            }

            _delivered[(conversationId, userId)] = seq;
            return Task.FromResult<long?>(seq);
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<ReceiptPosition>> GetReceiptPositionsAsync(IReadOnlyList<string> conversationIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversationIds);
        lock (_gate)
        {
            var positions = new List<ReceiptPosition>();
            foreach (var conversationId in conversationIds.Distinct(StringComparer.Ordinal))
            {
                if (!_conversations.TryGetValue(conversationId, out var state))
                {
                    continue;
                }

                foreach (var participant in state.Conversation.Participants)
                {
                    var read = state.ReadPositions.GetValueOrDefault(participant.UserId);
                    var delivered = Math.Max(read, _delivered.GetValueOrDefault((conversationId, participant.UserId)));
                    if (delivered > 0)
                    {
                        positions.Add(new ReceiptPosition(conversationId, participant.UserId, read, delivered));
                    }
                }
            }

            return Task.FromResult<IReadOnlyList<ReceiptPosition>>(positions);
        }
    }

    /// <inheritdoc/>
    public Task<Conversation?> UpdateConversationAsync(string conversationId, ConversationChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_gate)
        {
            if (!_conversations.TryGetValue(conversationId, out var state))
            {
                return Task.FromResult<Conversation?>(null);
            }

            var conversation = state.Conversation;
            state.Conversation = conversation with
            {
                Name = change.Name ?? conversation.Name,
                Metadata = change.SetMetadata ? change.Metadata : conversation.Metadata,
            };
            return Task.FromResult<Conversation?>(state.Conversation);
        }
    }

    /// <inheritdoc/>
    public Task<RoleChangeResult> ChangeRoleAsync(string conversationId, string actorId, string userId, ParticipantRole role, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_conversations.TryGetValue(conversationId, out var state) || state.Conversation.FindParticipant(actorId) is not { } actor)
            {
                return Task.FromResult(new RoleChangeResult(RoleChangeOutcome.NotFound, state?.Conversation));
            }

            var conversation = state.Conversation;
            var outcome = RoleChangeRules.Decide(actor, conversation.FindParticipant(userId), role);
            if (outcome == RoleChangeOutcome.Changed)
            {
                state.Conversation = conversation with { Participants = [.. conversation.Participants.Select(p => RoleChangeRules.Apply(p, actorId, userId, role))] };
            }

            return Task.FromResult(new RoleChangeResult(outcome, state.Conversation));
        }
    }

    /// <inheritdoc/>
    public Task<Conversation?> RemoveParticipantPassingOwnershipAsync(string conversationId, string userId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_conversations.TryGetValue(conversationId, out var state))
            {
                return Task.FromResult<Conversation?>(null);
            }

            var participants = state.Conversation.Participants;
            var successor = state.Conversation.FindParticipant(userId)?.Role == ParticipantRole.Owner ? IChatStore.Successor(participants, userId) : null;
            return RemoveParticipantAsync(conversationId, userId, successor, cancellationToken);
        }
    }
}
