using System.Globalization;
using System.Text;

namespace ChatKit.Storage.EfCore.Internal;

// The group append's participant read, through this node's ParticipantCache. The read is a statement of the group's
// first command, after the lock statements, so it sees the conversations as they are under their locks. For a conversation
// this node has cached, it reads the participant rows only when the locked counter differs from the cached one (the
// condition is evaluated by the database, in the same statement); the answer then uses the rows read, or the cached copy
// when the counters match. Either way the participants are those under the lock: a removal committed on any node has
// raised the counter, so its member is neither let send nor addressed.
internal sealed partial class EfCoreChatStore
{
    /// <summary>How many appends answered from the cache and how many read the participants (for tests).</summary>
    internal (long Hits, long Reads) ParticipantCacheUse => (Volatile.Read(ref _participantCacheHits), Volatile.Read(ref _participantReads));

    private long _participantCacheHits;
    private long _participantReads;

    /// <summary>
    /// Appends the participant read: every participant of an uncached conversation, and of a cached one only when its
    /// counter (locked by the statements before) is not the cached counter. The conversation ids are the command's first
    /// parameters, in <paramref name="conversationIds"/> order.
    /// </summary>
    private static void AppendParticipantRead(
        StringBuilder sql, List<object?> args, AppendNames names, List<string> conversationIds, ParticipantCache cache, GroupRead read)
    {
        var conditions = new List<string>(conversationIds.Count);
        for (var i = 0; i < conversationIds.Count; i++)
        {
            var id = "{" + i.ToString(CultureInfo.InvariantCulture) + "}";
            var cached = cache.Find(conversationIds[i]);
            if (cached is null)
            {
                conditions.Add($"p.{names.ParticipantConversationId} = {id}");
                continue;
            }

            read.Cached[conversationIds[i]] = cached;
            conditions.Add(
                $"(p.{names.ParticipantConversationId} = {id} AND EXISTS (SELECT 1 FROM {names.ConversationTable} c "
                + $"WHERE c.{names.ConversationId} = {id} AND c.{names.ParticipantCounter} <> {Arg(args, cached.Counter)}))");
        }

        sql.Append(CultureInfo.InvariantCulture, $"SELECT p.{names.ParticipantConversationId} AS ck_member_conversation, p.{names.ParticipantUserId} AS ck_member_user ")
           .Append(CultureInfo.InvariantCulture, $"FROM {names.ParticipantTable} p WHERE ")
           .AppendJoin(" OR ", conditions)
           .Append(";\n");
    }

    /// <summary>Sets each locked conversation's participants from the rows read or the cached copy, and caches what was read.</summary>
    private void ResolveParticipants(GroupRead read, ParticipantCache cache)
    {
        foreach (var (id, conversation) in read.Conversations)
        {
            if (read.Cached.TryGetValue(id, out var cached) && cached.Counter == conversation.ParticipantCounter)
            {
                // The database found the counter unchanged, so it read no rows: the cached copy is the current membership.
                conversation.ParticipantIds = cached.ParticipantIds;
                Interlocked.Increment(ref _participantCacheHits);
                continue;
            }

            var ids = conversation.ReadParticipants.ToArray();
            conversation.ParticipantIds = ids;
            cache.Remember(id, conversation.ParticipantCounter, ids);
            Interlocked.Increment(ref _participantReads);
        }
    }
}
