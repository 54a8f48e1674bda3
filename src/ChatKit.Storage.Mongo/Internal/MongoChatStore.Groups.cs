using MongoDB.Driver;

namespace ChatKit.Storage.Mongo.Internal;

// v2 members: delivery positions and group administration. A role change and a removal that passes ownership on are
// compare-and-set updates of the conversation document: the new participants array is written only where the array is
// still the one the decision was made from, and retried from a fresh read otherwise. So concurrent membership changes
// (on any node) apply one after another, and a group never ends with two owners or none.
internal sealed partial class MongoChatStore
{
    /// <summary>How many times a compare-and-set of the participants is tried before giving up.</summary>
    private const int MaxCompareAndSetAttempts = 20;

    /// <inheritdoc/>
    public async Task<long?> AdvanceDeliveryPositionAsync(string conversationId, string userId, long seq, CancellationToken cancellationToken)
    {
        if (seq <= 0)
        {
            return null;
        }

        var filter = Builders<ReadPositionDocument>.Filter;
        var movable = filter.And(
            MongoDefinitions.ReadPositionOf(conversationId, userId),
            filter.Lt(r => r.Seq, seq),
            filter.Not(filter.Gte(r => r.DeliveredSeq, seq)));
        var update = Builders<ReadPositionDocument>.Update.Set(r => r.DeliveredSeq, seq).SetOnInsert(r => r.Seq, 0L);
        try
        {
            // Upsert on the condition: a position at or beyond seq matches nothing, and the insert the upsert then tries
            // is refused by the unique (user, conversation) index, which means "did not move".
            await _context.ReadPositions.UpdateOneAsync(movable, update, new UpdateOptions { IsUpsert = true }, cancellationToken).ConfigureAwait(false);
            return seq;
        }
        catch (MongoException exception) when (MongoErrors.IsDuplicateKey(exception))
        {
            return null;
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<ReceiptPosition>> GetReceiptPositionsAsync(IReadOnlyList<string> conversationIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversationIds);
        if (conversationIds.Count == 0)
        {
            return [];
        }

        var rows = await _context.ReadPositions.Find(Builders<ReadPositionDocument>.Filter.In(r => r.ConversationId, conversationIds.Distinct(StringComparer.Ordinal)))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(r => new ReceiptPosition(r.ConversationId, r.UserId, r.Seq, Math.Max(r.Seq, r.DeliveredSeq)))];
    }

    /// <inheritdoc/>
    public async Task<Conversation?> UpdateConversationAsync(string conversationId, ConversationChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        var updates = new List<UpdateDefinition<ConversationDocument>>();
        var update = Builders<ConversationDocument>.Update;
        if (change.Name is not null)
        {
            updates.Add(update.Set(c => c.Name, change.Name));
        }

        if (change.SetMetadata)
        {
            updates.Add(change.Metadata is null ? update.Unset(c => c.Metadata) : update.Set(c => c.Metadata, change.Metadata));
        }

        var document = updates.Count == 0
            ? await _context.Conversations.Find(MongoDefinitions.ConversationById(conversationId)).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false)
            : await _context.Conversations.FindOneAndUpdateAsync(
                MongoDefinitions.ConversationById(conversationId),
                update.Combine(updates),
                new FindOneAndUpdateOptions<ConversationDocument> { ReturnDocument = ReturnDocument.After },
                cancellationToken).ConfigureAwait(false);
        return document is null ? null : DocumentMapper.ToModel(document);
    }

    /// <inheritdoc/>
    public Task<RoleChangeResult> ChangeRoleAsync(string conversationId, string actorId, string userId, ParticipantRole role, CancellationToken cancellationToken) =>
        CompareAndSetParticipantsAsync(
            conversationId,
            conversation =>
            {
                if (conversation?.FindParticipant(actorId) is not { } actor)
                {
                    return (new RoleChangeResult(RoleChangeOutcome.NotFound, conversation), null);
                }

                var outcome = RoleChangeRules.Decide(actor, conversation.FindParticipant(userId), role);
                if (outcome != RoleChangeOutcome.Changed)
                {
                    return (new RoleChangeResult(outcome, conversation), null);
                }

                var changed = conversation with { Participants = [.. conversation.Participants.Select(p => RoleChangeRules.Apply(p, actorId, userId, role))] };
                return (new RoleChangeResult(RoleChangeOutcome.Changed, changed), changed.Participants);
            },
            cancellationToken);

    /// <inheritdoc/>
    public Task<Conversation?> RemoveParticipantPassingOwnershipAsync(string conversationId, string userId, CancellationToken cancellationToken) =>
        CompareAndSetParticipantsAsync<Conversation?>(
            conversationId,
            conversation =>
            {
                if (conversation is null || !conversation.HasParticipant(userId))
                {
                    return (conversation, null);
                }

                var successor = conversation.FindParticipant(userId)!.Role == ParticipantRole.Owner
                    ? IChatStore.Successor(conversation.Participants, userId)
                    : null;
                var changed = conversation with
                {
                    Participants = [.. conversation.Participants
                        .Where(p => p.UserId != userId)
                        .Select(p => p.UserId == successor ? p with { Role = ParticipantRole.Owner } : p)],
                };
                return (changed, changed.Participants);
            },
            cancellationToken);

    /// <summary>
    /// Reads the conversation, lets <paramref name="decide"/> compute the result and the new participants (none: nothing
    /// to write), and writes them only if the participants are still those it read; otherwise reads again.
    /// </summary>
    private async Task<T> CompareAndSetParticipantsAsync<T>(
        string conversationId, Func<Conversation?, (T Result, IReadOnlyList<Participant>? Participants)> decide, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var document = await _context.Conversations.Find(MongoDefinitions.ConversationById(conversationId)).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
            var (result, participants) = decide(document is null ? null : DocumentMapper.ToModel(document));
            if (document is null || participants is null)
            {
                return result;
            }

            var filter = Builders<ConversationDocument>.Filter;
            var unchanged = filter.And(MongoDefinitions.ConversationById(conversationId), filter.Eq(c => c.Participants, document.Participants));
            var written = await _context.Conversations.UpdateOneAsync(
                unchanged,
                Builders<ConversationDocument>.Update.Set(c => c.Participants, [.. participants.Select(DocumentMapper.ToDocument)]),
                cancellationToken: cancellationToken).ConfigureAwait(false);
            if (written.ModifiedCount == 1)
            {
                return result;
            }

            if (attempt == MaxCompareAndSetAttempts)
            {
                // Bounded: a participants array that never compares equal (say, elements this version does not know)
                // must not spin for ever.
                throw new InvalidOperationException($"The participants of conversation {conversationId} changed under {MaxCompareAndSetAttempts} attempts in a row; nothing was written.");
            }
        }
    }
}
