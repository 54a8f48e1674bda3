using System.Globalization;
using System.Text;
using ChatKit.Events;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using static ChatKit.Storage.EfCore.Internal.Mapping;

namespace ChatKit.Storage.EfCore.Internal;

// The event log on EF Core: chatkit_events, one row per durable event, inserted in the transaction of the change that
// caused it (an append's rows ride in the append's own write command). Feed order is (tx, position):
// - SQLite runs one write transaction at a time, so the autoincrement position is the commit order, exactly; tx is 0.
// - PostgreSQL: identity positions are handed out before commit, so a reader could see position N+1 before N commits.
//   Each row records the id of its transaction (tx), and the feed serves only rows whose tx is below the horizon, the
//   oldest transaction id still running: every transaction below it has finished, so nothing can commit there later.
//   Within a conversation, tx order is commit order because every recording transaction (and every append group) first
//   takes a transaction-scoped advisory lock on the conversation, before writing anything: its transaction id is
//   assigned after the previous writer of the conversation committed. A long-running transaction holds the horizon back:
//   the feed waits for it (it never skips), see docs/storage.md.
// The cursor is "tx.position" of the last row served.
internal sealed partial class EfCoreChatStore
{
    /// <summary>The context of the recording transaction this flow is in: the store's writes join it.</summary>
    private readonly AsyncLocal<DbContext?> _recording = new();

    /// <inheritdoc/>
    public Task<RecordedChange<TResult>> RecordEventsAsync<TResult>(
        string conversationId,
        DateTimeOffset occurredAt,
        Func<CancellationToken, Task<TResult>> change,
        Func<TResult, IReadOnlyList<ChatEvent>> eventsFor,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(eventsFor);
        return WriteAsync(
            async (db, ct) =>
            {
                var names = Sql(db).Append.Events;
                var transaction = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    if (names.LockConversation is { } lockSql)
                    {
                        await db.Database.ExecuteSqlRawAsync(lockSql, [conversationId], ct).ConfigureAwait(false);
                    }

                    TResult result;
                    _recording.Value = db;
                    try
                    {
                        result = await change(ct).ConfigureAwait(false);
                    }
                    finally
                    {
                        _recording.Value = null;
                    }

                    var recorded = eventsFor(result).Select(e => new StoredChatEvent(NewEventId(occurredAt), e, occurredAt)).ToList();
                    if (recorded.Count > 0)
                    {
                        var sql = new StringBuilder(names.Insert);
                        var args = new List<object?>();
                        for (var i = 0; i < recorded.Count; i++)
                        {
                            var e = recorded[i];
                            sql.Append(i == 0 ? string.Empty : ", ")
                               .Append(Row(names, args, e.Id, ChatEventAudience.ConversationOf(e.Event) ?? conversationId, ChatEventJson.TypeOf(e.Event),
                                   (e.Event as ParticipantRemovedEvent)?.UserId, ChatEventJson.Serialize(e.Event), ToStore(occurredAt)));
                        }

                        var command = BuildCommand(db, sql.ToString(), args);
                        await command.RelationalCommand.ExecuteNonQueryAsync(Parameters(db, command), ct).ConfigureAwait(false);
                    }

                    await transaction.CommitAsync(ct).ConfigureAwait(false);
                    return new RecordedChange<TResult>(result, recorded);
                }
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<ChatEventFeedPage> ReadEventFeedAsync(string? after, int limit, CancellationToken cancellationToken = default) =>
        ReadFeedAsync(null, after, limit, cancellationToken);

    /// <inheritdoc/>
    public ValueTask<ChatEventFeedPage> ReadUserEventsAsync(string userId, string? after, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        return ReadFeedAsync(userId, after, limit, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<string> GetEventFeedEndAsync(CancellationToken cancellationToken = default) =>
        new(ReadAsync(
            async (db, ct) =>
            {
                if (await HorizonAsync(db, ct).ConfigureAwait(false) is { } horizon)
                {
                    return Cursor(horizon, 0);
                }

                var last = await db.Set<EventEntity>().AsNoTracking().MaxAsync(e => (long?)e.Position, ct).ConfigureAwait(false);
                return Cursor(0, last ?? 0);
            },
            cancellationToken));

    /// <inheritdoc/>
    /// <remarks>
    /// One <c>DELETE … WHERE position IN (SELECT … LIMIT n)</c> per call (EF Core's ExecuteDelete with Take), served by
    /// the occurred-at index: a batch locks only the rows it deletes, for one short statement. A row is passed by a cursor
    /// when it is not after it in feed order, (tx, position) &lt;= the cursor's.
    /// </remarks>
    public Task<int> PurgeEventsAsync(DateTimeOffset before, IReadOnlyCollection<string> keepAfter, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keepAfter);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var (tx, position) = keepAfter.Count == 0 ? (long.MaxValue, long.MaxValue) : keepAfter.Select(ParseCursor).Min();
        var cutoff = ToStore(before);
        return WriteAsync(
            async (db, ct) =>
            {
                var deleted = await db.Set<EventEntity>()
                    .Where(e => e.OccurredAt < cutoff && (e.Tx < tx || (e.Tx == tx && e.Position <= position)))
                    .OrderBy(e => e.Position)
                    .Take(limit)
                    .ExecuteDeleteAsync(ct)
                    .ConfigureAwait(false);
                await PurgeAudiencesAsync(db, cutoff, limit, ct).ConfigureAwait(false);
                return deleted;
            },
            cancellationToken);
    }

    /// <summary>
    /// Deletes up to <paramref name="limit"/> old audience rows no event names any more. A conversation's events name
    /// counters that never go down in feed order (the counter only grows, and appends write under the conversation's lock
    /// in feed order), so every remaining event names at least the counter of its conversation's first remaining
    /// <c>newMessage</c> row: an audience below that one, and below the conversation's current counter (which an append in
    /// flight, or a node that remembers having stored it, may still name), is unused for good.
    /// </summary>
    private static Task<int> PurgeAudiencesAsync(DbContext db, long cutoff, int limit, CancellationToken ct)
    {
        var events = db.Set<EventEntity>();
        var conversations = db.Set<ConversationEntity>();
        return db.Set<EventAudienceEntity>()
            .Where(a => a.CreatedAt < cutoff
                && a.Counter < conversations.Where(c => c.Id == a.ConversationId).Select(c => c.ParticipantCounter).FirstOrDefault()
                && a.Counter < (events
                    .Where(e => e.ConversationId == a.ConversationId && e.Audience != null)
                    .OrderBy(e => e.Tx)
                    .ThenBy(e => e.Position)
                    .Select(e => e.Audience)
                    .FirstOrDefault() ?? long.MaxValue))
            .OrderBy(a => a.CreatedAt)
            .Take(limit)
            .ExecuteDeleteAsync(ct);
    }

    /// <summary>A page of the feed from a cursor; only the events <paramref name="userId"/> received when one is given.</summary>
    private ValueTask<ChatEventFeedPage> ReadFeedAsync(string? userId, string? after, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var (tx, position) = after is null ? (long.MinValue, 0L) : ParseCursor(after);
        return new(ReadAsync(
            async (db, ct) =>
            {
                var horizon = await HorizonAsync(db, ct).ConfigureAwait(false) ?? long.MaxValue;
                var events = db.Set<EventEntity>().AsNoTracking();
                var query = events.Where(e => (e.Tx > tx || (e.Tx == tx && e.Position > position)) && e.Tx < horizon);
                if (userId is not null)
                {
                    // The user's conversations now, and those they were removed from since the cursor; the audience of each
                    // event (below) then keeps only what they received while they were a participant.
                    var mine = db.Set<ParticipantEntity>().Where(p => p.UserId == userId).Select(p => p.ConversationId);
                    var left = events.Where(e => e.Type == "participantRemoved" && e.SubjectId == userId && (e.Tx > tx || (e.Tx == tx && e.Position > position)))
                        .Select(e => e.ConversationId);
                    query = query.Where(e => mine.Contains(e.ConversationId) || left.Contains(e.ConversationId));
                }

                var rows = await query.OrderBy(e => e.Tx).ThenBy(e => e.Position).Take(limit + 1).ToListAsync(ct).ConfigureAwait(false);
                var hasMore = rows.Count > limit;
                if (hasMore)
                {
                    rows.RemoveAt(limit);
                }

                var messageIds = rows.Where(r => r.Type == "newMessage").Select(r => r.Id).ToList();
                var messages = messageIds.Count == 0
                    ? []
                    : await db.Set<MessageEntity>().AsNoTracking().Where(m => messageIds.Contains(m.Id)).ToDictionaryAsync(m => m.Id, StringComparer.Ordinal, ct).ConfigureAwait(false);
                var audiences = await ReadAudiencesAsync(db, rows, ct).ConfigureAwait(false);
                var page = new List<StoredChatEvent>(rows.Count);
                foreach (var row in rows)
                {
                    ChatEvent chatEvent;
                    if (row.Type == "newMessage")
                    {
                        if (!messages.TryGetValue(row.Id, out var message))
                        {
                            continue; // its conversation was deleted since
                        }

                        // Rows an older ChatKit wrote carry their audience's ids themselves. An audience is missing only when the
                        // purge removed it with the event after this page was read (between the two queries): the event is gone.
                        IReadOnlyList<string> participantIds;
                        if (row.Audience is not { } counter)
                        {
                            participantIds = ChatEventJson.DeserializeUserIds(row.Payload);
                        }
                        else if (!audiences.TryGetValue((row.ConversationId, counter), out participantIds!))
                        {
                            continue;
                        }

                        chatEvent = new MessageCreatedEvent(ToModel(message), participantIds);
                    }
                    else
                    {
                        chatEvent = ChatEventJson.Deserialize(row.Type, row.Payload);
                    }

                    if (userId is null || ChatEventAudience.Includes(chatEvent, userId))
                    {
                        page.Add(new StoredChatEvent(row.Id, chatEvent, FromStore(row.OccurredAt)));
                    }
                }

                var cursor = rows.Count > 0 ? Cursor(rows[^1].Tx, rows[^1].Position) : after ?? Cursor(long.MinValue, 0);
                return new ChatEventFeedPage(page, cursor, hasMore);
            },
            cancellationToken));
    }

    /// <summary>
    /// The audiences the page's <c>newMessage</c> rows name, by (conversation, counter), in one query: each read once, and
    /// its ids shared by every event of the page that names it.
    /// </summary>
    private static async Task<Dictionary<(string Conversation, long Counter), IReadOnlyList<string>>> ReadAudiencesAsync(DbContext db, List<EventEntity> rows, CancellationToken ct)
    {
        var named = rows.Where(r => r.Audience is not null).Select(r => (r.ConversationId, Counter: r.Audience!.Value)).ToHashSet();
        var found = new Dictionary<(string Conversation, long Counter), IReadOnlyList<string>>(named.Count);
        if (named.Count == 0)
        {
            return found;
        }

        // Conversations and counters apart (a pair list does not translate everywhere): a few extra rows at most.
        var conversationIds = named.Select(n => n.ConversationId).Distinct(StringComparer.Ordinal).ToList();
        var counters = named.Select(n => n.Counter).Distinct().ToList();
        var audiences = await db.Set<EventAudienceEntity>().AsNoTracking()
            .Where(a => conversationIds.Contains(a.ConversationId) && counters.Contains(a.Counter))
            .ToListAsync(ct)
            .ConfigureAwait(false);
        foreach (var audience in audiences.Where(a => named.Contains((a.ConversationId, a.Counter))))
        {
            found[(audience.ConversationId, audience.Counter)] = ChatEventJson.DeserializeUserIds(audience.UserIds);
        }

        return found;
    }

    /// <summary>PostgreSQL: the oldest transaction id still running; SQLite: none (commit order is position order).</summary>
    private async Task<long?> HorizonAsync(DbContext db, CancellationToken ct)
    {
        if (Sql(db).Append.Events.Horizon is not { } horizonSql)
        {
            return null;
        }

        return (await db.Database.SqlQueryRaw<long>(horizonSql).ToListAsync(ct).ConfigureAwait(false))[0];
    }

    /// <summary>
    /// Adds to an append group's write command one event row per new message: its <c>newMessage</c> event, under the
    /// message's id, naming as its audience the participant counter read under the conversation's lock. Before them, the
    /// audience row of each conversation at that counter, unless this node stored it already (a steady room writes none).
    /// </summary>
    private static void AppendNewMessageEvents(StringBuilder sql, List<object?> args, AppendNames names, List<(int Index, MessageEntity Entity)> toStore, GroupRead read)
    {
        var audiences = 0;
        foreach (var first in toStore.DistinctBy(e => e.Entity.ConversationId, StringComparer.Ordinal))
        {
            var conversation = read.Conversations[first.Entity.ConversationId];
            if (conversation.Cached is { AudienceStored: true })
            {
                continue;
            }

            sql.Append(audiences++ == 0 ? "\n" + names.Events.InsertAudience : ", ")
               .Append(CultureInfo.InvariantCulture, $"({Arg(args, first.Entity.ConversationId)}, {Arg(args, conversation.ParticipantCounter)}, ")
               .Append(CultureInfo.InvariantCulture, $"{Arg(args, ChatEventJson.SerializeUserIds(conversation.ParticipantIds))}, {Arg(args, first.Entity.CreatedAt)})");
        }

        if (audiences > 0)
        {
            sql.Append(names.Events.InsertAudienceEnd).Append(';');
        }

        sql.Append('\n').Append(names.Events.Insert);
        for (var i = 0; i < toStore.Count; i++)
        {
            var m = toStore[i].Entity;
            sql.Append(i == 0 ? string.Empty : ", ")
               .Append(Row(names.Events, args, m.Id, m.ConversationId, "newMessage", null, string.Empty, m.CreatedAt, read.Conversations[m.ConversationId].ParticipantCounter));
        }

        sql.Append(';');
    }

    /// <summary>After the group committed: its conversations' audience rows are stored, at the counters this node cached.</summary>
    private static void MarkAudiencesStored(List<(int Index, MessageEntity Entity)> toStore, GroupRead read)
    {
        foreach (var (_, entity) in toStore)
        {
            if (read.Conversations[entity.ConversationId].Cached is { } cached)
            {
                cached.AudienceStored = true;
            }
        }
    }

    /// <summary>PostgreSQL: adds the conversations' advisory locks, in the order given, before an append group writes anything.</summary>
    private static void AppendConversationLocks(StringBuilder sql, List<object?> args, AppendNames names, List<string> conversationIds)
    {
        if (names.Events.LockConversation is not { } lockSql)
        {
            return;
        }

        foreach (var id in conversationIds)
        {
            sql.Append(lockSql.Replace("{0}", Arg(args, id), StringComparison.Ordinal)).Append(";\n");
        }
    }

    /// <summary>An append records its own event, in its group's transaction: it is never part of a recording.</summary>
    private void ThrowIfRecording()
    {
        if (_recording.Value is not null)
        {
            throw new InvalidOperationException("An append records its own newMessage event: it cannot be part of RecordEventsAsync.");
        }
    }

    private static string Row(EventNames names, List<object?> args, string id, string conversationId, string type, string? subjectId, string payload, long occurredAt, long? audience = null) =>
        $"({names.Tx}, {Arg(args, id)}, {Arg(args, conversationId)}, {Arg(args, type)}, {Arg(args, subjectId)}, {Arg(args, payload)}, {Arg(args, occurredAt)}, {Arg(args, audience)})";

    private static string NewEventId(DateTimeOffset at) => "e_" + Guid.CreateVersion7(at).ToString("N");

    private static string Cursor(long tx, long position) =>
        string.Create(CultureInfo.InvariantCulture, $"{tx}.{position}");

    private static (long Tx, long Position) ParseCursor(string cursor)
    {
        var dot = cursor.IndexOf('.', StringComparison.Ordinal);
        return dot > 0
            && long.TryParse(cursor.AsSpan(0, dot), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var tx)
            && long.TryParse(cursor.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var position)
            ? (tx, position)
            : throw new ArgumentException("The cursor is not one this store returned.", nameof(cursor));
    }

    /// <summary>A transaction of its own, or none when the flow is in a recording transaction already (which commits it).</summary>
    private static async Task<JoinedTransaction> BeginOrJoinAsync(DbContext db, CancellationToken ct) =>
        new(db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false) : null);

    private sealed class JoinedTransaction(IDbContextTransaction? owned) : IAsyncDisposable
    {
        public Task CommitAsync(CancellationToken ct) => owned?.CommitAsync(ct) ?? Task.CompletedTask;

        public ValueTask DisposeAsync() => owned?.DisposeAsync() ?? ValueTask.CompletedTask;
    }
}
