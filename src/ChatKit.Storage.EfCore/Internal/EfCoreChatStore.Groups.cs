using Microsoft.EntityFrameworkCore;
using static ChatKit.Storage.EfCore.Internal.Mapping;

namespace ChatKit.Storage.EfCore.Internal;

// v2 members: delivery positions and group administration. Role changes and removals that pass ownership on run in one
// transaction that first takes the conversation's membership lock (the same one adding and removing participants take),
// so they apply one after another on every node: the owner leaving and the owner transferring ownership never interleave.
internal sealed partial class EfCoreChatStore
{
    /// <inheritdoc/>
    public Task<long?> AdvanceDeliveryPositionAsync(string conversationId, string userId, long seq, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(userId);
        return WriteAsync(
            async (db, ct) =>
            {
                if (seq <= 0)
                {
                    return null;
                }

                var moved = await db.Database
                    .SqlQueryRaw<long>(Sql(db).AdvanceDelivery, conversationId, userId, seq)
                    .ToListAsync(ct)
                    .ConfigureAwait(false);
                return moved.Count > 0 ? moved[0] : (long?)null;
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<ReceiptPosition>> GetReceiptPositionsAsync(IReadOnlyList<string> conversationIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversationIds);
        var ids = conversationIds.Distinct(StringComparer.Ordinal).ToList();
        return ReadAsync(
            async (db, ct) =>
            {
                if (ids.Count == 0)
                {
                    return (IReadOnlyList<ReceiptPosition>)[];
                }

                // One query, by the primary key's leading column.
                var rows = await db.Set<ReadPositionEntity>().AsNoTracking()
                    .Where(r => ids.Contains(r.ConversationId))
                    .ToListAsync(ct)
                    .ConfigureAwait(false);
                return [.. rows.Select(r => new ReceiptPosition(r.ConversationId, r.UserId, r.Seq, Math.Max(r.Seq, r.DeliveredSeq)))];
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<Conversation?> UpdateConversationAsync(string conversationId, ConversationChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(change);
        return WriteAsync(
            async (db, ct) =>
            {
                var name = change.Name;
                var metadata = change.Metadata;
                var set = change.SetMetadata;
                await db.Set<ConversationEntity>()
                    .Where(c => c.Id == conversationId)
                    .ExecuteUpdateAsync(
                        s => s.SetProperty(c => c.Name, c => name ?? c.Name).SetProperty(c => c.Metadata, c => set ? metadata : c.Metadata),
                        ct)
                    .ConfigureAwait(false);
                var entity = await Conversations(db).Include(c => c.Participants)
                    .SingleOrDefaultAsync(c => c.Id == conversationId, ct).ConfigureAwait(false);
                return entity is null ? null : ToModel(entity, entity.Participants);
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<RoleChangeResult> ChangeRoleAsync(string conversationId, string actorId, string userId, ParticipantRole role, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(actorId);
        ArgumentNullException.ThrowIfNull(userId);
        return UnderMembershipLockAsync(
            conversationId,
            async (db, conversation, ct) =>
            {
                if (conversation?.FindParticipant(actorId) is not { } actor)
                {
                    return new RoleChangeResult(RoleChangeOutcome.NotFound, conversation);
                }

                var outcome = RoleChangeRules.Decide(actor, conversation.FindParticipant(userId), role);
                if (outcome != RoleChangeOutcome.Changed)
                {
                    return new RoleChangeResult(outcome, conversation);
                }

                await SetRoleAsync(db, conversationId, userId, role, ct).ConfigureAwait(false);
                if (role == ParticipantRole.Owner)
                {
                    await SetRoleAsync(db, conversationId, actorId, ParticipantRole.Admin, ct).ConfigureAwait(false);
                }

                return new RoleChangeResult(
                    RoleChangeOutcome.Changed,
                    conversation with { Participants = [.. conversation.Participants.Select(p => RoleChangeRules.Apply(p, actorId, userId, role))] });
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<Conversation?> RemoveParticipantPassingOwnershipAsync(string conversationId, string userId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(userId);
        return UnderMembershipLockAsync(
            conversationId,
            async (db, conversation, ct) =>
            {
                if (conversation is null)
                {
                    return null;
                }

                var successor = conversation.FindParticipant(userId)?.Role == ParticipantRole.Owner
                    ? IChatStore.Successor(conversation.Participants, userId)
                    : null;
                await db.Set<ParticipantEntity>()
                    .Where(p => p.ConversationId == conversationId && p.UserId == userId)
                    .ExecuteDeleteAsync(ct)
                    .ConfigureAwait(false);
                if (successor is not null)
                {
                    await SetRoleAsync(db, conversationId, successor, ParticipantRole.Owner, ct).ConfigureAwait(false);
                }

                return conversation with
                {
                    Participants = [.. conversation.Participants
                        .Where(p => p.UserId != userId)
                        .Select(p => p.UserId == successor ? p with { Role = ParticipantRole.Owner } : p)],
                };
            },
            cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="change"/> in a transaction that first locks the conversation's membership, with the
    /// conversation as it is under that lock (<see langword="null"/> when it does not exist), and commits.
    /// </summary>
    private Task<T> UnderMembershipLockAsync<T>(string conversationId, Func<DbContext, Conversation?, CancellationToken, Task<T>> change, CancellationToken cancellationToken) =>
        WriteAsync(
            async (db, ct) =>
            {
                var transaction = await BeginOrJoinAsync(db, ct).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    var counters = await db.Database
                        .SqlQueryRaw<long>(Sql(db).LockMembership, conversationId, 0L)
                        .ToListAsync(ct)
                        .ConfigureAwait(false);
                    Conversation? conversation = null;
                    if (counters.Count > 0)
                    {
                        var entity = await Conversations(db).Include(c => c.Participants)
                            .SingleAsync(c => c.Id == conversationId, ct).ConfigureAwait(false);
                        conversation = ToModel(entity, entity.Participants);
                    }

                    var result = await change(db, conversation, ct).ConfigureAwait(false);
                    await transaction.CommitAsync(ct).ConfigureAwait(false);
                    return result;
                }
            },
            cancellationToken);

    private static Task<int> SetRoleAsync(DbContext db, string conversationId, string userId, ParticipantRole role, CancellationToken ct) =>
        db.Set<ParticipantEntity>()
            .Where(p => p.ConversationId == conversationId && p.UserId == userId)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.Role, role), ct);
}
