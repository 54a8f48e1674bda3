using Microsoft.EntityFrameworkCore;

namespace ChatKit.Storage.EfCore.Internal;

// A participant's mute: the participant row's muted_until column (added to older databases by the schema upgrade).
internal sealed partial class EfCoreChatStore
{
    /// <inheritdoc/>
    public Task<Conversation?> SetParticipantMuteAsync(string conversationId, string userId, DateTimeOffset? mutedUntil, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(userId);
        var value = Mapping.ToStore(mutedUntil);
        return WriteAsync(
            async (db, ct) =>
            {
                // One UPDATE of one row: atomic, and it touches nothing else (not the conversation's activity or counters).
                var changed = await db.Set<ParticipantEntity>()
                    .Where(p => p.ConversationId == conversationId && p.UserId == userId)
                    .ExecuteUpdateAsync(s => s.SetProperty(p => p.MutedUntil, value), ct)
                    .ConfigureAwait(false);
                if (changed == 0)
                {
                    return null;
                }

                var entity = await Conversations(db).Include(c => c.Participants)
                    .SingleOrDefaultAsync(c => c.Id == conversationId, ct).ConfigureAwait(false);
                return entity is null ? null : Mapping.ToModel(entity, entity.Participants);
            },
            cancellationToken);
    }
}
