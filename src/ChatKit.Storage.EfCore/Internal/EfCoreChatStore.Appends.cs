using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using static ChatKit.Storage.EfCore.Internal.Mapping;

namespace ChatKit.Storage.EfCore.Internal;

// Group commit. Appends wait in a bounded queue; a writer takes what is queued (up to MaxGroupSize) and writes it as
// one transaction of two commands and a commit, whatever the group holds:
//   1. lock every conversation of the group (in ordinal id order), then, under those locks, read their participants and
//      the messages already stored with the group's tempIds;
//   2. set each conversation's last seq, insert every new message, move each sender's read position (one command);
//   3. commit (one fsync).
// Every caller is answered only after the commit, so nothing is acknowledged before it is durable. Under light load a
// group holds one message and this is the plain path.
//
// Invariants:
// - Membership is checked under the conversation's lock, which membership changes take too: once a removal commits, the
//   removed user's sends are refused; a send that locked first is ordered before the removal.
// - seqs are gapless: they are counted from the locked last seq, for the messages actually inserted, in arrival order.
// - A writer never dies silently: whatever a group throws is given to that group's callers, and a writer that stops
//   for any reason hands the queue to a new writer if anything is left in it. So a queued append is always answered.
// - Row locks are taken in one global order (conversations by ordinal id, then read positions by conversation and
//   user), so two groups (on one node or on two) holding the same conversations cannot deadlock.
// - The queue is bounded (EfCoreChatStoreOptions.MaxQueuedAppends): when it is full, a send waits for room (it can be
//   cancelled by its caller) instead of growing memory without limit while the database falls behind.
internal sealed partial class EfCoreChatStore
{
    /// <summary>The most messages one transaction writes.</summary>
    private const int MaxGroupSize = 256;

    /// <summary>How many groups one node writes at once where the database takes concurrent writers (row locks).</summary>
    private const int MaxConcurrentGroups = 4;

    private readonly Channel<PendingAppend> _appends;

    /// <summary>The participants of conversations this node appended to, checked against the database at each use.</summary>
    private readonly ParticipantCache _participantCache = new();
    private int _writers;

    /// <summary>How many appends wait in the queue now (for tests).</summary>
    internal int QueuedAppends => _appends.Reader.Count;

    /// <inheritdoc/>
    public async Task<StoreResult<ChatMessage>> AppendMessageAsync(ChatMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var answer = await EnqueueAppendAsync(message, checkMembership: false, cancellationToken).ConfigureAwait(false);
        return answer.Result;
    }

    /// <inheritdoc/>
    public async Task<ParticipantAppend?> AppendParticipantMessageAsync(ChatMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var answer = await EnqueueAppendAsync(message, checkMembership: true, cancellationToken).ConfigureAwait(false);
        return answer.IsParticipant ? new ParticipantAppend(answer.Result, answer.ConversationType, answer.ParticipantIds) : null;
    }

    /// <summary>Writes <paramref name="messages"/> as one group, as the queue does under load (for tests).</summary>
    internal async Task<StoreResult<ChatMessage>[]> AppendAsOneGroupAsync(IReadOnlyList<ChatMessage> messages)
    {
        var group = messages.Select(m => new PendingAppend(m, checkMembership: false, CancellationToken.None)).ToList();
        await WriteGroupAsync(group).ConfigureAwait(false);
        var answers = await Task.WhenAll(group.Select(p => p.Answer.Task)).ConfigureAwait(false);
        return [.. answers.Select(a => a.Result)];
    }

    private async Task<AppendAnswer> EnqueueAppendAsync(ChatMessage message, bool checkMembership, CancellationToken cancellationToken)
    {
        ThrowIfRecording();
        var pending = new PendingAppend(message, checkMembership, cancellationToken);
        if (!_appends.Writer.TryWrite(pending))
        {
            // Full: wait for a writer to take a group out (backpressure), unless the caller gives up first.
            StartWriter();
            await _appends.Writer.WriteAsync(pending, cancellationToken).ConfigureAwait(false);
        }

        StartWriter(fromCaller: true);
        return await pending.Answer.Task.ConfigureAwait(false);
    }

    /// <summary>
    /// Starts a writer when the queue holds appends and fewer than the most writers run. A caller starts it on its own
    /// thread where the provider's I/O is asynchronous (the writer leaves that thread at its first round trip), which
    /// saves a thread-pool hand-off per group; on a provider whose async methods run synchronously (SQLite) a caller
    /// must not be held for other callers' groups, so the writer goes to the thread pool, as a hand-over always does.
    /// </summary>
    private void StartWriter(bool fromCaller = false)
    {
        while (true)
        {
            var writers = Volatile.Read(ref _writers);
            if (writers >= _maxWriters || !_appends.Reader.TryPeek(out _))
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _writers, writers + 1, writers) == writers)
            {
                _ = fromCaller && _inlineWriters ? WriteQueueAsync() : Task.Run(WriteQueueAsync);
                return;
            }
        }
    }

    private async Task WriteQueueAsync()
    {
        var group = new List<PendingAppend>(MaxGroupSize);
        try
        {
            while (true)
            {
                while (group.Count < MaxGroupSize && _appends.Reader.TryRead(out var pending))
                {
                    if (pending.CancellationToken.IsCancellationRequested)
                    {
                        pending.Answer.TrySetCanceled(pending.CancellationToken);
                    }
                    else
                    {
                        group.Add(pending);
                    }
                }

                if (group.Count == 0)
                {
                    return;
                }

                await WriteGroupAsync(group).ConfigureAwait(false);
                group.Clear();
            }
        }
        catch (Exception ex)
        {
            // WriteGroupAsync answers its callers whatever happens; this is the last line should that ever fail.
            Log.AppendWriterFailed(_logger, group.Count, ex);
            foreach (var pending in group)
            {
                pending.Answer.TrySetException(new InvalidOperationException("ChatKit's append writer failed; the message was not stored.", ex));
            }
        }
        finally
        {
            // Stop, then hand over to a new writer if an append arrived after our last read (or we failed).
            Interlocked.Decrement(ref _writers);
            StartWriter();
        }
    }

    private async Task WriteGroupAsync(List<PendingAppend> group)
    {
        Outcome[] outcomes;
        try
        {
            // The callers' tokens do not cancel a group: it holds other callers' messages too.
            outcomes = await WriteAsync((db, ct) => AppendGroupAsync(db, group, ct), CancellationToken.None).ConfigureAwait(false);
        }
        catch (DbException ex) when (group.Count > 1 && !ex.IsTransient)
        {
            // The database refused the group's statements (a constraint: a message id that exists, say). Each message
            // then goes alone, so only the one at fault fails.
            await Task.WhenAll(group.Select(p => WriteGroupAsync([p]))).ConfigureAwait(false);
            return;
        }
        catch (Exception ex)
        {
            // Anything else (the database unreachable or busy, a command cancelled by the provider): nothing of the group
            // was committed, and every caller is told so with the cause.
            foreach (var pending in group)
            {
                pending.Answer.TrySetException(ex);
            }

            return;
        }

        for (var i = 0; i < group.Count; i++)
        {
            var outcome = outcomes[i];
            if (outcome.Error is not null)
            {
                group[i].Answer.TrySetException(outcome.Error);
            }
            else
            {
                group[i].Answer.TrySetResult(outcome.Answer);
            }
        }
    }

    private async Task<Outcome[]> AppendGroupAsync(DbContext db, List<PendingAppend> group, CancellationToken ct)
    {
        var names = Sql(db).Append;
        var conversationIds = group.Select(p => p.Message.ConversationId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var transaction = await GroupTransaction.OpenAsync(db, names, ct).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            var read = await LockAndReadAsync(db, names, group, conversationIds, transaction, ct).ConfigureAwait(false);

            var outcomes = new Outcome[group.Count];
            var firstOfKey = new Dictionary<(string Conversation, string Sender, string TempId), int>();
            var repeats = new List<(int Index, int First)>();
            var added = new Dictionary<string, long>(StringComparer.Ordinal);
            var toStore = new List<(int Index, MessageEntity Entity)>(group.Count);
            for (var i = 0; i < group.Count; i++)
            {
                var pending = group[i];
                var message = pending.Message;
                if (!read.Conversations.TryGetValue(message.ConversationId, out var conversation))
                {
                    outcomes[i] = pending.CheckMembership
                        ? new Outcome(AppendAnswer.NotParticipant, null)
                        : new Outcome(default, new InvalidOperationException($"Conversation {message.ConversationId} does not exist."));
                    continue;
                }

                if (pending.CheckMembership && !conversation.ParticipantIds.Contains(message.SenderId, StringComparer.Ordinal))
                {
                    outcomes[i] = new Outcome(AppendAnswer.NotParticipant, null);
                    continue;
                }

                if (message.TempId is not null)
                {
                    // A retry of a send stored already is answered with the first message; a tempId twice in the group is
                    // stored once.
                    var key = (message.ConversationId, message.SenderId, message.TempId);
                    if (read.StoredTempIds.TryGetValue(key, out var earlier))
                    {
                        outcomes[i] = new Outcome(conversation.Answer(new StoreResult<ChatMessage>(earlier, false)), null);
                        continue;
                    }

                    if (firstOfKey.TryGetValue(key, out var first))
                    {
                        repeats.Add((i, first));
                        continue;
                    }

                    firstOfKey[key] = i;
                }

                // seqs follow the locked last seq, in arrival order, counting only what is inserted.
                var count = added.GetValueOrDefault(message.ConversationId) + 1;
                added[message.ConversationId] = count;
                toStore.Add((i, ToEntity(message, conversation.LastSeq + count)));
            }

            if (toStore.Count > 0)
            {
                await WriteMessagesAsync(db, names, toStore, read, transaction, ct).ConfigureAwait(false);
            }
            else
            {
                await transaction.CommitAsync(ct).ConfigureAwait(false);
            }
            foreach (var (index, entity) in toStore)
            {
                outcomes[index] = new Outcome(read.Conversations[entity.ConversationId].Answer(new StoreResult<ChatMessage>(ToModel(entity), true)), null);
            }

            foreach (var (index, first) in repeats)
            {
                var answer = outcomes[first];
                outcomes[index] = answer.Error is not null ? answer : answer with { Answer = answer.Answer with { Result = answer.Answer.Result with { Created = false } } };
            }

            return outcomes;
        }
    }

    /// <summary>
    /// One command: locks the conversations in id order (a no-op update, returning last seq, type and participant
    /// counter), then reads their participants (only where this node's cached copy is not at the counter now locked) and
    /// the messages stored with the group's tempIds, both under those locks.
    /// </summary>
    private async Task<GroupRead> LockAndReadAsync(
        DbContext db, AppendNames names, List<PendingAppend> group, List<string> conversationIds, GroupTransaction transaction, CancellationToken ct)
    {
        var cache = _participantCache;
        var sql = new StringBuilder(transaction.Begin());
        var args = new List<object?>();
        var read = new GroupRead();
        if (names.UsesArrays)
        {
            AppendArrayLockAndRead(sql, args, names, group, conversationIds, cache, read);
        }
        else
        {
            AppendLockAndRead(sql, args, names, group, conversationIds, cache, read);
        }

        var command = BuildCommand(db, sql.ToString(), args);
        var reader = await command.RelationalCommand.ExecuteReaderAsync(Parameters(db, command), ct).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            var data = reader.DbDataReader;
            do
            {
                if (data.FieldCount == 0)
                {
                    continue;
                }

                var kind = data.GetName(0);
                while (await data.ReadAsync(ct).ConfigureAwait(false))
                {
                    if (kind.Equals("ck_lock_id", StringComparison.OrdinalIgnoreCase))
                    {
                        var type = (ConversationType)(names.ConversationTypeConverter?.ConvertFromProvider(data.GetValue(2))
                            ?? Enum.ToObject(typeof(ConversationType), data.GetValue(2)));
                        read.Conversations[data.GetString(0)] = new LockedConversation(data.GetInt64(1), type, data.GetInt64(3));
                    }
                    else if (kind.Equals("ck_member_conversation", StringComparison.OrdinalIgnoreCase))
                    {
                        if (read.Conversations.TryGetValue(data.GetString(0), out var conversation))
                        {
                            conversation.ReadParticipants.Add(data.GetString(1));
                        }
                    }
                    else if (kind.Equals("ck_message_id", StringComparison.OrdinalIgnoreCase))
                    {
                        var entity = ReadMessage(data, names);
                        read.StoredTempIds[(entity.ConversationId, entity.SenderId, entity.TempId!)] = ToModel(entity);
                    }
                }
            }
            while (await data.NextResultAsync(ct).ConfigureAwait(false));
        }

        if (group.Count > 0)
        {
            await ResolveParticipantsAsync(db, names, read, cache, ct).ConfigureAwait(false);
        }

        return read;
    }

    /// <summary>The group's first command, one statement per conversation and values inline (SQLite).</summary>
    private static void AppendLockAndRead(
        StringBuilder sql, List<object?> args, AppendNames names, List<PendingAppend> group, List<string> conversationIds, ParticipantCache cache, GroupRead read)
    {
        AppendConversationLocks(sql, args, names, conversationIds); // first: the ids are {0}…{n-1}, as below
        foreach (var id in conversationIds)
        {
            // A no-op update takes the row lock (and on SQLite starts the write). SELECT … FOR UPDATE was tried on
            // PostgreSQL and measured slower in this harness (docs/benchmarks.md), so both use the update.
            sql.Append(CultureInfo.InvariantCulture, $"UPDATE {names.ConversationTable} SET {names.LastSeq} = {names.LastSeq} WHERE {names.ConversationId} = {Arg(args, id)} ")
               .Append(CultureInfo.InvariantCulture, $"RETURNING {names.ConversationId} AS ck_lock_id, {names.LastSeq} AS ck_lock_seq, {names.ConversationType} AS ck_lock_type, ")
               .Append(CultureInfo.InvariantCulture, $"{names.ParticipantCounter} AS ck_lock_counter;\n");
        }

        // Every append resolves them (warm: from this node's cache): for the membership check, and as the audience of
        // its newMessage event.
        if (group.Count > 0)
        {
            AppendParticipantRead(sql, names, conversationIds, cache, read);
        }

        // The messages stored with the group's tempIds, looked up by their whole key (conversation, sender, tempId), one
        // index probe each: a lookup by conversation and tempId alone reads every message of those conversations (the
        // index leads with the sender after the conversation), so its cost grew with the conversations' history.
        var tempKeys = TempKeys(group);
        if (tempKeys.Count > 0)
        {
            var columns = names.MessageColumns;
            sql.Append(CultureInfo.InvariantCulture, $"SELECT {columns[0]} AS ck_message_id, {string.Join(", ", columns.Skip(1))} FROM {names.MessageTable} WHERE ")
               .AppendJoin(" OR ", tempKeys.Select(k =>
                   $"({columns[1]} = {Arg(args, k.ConversationId)} AND {columns[3]} = {Arg(args, k.SenderId)} AND {columns[7]} = {Arg(args, k.TempId)})"))
               .Append(";\n");
        }

    }

    /// <summary>
    /// One command: the conversations' new last seqs, the messages, the senders' read positions (in lock order), their
    /// newMessage events, and the commit.
    /// </summary>
    private static async Task WriteMessagesAsync(
        DbContext db, AppendNames names, List<(int Index, MessageEntity Entity)> toStore, GroupRead read, GroupTransaction transaction, CancellationToken ct)
    {
        var sql = new StringBuilder();
        var args = new List<object?>();
        if (names.UsesArrays)
        {
            AppendArrayWrites(sql, args, names, toStore, read);
        }
        else
        {
            AppendWrites(sql, args, names, toStore, read);
        }

        sql.Append(GroupTransaction.Commit());
        var command = BuildCommand(db, sql.ToString(), args);
        await command.RelationalCommand.ExecuteNonQueryAsync(Parameters(db, command), ct).ConfigureAwait(false);
        transaction.Committed();
        MarkAudiencesStored(toStore, read);
    }

    /// <summary>The group's write statements with their values inline (SQLite).</summary>
    private static void AppendWrites(StringBuilder sql, List<object?> args, AppendNames names, List<(int Index, MessageEntity Entity)> toStore, GroupRead read)
    {
        foreach (var conversation in toStore.GroupBy(e => e.Entity.ConversationId, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            sql.Append(CultureInfo.InvariantCulture, $"UPDATE {names.ConversationTable} SET {names.LastSeq} = {Arg(args, conversation.Max(e => e.Entity.Seq))}, ")
               .Append(CultureInfo.InvariantCulture, $"{names.LastActivityAt} = {Arg(args, conversation.Max(e => e.Entity.CreatedAt))} WHERE {names.ConversationId} = {Arg(args, conversation.Key)};\n");
        }

        sql.Append(CultureInfo.InvariantCulture, $"INSERT INTO {names.MessageTable} ({string.Join(", ", names.MessageColumns)}) VALUES ");
        for (var i = 0; i < toStore.Count; i++)
        {
            var m = toStore[i].Entity;
            var type = names.MessageTypeConverter?.ConvertToProvider(m.Type) ?? (int)m.Type;
            sql.Append(i == 0 ? "(" : ", (")
               .AppendJoin(", ", [Arg(args, m.Id), Arg(args, m.ConversationId), Arg(args, m.Seq), Arg(args, m.SenderId), Arg(args, m.SenderName), Arg(args, m.Content),
                   Arg(args, type), Arg(args, m.TempId), Arg(args, m.CreatedAt), Arg(args, m.EditedAt), Arg(args, m.DeletedAt),
                   Arg(args, m.Metadata), Arg(args, m.System),
                   Arg(args, m.ReplyToId), Arg(args, m.Mentions), Arg(args, m.Attachments)])
               .Append(')');
        }

        sql.Append(";\n");

        // Sending moves each sender's own read position to their last message of the group (never lowers it).
        var positions = toStore
            .GroupBy(e => (e.Entity.ConversationId, e.Entity.SenderId))
            .OrderBy(g => g.Key.ConversationId, StringComparer.Ordinal)
            .ThenBy(g => g.Key.SenderId, StringComparer.Ordinal)
            .Select(g => $"({Arg(args, g.Key.ConversationId)}, {Arg(args, g.Key.SenderId)}, {Arg(args, g.Max(e => e.Entity.Seq))})");
        sql.Append(CultureInfo.InvariantCulture, $"INSERT INTO {names.ReadPositionTable} AS r ({names.ReadPositionConversationId}, {names.ReadPositionUserId}, {names.ReadPositionSeq}) VALUES ")
           .AppendJoin(", ", positions)
           .Append(CultureInfo.InvariantCulture, $" ON CONFLICT ({names.ReadPositionConversationId}, {names.ReadPositionUserId}) DO UPDATE SET {names.ReadPositionSeq} = excluded.{names.ReadPositionSeq} ")
           .Append(CultureInfo.InvariantCulture, $"WHERE r.{names.ReadPositionSeq} < excluded.{names.ReadPositionSeq};\n");
        AppendNewMessageEvents(sql, args, names, toStore, read);
        sql.Append('\n');
    }

    /// <summary>The distinct (conversation, sender, tempId) keys of the group's messages that carry a tempId.</summary>
    private static List<(string ConversationId, string SenderId, string TempId)> TempKeys(List<PendingAppend> group) =>
        [.. group
            .Where(p => p.Message.TempId is not null)
            .Select(p => (p.Message.ConversationId, p.Message.SenderId, TempId: p.Message.TempId!))
            .Distinct()];

    private static MessageEntity ReadMessage(DbDataReader data, AppendNames names) => new()
    {
        Id = data.GetString(0),
        ConversationId = data.GetString(1),
        Seq = data.GetInt64(2),
        SenderId = data.GetString(3),
        SenderName = data.GetString(4),
        Content = data.GetString(5),
        Type = (MessageType)(names.MessageTypeConverter?.ConvertFromProvider(data.GetValue(6)) ?? Enum.ToObject(typeof(MessageType), data.GetValue(6))),
        TempId = data.IsDBNull(7) ? null : data.GetString(7),
        CreatedAt = data.GetInt64(8),
        EditedAt = data.IsDBNull(9) ? null : data.GetInt64(9),
        DeletedAt = data.IsDBNull(10) ? null : data.GetInt64(10),
        Metadata = data.IsDBNull(11) ? null : data.GetString(11),
        System = data.IsDBNull(12) ? null : data.GetString(12),
        ReplyToId = data.IsDBNull(13) ? null : data.GetString(13),
        Mentions = data.IsDBNull(14) ? null : data.GetString(14),
        Attachments = data.IsDBNull(15) ? null : data.GetString(15),
    };

    /// <summary>Adds a parameter and returns its EF Core placeholder (<c>{n}</c>), which becomes a provider parameter.</summary>
    private static string Arg(List<object?> args, object? value)
    {
        args.Add(value);
        return "{" + (args.Count - 1).ToString(CultureInfo.InvariantCulture) + "}";
    }

    // Through EF Core's raw SQL pipeline rather than a bare DbCommand: the context's connection and transaction, its
    // command interceptors, its logging and its diagnostics apply as to any other statement of the context.
    private static RawSqlCommand BuildCommand(DbContext db, string sql, List<object?> args) =>
        db.GetService<IRawSqlCommandBuilder>().Build(sql, args!, db.Model);

    private static RelationalCommandParameterObject Parameters(DbContext db, RawSqlCommand command) =>
        new(db.GetService<IRelationalConnection>(), command.ParameterValues, null, db, db.GetService<IRelationalCommandDiagnosticsLogger>(), CommandSource.ExecuteSqlRaw);

    private sealed class PendingAppend(ChatMessage message, bool checkMembership, CancellationToken cancellationToken)
    {
        public ChatMessage Message { get; } = message;

        public bool CheckMembership { get; } = checkMembership;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public TaskCompletionSource<AppendAnswer> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>A conversation as the group's first command found it, under its lock.</summary>
    private sealed class LockedConversation(long lastSeq, ConversationType type, long participantCounter)
    {
        public long LastSeq { get; } = lastSeq;

        public long ParticipantCounter { get; } = participantCounter;

        /// <summary>The participant rows the command read (none when this node's cached copy was current).</summary>
        public List<string> ReadParticipants { get; } = [];

        /// <summary>The participants under the lock: read, or this node's cached copy at the same counter.</summary>
        public IReadOnlyList<string> ParticipantIds { get; set; } = [];

        /// <summary>This node's cache entry of <see cref="ParticipantIds"/>, which remembers whether their audience row is stored.</summary>
        public ParticipantCache.Entry? Cached { get; set; }

        public AppendAnswer Answer(StoreResult<ChatMessage> result) => new(result, true, type, ParticipantIds);
    }

    private sealed class GroupRead
    {
        public Dictionary<string, LockedConversation> Conversations { get; } = new(StringComparer.Ordinal);

        /// <summary>The cached copies the command's participant read was written against, by conversation.</summary>
        public Dictionary<string, ParticipantCache.Entry> Cached { get; } = new(StringComparer.Ordinal);

        public Dictionary<(string Conversation, string Sender, string TempId), ChatMessage> StoredTempIds { get; } = [];
    }

    private readonly record struct AppendAnswer(StoreResult<ChatMessage> Result, bool IsParticipant, ConversationType ConversationType, IReadOnlyList<string> ParticipantIds)
    {
        public static AppendAnswer NotParticipant => new(default, false, default, []);
    }

    private readonly record struct Outcome(AppendAnswer Answer, Exception? Error);
}
