using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;

namespace ChatKit.Storage.EfCore.Internal;

// The group append's participant read, through this node's ParticipantCache. The group's first command locks its
// conversations, returning each one's participant counter, and reads the participants of the conversations this node has
// not cached. A cached conversation whose locked counter is the cached one has the cached participants (no membership
// change committed since, on any node: each raises the counter under the same lock); one whose counter moved has its
// participants read again by a second command, still under the lock. Either way the participants are those under the
// lock: a removed member is neither let send nor addressed once the removal committed.
internal sealed partial class EfCoreChatStore
{
    /// <summary>How many appends answered from the cache and how many read the participants (for tests).</summary>
    internal (long Hits, long Reads) ParticipantCacheUse => (Volatile.Read(ref _participantCacheHits), Volatile.Read(ref _participantReads));

    private long _participantCacheHits;
    private long _participantReads;

    /// <summary>
    /// Appends the participant read of the conversations this node has not cached (nothing when it has them all). The
    /// conversation ids are the command's first parameters, in <paramref name="conversationIds"/> order.
    /// </summary>
    private static void AppendParticipantRead(
        StringBuilder sql, AppendNames names, List<string> conversationIds, ParticipantCache cache, GroupRead read)
    {
        var uncached = new List<string>(conversationIds.Count);
        for (var i = 0; i < conversationIds.Count; i++)
        {
            if (cache.Find(conversationIds[i]) is { } cached)
            {
                read.Cached[conversationIds[i]] = cached;
            }
            else
            {
                uncached.Add("{" + i.ToString(CultureInfo.InvariantCulture) + "}");
            }
        }

        if (uncached.Count > 0)
        {
            AppendParticipantSelect(sql, names, string.Join(", ", uncached));
        }
    }

    private static void AppendParticipantSelect(StringBuilder sql, AppendNames names, string inConversations) =>
        sql.Append(CultureInfo.InvariantCulture, $"SELECT {names.ParticipantConversationId} AS ck_member_conversation, {names.ParticipantUserId} AS ck_member_user ")
           .Append(CultureInfo.InvariantCulture, $"FROM {names.ParticipantTable} WHERE {names.ParticipantConversationId} IN ({inConversations});\n");

    /// <summary>
    /// Sets each locked conversation's participants: the cached copy at an unchanged counter, otherwise the rows read
    /// (read now, under the lock, for a cached conversation whose counter moved), which are then cached.
    /// </summary>
    private async Task ResolveParticipantsAsync(DbContext db, AppendNames names, GroupRead read, ParticipantCache cache, CancellationToken ct)
    {
        var stale = new List<LockedConversation>();
        foreach (var (id, conversation) in read.Conversations)
        {
            if (!read.Cached.TryGetValue(id, out var cached))
            {
                continue;
            }

            if (cached.Counter == conversation.ParticipantCounter)
            {
                conversation.ParticipantIds = cached.ParticipantIds;
                conversation.Cached = cached;
                Interlocked.Increment(ref _participantCacheHits);
            }
            else
            {
                stale.Add(conversation);
            }
        }

        if (stale.Count > 0)
        {
            await ReadParticipantsAsync(db, names, read, [.. read.Conversations.Where(c => stale.Contains(c.Value)).Select(c => c.Key)], ct).ConfigureAwait(false);
        }

        foreach (var (id, conversation) in read.Conversations)
        {
            if (read.Cached.ContainsKey(id) && !stale.Contains(conversation))
            {
                continue;
            }

            string[] ids = [.. conversation.ReadParticipants];
            conversation.ParticipantIds = ids;
            conversation.Cached = cache.Remember(id, conversation.ParticipantCounter, ids);
            Interlocked.Increment(ref _participantReads);
        }
    }

    private static async Task ReadParticipantsAsync(DbContext db, AppendNames names, GroupRead read, List<string> conversationIds, CancellationToken ct)
    {
        var sql = new StringBuilder();
        var args = new List<object?>();
        AppendParticipantSelect(sql, names, string.Join(", ", conversationIds.Select(id => Arg(args, id))));
        var command = BuildCommand(db, sql.ToString(), args);
        var reader = await command.RelationalCommand.ExecuteReaderAsync(Parameters(db, command), ct).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.DbDataReader.ReadAsync(ct).ConfigureAwait(false))
            {
                read.Conversations[reader.DbDataReader.GetString(0)].ReadParticipants.Add(reader.DbDataReader.GetString(1));
            }
        }
    }
}
