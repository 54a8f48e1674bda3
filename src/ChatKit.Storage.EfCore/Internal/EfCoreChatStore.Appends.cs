using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using static ChatKit.Storage.EfCore.Internal.Mapping;

namespace ChatKit.Storage.EfCore.Internal;

// Group commit. Appends that arrive while another group is being written wait in a queue, and the next group writes
// all of them in one transaction: one seq update per conversation (last_seq + n), one batched insert, one read-position
// update per sender, one commit (one fsync). Every caller is answered only after that commit, so nothing is
// acknowledged before it is durable. Under light load a group holds one message and this is the plain path.
internal sealed partial class EfCoreChatStore
{
    /// <summary>The most messages one transaction writes.</summary>
    private const int MaxGroupSize = 256;

    private readonly Channel<PendingAppend> _appends = Channel.CreateUnbounded<PendingAppend>(new UnboundedChannelOptions { SingleReader = true });
    private int _draining;

    private async Task<StoreResult<ChatMessage>> EnqueueAppendAsync(ChatMessage message, CancellationToken cancellationToken)
    {
        var pending = new PendingAppend(message, cancellationToken);
        _appends.Writer.TryWrite(pending);
        StartDraining();
        return await pending.Result.Task.ConfigureAwait(false);
    }

    /// <summary>Writes <paramref name="messages"/> as one group, as the queue does under load (for tests).</summary>
    internal async Task<StoreResult<ChatMessage>[]> AppendAsOneGroupAsync(IReadOnlyList<ChatMessage> messages)
    {
        var group = messages.Select(m => new PendingAppend(m, CancellationToken.None)).ToList();
        await WriteGroupAsync(group).ConfigureAwait(false);
        return await Task.WhenAll(group.Select(p => p.Result.Task)).ConfigureAwait(false);
    }

    private void StartDraining()
    {
        if (Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
        {
            _ = Task.Run(DrainAsync);
        }
    }

    private async Task DrainAsync()
    {
        var group = new List<PendingAppend>(MaxGroupSize);
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

            if (group.Count > 0)
            {
                await WriteGroupAsync(group).ConfigureAwait(false);
                group.Clear();
                continue;
            }

            // Nothing left: stop, unless an append arrived between the last read and now (then keep going).
            Volatile.Write(ref _draining, 0);
            if (!_appends.Reader.TryPeek(out _) || Interlocked.CompareExchange(ref _draining, 1, 0) != 0)
            {
                return;
            }
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
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Most often a tempId that another process stored between our check and our insert: the unique index
            // refused the whole group. Each message then takes the one-transaction path, which answers that case.
            await Task.WhenAll(group.Select(CompleteOneAsync)).ConfigureAwait(false);
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
                foreach (var conversation in toStore.GroupBy(i => group[i].Message.ConversationId, StringComparer.Ordinal))
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

                // Sending moves each sender's own read position to their last message of the group.
                foreach (var position in entities.GroupBy(e => (e.Entity.ConversationId, e.Entity.SenderId)))
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
