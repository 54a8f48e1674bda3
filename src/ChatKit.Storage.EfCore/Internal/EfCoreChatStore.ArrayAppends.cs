using System.Globalization;
using System.Text;
using static ChatKit.Storage.EfCore.Internal.Mapping;

namespace ChatKit.Storage.EfCore.Internal;

// The append group's statements on PostgreSQL. They do what the inline statements of EfCoreChatStore.Appends.cs do, in
// the same order and under the same locks, but take every value as an array parameter (unnest, = ANY), so each
// statement has one text whatever the group holds: 1 message or 256, 1 conversation or 20. A statement of one text is
// parsed and planned once per connection and then executed from its prepared form (PreparingCommandInterceptor on
// ChatKit's own context; Npgsql's Max Auto Prepare does the same for a host's context), where statements whose text
// changes with every group were parsed and planned by PostgreSQL each time: about 40 % of its CPU per message in the
// benchmark (docs/benchmarks.md).
//
// Lock order is kept: the advisory locks are taken in the order of the (ordinally sorted) id array, one row of unnest
// after the other, before any row lock; read positions are upserted in (conversation, user) order.
internal sealed partial class EfCoreChatStore
{
    /// <summary>Marks a command whose statements have fixed texts, so ChatKit's own context prepares it.</summary>
    internal const string PreparedMarker = "/* chatkit:prepare */ ";

    /// <summary>The group's first command with array parameters: advisory locks, row locks, participants, stored tempIds.</summary>
    private static void AppendArrayLockAndRead(
        StringBuilder sql, List<object?> args, AppendNames names, List<PendingAppend> group, List<string> conversationIds, ParticipantCache cache, GroupRead read)
    {
        sql.Insert(0, PreparedMarker);

        // A prepared statement is planned afresh at each execution while PostgreSQL finds its plans for the values at
        // hand cheaper than its generic plan, which it does for array parameters (it knows their lengths then): the
        // group's statements would be parsed once but still planned every time. Their generic plans are the right ones
        // (index probes), so this transaction, and only it, uses them.
        sql.Append("SET LOCAL plan_cache_mode = force_generic_plan;\n");
        var ids = Arg(args, conversationIds.ToArray());
        if (names.Events.LockConversation is { } lockSql)
        {
            // unnest yields the array's order and the target list is evaluated row by row: locks in id order.
            sql.Append(lockSql.Replace("{0}", "k.id", StringComparison.Ordinal))
               .Append(CultureInfo.InvariantCulture, $" FROM unnest({ids}::text[]) AS k(id);\n");
        }

        sql.Append(CultureInfo.InvariantCulture, $"UPDATE {names.ConversationTable} SET {names.LastSeq} = {names.LastSeq} WHERE {names.ConversationId} = ANY({ids}) ")
           .Append(CultureInfo.InvariantCulture, $"RETURNING {names.ConversationId} AS ck_lock_id, {names.LastSeq} AS ck_lock_seq, {names.ConversationType} AS ck_lock_type, ")
           .Append(CultureInfo.InvariantCulture, $"{names.ParticipantCounter} AS ck_lock_counter;\n");

        var uncached = new List<string>(conversationIds.Count);
        foreach (var id in conversationIds)
        {
            if (cache.Find(id) is { } cached)
            {
                read.Cached[id] = cached;
            }
            else
            {
                uncached.Add(id);
            }
        }

        if (uncached.Count > 0)
        {
            sql.Append(CultureInfo.InvariantCulture, $"SELECT {names.ParticipantConversationId} AS ck_member_conversation, {names.ParticipantUserId} AS ck_member_user ")
               .Append(CultureInfo.InvariantCulture, $"FROM {names.ParticipantTable} WHERE {names.ParticipantConversationId} = ANY({Arg(args, uncached.ToArray())});\n");
        }

        var tempKeys = TempKeys(group);
        if (tempKeys.Count > 0)
        {
            // One index probe per key, as the inline statement's ORs.
            var columns = names.MessageColumns;
            sql.Append(CultureInfo.InvariantCulture, $"SELECT m.{columns[0]} AS ck_message_id, {string.Join(", ", columns.Skip(1).Select(c => "m." + c))} FROM {names.MessageTable} AS m ")
               .Append(CultureInfo.InvariantCulture, $"JOIN unnest({Arg(args, tempKeys.Select(k => k.ConversationId).ToArray())}::text[], {Arg(args, tempKeys.Select(k => k.SenderId).ToArray())}::text[], ")
               .Append(CultureInfo.InvariantCulture, $"{Arg(args, tempKeys.Select(k => k.TempId).ToArray())}::text[]) AS k(c, s, t) ")
               .Append(CultureInfo.InvariantCulture, $"ON m.{columns[1]} = k.c AND m.{columns[3]} = k.s AND m.{columns[7]} = k.t;\n");
        }
    }

    /// <summary>The group's write statements with array parameters: last seqs, messages, read positions, events.</summary>
    private static void AppendArrayWrites(StringBuilder sql, List<object?> args, AppendNames names, List<(int Index, MessageEntity Entity)> toStore, GroupRead read)
    {
        sql.Insert(0, PreparedMarker);
        var conversations = toStore
            .GroupBy(e => e.Entity.ConversationId, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (Id: g.Key, Seq: g.Max(e => e.Entity.Seq), At: g.Max(e => e.Entity.CreatedAt)))
            .ToList();
        sql.Append(CultureInfo.InvariantCulture, $"UPDATE {names.ConversationTable} AS c SET {names.LastSeq} = v.seq, {names.LastActivityAt} = v.at ")
           .Append(CultureInfo.InvariantCulture, $"FROM unnest({Arg(args, conversations.Select(c => c.Id).ToArray())}::text[], {Arg(args, conversations.Select(c => c.Seq).ToArray())}::bigint[], ")
           .Append(CultureInfo.InvariantCulture, $"{Arg(args, conversations.Select(c => c.At).ToArray())}::bigint[]) AS v(id, seq, at) WHERE c.{names.ConversationId} = v.id;\n");

        var messages = toStore.Select(e => e.Entity).ToList();
        var typeType = names.MessageTypeConverter?.ProviderClrType ?? Enum.GetUnderlyingType(typeof(MessageType));
        var types = Array.CreateInstance(typeType, messages.Count);
        for (var i = 0; i < messages.Count; i++)
        {
            types.SetValue(names.MessageTypeConverter?.ConvertToProvider(messages[i].Type) ?? Convert.ChangeType(messages[i].Type, typeType, CultureInfo.InvariantCulture), i);
        }

        string Texts(Func<MessageEntity, string?> value) => Arg(args, messages.Select(value).ToArray()) + "::text[]";
        string Numbers(Func<MessageEntity, long?> value) => Arg(args, messages.Select(value).ToArray()) + "::bigint[]";
        sql.Append(CultureInfo.InvariantCulture, $"INSERT INTO {names.MessageTable} ({string.Join(", ", names.MessageColumns)}) SELECT * FROM unnest(")
           .AppendJoin(", ", [Texts(m => m.Id), Texts(m => m.ConversationId), Numbers(m => m.Seq), Texts(m => m.SenderId), Texts(m => m.SenderName), Texts(m => m.Content),
               Arg(args, types), Texts(m => m.TempId), Numbers(m => m.CreatedAt), Numbers(m => m.EditedAt), Numbers(m => m.DeletedAt),
               Texts(m => m.Metadata), Texts(m => m.System), Texts(m => m.ReplyToId), Texts(m => m.Mentions), Texts(m => m.Attachments)])
           .Append(");\n");

        // Sending moves each sender's own read position to their last message of the group (never lowers it).
        var positions = toStore
            .GroupBy(e => (e.Entity.ConversationId, e.Entity.SenderId))
            .OrderBy(g => g.Key.ConversationId, StringComparer.Ordinal)
            .ThenBy(g => g.Key.SenderId, StringComparer.Ordinal)
            .Select(g => (g.Key.ConversationId, g.Key.SenderId, Seq: g.Max(e => e.Entity.Seq)))
            .ToList();
        sql.Append(CultureInfo.InvariantCulture, $"INSERT INTO {names.ReadPositionTable} AS r ({names.ReadPositionConversationId}, {names.ReadPositionUserId}, {names.ReadPositionSeq}) ")
           .Append(CultureInfo.InvariantCulture, $"SELECT * FROM unnest({Arg(args, positions.Select(p => p.ConversationId).ToArray())}::text[], {Arg(args, positions.Select(p => p.SenderId).ToArray())}::text[], ")
           .Append(CultureInfo.InvariantCulture, $"{Arg(args, positions.Select(p => p.Seq).ToArray())}::bigint[]) ")
           .Append(CultureInfo.InvariantCulture, $"ON CONFLICT ({names.ReadPositionConversationId}, {names.ReadPositionUserId}) DO UPDATE SET {names.ReadPositionSeq} = excluded.{names.ReadPositionSeq} ")
           .Append(CultureInfo.InvariantCulture, $"WHERE r.{names.ReadPositionSeq} < excluded.{names.ReadPositionSeq};\n");

        // The audience of each conversation at its locked participant counter, unless this node stored it already (a
        // steady room writes none), then one newMessage event row per message, under the message's id, naming it.
        var events = names.Events;
        var audiences = toStore
            .DistinctBy(e => e.Entity.ConversationId, StringComparer.Ordinal)
            .Select(e => (e.Entity.ConversationId, e.Entity.CreatedAt, Conversation: read.Conversations[e.Entity.ConversationId]))
            .Where(a => a.Conversation.Cached is not { AudienceStored: true })
            .ToList();
        if (audiences.Count > 0)
        {
            sql.Append(events.InsertAudience.AsSpan(0, events.InsertAudience.Length - "VALUES ".Length))
               .Append(CultureInfo.InvariantCulture, $"SELECT * FROM unnest({Arg(args, audiences.Select(a => a.ConversationId).ToArray())}::text[], ")
               .Append(CultureInfo.InvariantCulture, $"{Arg(args, audiences.Select(a => a.Conversation.ParticipantCounter).ToArray())}::bigint[], ")
               .Append(CultureInfo.InvariantCulture, $"{Arg(args, audiences.Select(a => ChatEventJson.SerializeUserIds(a.Conversation.ParticipantIds)).ToArray())}::text[], ")
               .Append(CultureInfo.InvariantCulture, $"{Arg(args, audiences.Select(a => a.CreatedAt).ToArray())}::bigint[])")
               .Append(events.InsertAudienceEnd)
               .Append(";\n");
        }

        sql.Append(events.Insert.AsSpan(0, events.Insert.Length - "VALUES ".Length))
           .Append(CultureInfo.InvariantCulture, $"SELECT {events.Tx}, e.id, e.conversation, 'newMessage', NULL, '', e.at, e.audience FROM unnest(")
           .Append(CultureInfo.InvariantCulture, $"{Texts(m => m.Id)}, {Texts(m => m.ConversationId)}, {Numbers(m => m.CreatedAt)}, ")
           .Append(CultureInfo.InvariantCulture, $"{Arg(args, messages.Select(m => read.Conversations[m.ConversationId].ParticipantCounter).ToArray())}::bigint[]) AS e(id, conversation, at, audience);\n");
    }
}
