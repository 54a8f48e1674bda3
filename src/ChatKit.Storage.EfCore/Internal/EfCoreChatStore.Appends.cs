using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using static ChatKit.Storage.EfCore.Internal.Mapping;

namespace ChatKit.Storage.EfCore.Internal;

// Group commit. Appends wait in a bounded queue; a writer takes what is queued (up to MaxGroupSize) and writes it as
// one transaction: one seq update per conversation (last_seq + n), one batched insert, one read-position update per
// sender, one commit (one fsync). Every caller is answered only after that commit, so nothing is acknowledged before
// it is durable. Under light load a group holds one message and this is the plain path.
//
// Invariants:
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
    private int _writers;

    /// <summary>How many appends wait in the queue now (for tests).</summary>
    internal int QueuedAppends => _appends.Reader.Count;

    private async Task<StoreResult<ChatMessage>> EnqueueAppendAsync(ChatMessage message, CancellationToken cancellationToken)
    {
        var pending = new PendingAppend(message, cancellationToken);
        if (!_appends.Writer.TryWrite(pending))
        {
            // Full: wait for a writer to take a group out (backpressure), unless the caller gives up first.
            StartWriter();
            await _appends.Writer.WriteAsync(pending, cancellationToken).ConfigureAwait(false);
        }

        StartWriter();
        return await pending.Result.Task.ConfigureAwait(false);
    }

    /// <summary>Writes <paramref name="messages"/> as one group, as the queue does under load (for tests).</summary>
    internal async Task<StoreResult<ChatMessage>[]> AppendAsOneGroupAsync(IReadOnlyList<ChatMessage> messages)
    {
        var group = messages.Select(m => new PendingAppend(m, CancellationToken.None)).ToList();
        await WriteGroupAsync(group).ConfigureAwait(false);
        return await Task.WhenAll(group.Select(p => p.Result.Task)).ConfigureAwait(false);
    }

    private void StartWriter()
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
                _ = Task.Run(WriteQueueAsync);
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
                        pending.Result.TrySetCanceled(pending.CancellationToken);
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
                pending.Result.TrySetException(new InvalidOperationException("ChatKit's append writer failed; the message was not stored.", ex));
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
        if (group.Count == 1)
        {
            await CompleteOneAsync(group[0]).ConfigureAwait(false);
            return;
        }

        Outcome[] outcomes;
        try
        {
            // The callers' tokens do not cancel a group: it holds other callers' messages too.
            outcomes = await WriteAsync((db, ct) => AppendGroupAsync(db, group, ct), CancellationToken.None).ConfigureAwait(false);
        }
        catch (DbUpdateException)
        {
            // Most often a tempId that another process stored between our check and our insert: the unique index
            // refused the whole group. Each message then takes the one-transaction path, which answers that case.
            await Task.WhenAll(group.Select(CompleteOneAsync)).ConfigureAwait(false);
            return;
        }
        catch (Exception ex)
        {
            // Anything else (the database unreachable or busy, a command cancelled by the provider): nothing of the group
            // was committed, and every caller is told so with the cause.
            foreach (var pending in group)
            {
                pending.Result.TrySetException(ex);
            }

            return;
        }

        for (var i = 0; i < group.Count; i++)
        {
            var outcome = outcomes[i];
            if (outcome.Error is not null)
            {
                group[i].Result.TrySetException(outcome.Error);
            }
            else
            {
                group[i].Result.TrySetResult(outcome.Result!.Value);
            }
        }
    }

    private async Task CompleteOneAsync(PendingAppend pending)
    {
        try
        {
            pending.Result.TrySetResult(await AppendOneAsync(pending.Message, pending.CancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (pending.CancellationToken.IsCancellationRequested)
        {
            pending.Result.TrySetCanceled(pending.CancellationToken);
        }
        catch (Exception ex)
        {
            pending.Result.TrySetException(ex);
        }
    }

    private async Task<Outcome[]> AppendGroupAsync(DbContext db, List<PendingAppend> group, CancellationToken ct)
    {
        var outcomes = new Outcome[group.Count];
        var toStore = new List<int>(group.Count);
        var firstOfKey = new Dictionary<(string Conversation, string Sender, string TempId), int>();
        var repeats = new List<(int Index, int First)>();

        // Retries of sends stored already are answered without writing (one query for the whole group); a tempId used
        // twice in this group is stored once.
        var stored = await FindStoredTempIdsAsync(db, group, ct).ConfigureAwait(false);
        for (var i = 0; i < group.Count; i++)
        {
            var message = group[i].Message;
            if (message.TempId is not null)
            {
                var key = (message.ConversationId, message.SenderId, message.TempId);
                if (firstOfKey.TryGetValue(key, out var first))
                {
                    repeats.Add((i, first));
                    continue;
                }

                if (stored.TryGetValue(key, out var earlier))
                {
                    outcomes[i] = new Outcome(new StoreResult<ChatMessage>(earlier, false), null);
                    continue;
                }

                firstOfKey[key] = i;
            }

            toStore.Add(i);
        }

        if (toStore.Count > 0)
        {
            var sql = Sql(db);
            var transaction = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var entities = new List<(int Index, MessageEntity Entity)>(toStore.Count);

                // Conversations in ordinal order of their ids, whatever the arrival order: every group on every node takes
                // the row locks in the same order, so two groups over the same conversations cannot deadlock. Within a
                // conversation, seqs follow arrival order.
                var conversations = toStore
                    .GroupBy(i => group[i].Message.ConversationId, StringComparer.Ordinal)
                    .OrderBy(g => g.Key, StringComparer.Ordinal);
                foreach (var conversation in conversations)
                {
                    // One statement per conversation takes its row lock and n consecutive seqs, ending at the returned one.
                    var indexes = conversation.ToList();
                    var lastActivity = indexes.Max(i => ToStore(group[i].Message.CreatedAt));
                    var last = await db.Database
                        .SqlQueryRaw<long>(sql.NextSeq, conversation.Key, lastActivity, (long)indexes.Count)
                        .ToListAsync(ct)
                        .ConfigureAwait(false);
                    if (last.Count == 0)
                    {
                        foreach (var i in indexes)
                        {
                            outcomes[i] = new Outcome(null, new InvalidOperationException($"Conversation {conversation.Key} does not exist."));
                        }

                        continue;
                    }

                    var seq = last[0] - indexes.Count;
                    foreach (var i in indexes)
                    {
                        entities.Add((i, ToEntity(group[i].Message, ++seq)));
                    }
                }

                db.AddRange(entities.Select(e => e.Entity));
                await db.SaveChangesAsync(ct).ConfigureAwait(false);

                // Sending moves each sender's own read position to their last message of the group (in lock order too).
                var positions = entities
                    .GroupBy(e => (e.Entity.ConversationId, e.Entity.SenderId))
                    .OrderBy(g => g.Key.ConversationId, StringComparer.Ordinal)
                    .ThenBy(g => g.Key.SenderId, StringComparer.Ordinal);
                foreach (var position in positions)
                {
                    await db.Database
                        .SqlQueryRaw<long>(sql.AdvanceReadPosition, position.Key.ConversationId, position.Key.SenderId, position.Max(e => e.Entity.Seq))
                        .ToListAsync(ct)
                        .ConfigureAwait(false);
                }

                await transaction.CommitAsync(ct).ConfigureAwait(false);
                foreach (var (index, entity) in entities)
                {
                    outcomes[index] = new Outcome(new StoreResult<ChatMessage>(ToModel(entity), true), null);
                }
            }
        }

        foreach (var (index, first) in repeats)
        {
            var answer = outcomes[first];
            outcomes[index] = answer.Error is not null ? answer : new Outcome(answer.Result!.Value with { Created = false }, null);
        }

        return outcomes;
    }

    private static async Task<Dictionary<(string Conversation, string Sender, string TempId), ChatMessage>> FindStoredTempIdsAsync(
        DbContext db, List<PendingAppend> group, CancellationToken ct)
    {
        var withTempId = group.Select(p => p.Message).Where(m => m.TempId is not null).ToList();
        var found = new Dictionary<(string, string, string), ChatMessage>();
        if (withTempId.Count == 0)
        {
            return found;
        }

        var conversationIds = withTempId.Select(m => m.ConversationId).Distinct(StringComparer.Ordinal).ToList();
        var tempIds = withTempId.Select(m => m.TempId!).Distinct(StringComparer.Ordinal).ToList();
        var candidates = await Messages(db)
            .Where(m => conversationIds.Contains(m.ConversationId) && m.TempId != null && tempIds.Contains(m.TempId))
            .ToListAsync(ct)
            .ConfigureAwait(false);
        foreach (var entity in candidates)
        {
            found[(entity.ConversationId, entity.SenderId, entity.TempId!)] = ToModel(entity);
        }

        return found;
    }

    private sealed class PendingAppend(ChatMessage message, CancellationToken cancellationToken)
    {
        public ChatMessage Message { get; } = message;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public TaskCompletionSource<StoreResult<ChatMessage>> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private readonly record struct Outcome(StoreResult<ChatMessage>? Result, Exception? Error);
}
