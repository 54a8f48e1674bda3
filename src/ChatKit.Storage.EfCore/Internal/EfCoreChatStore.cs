using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using static ChatKit.Storage.EfCore.Internal.Mapping;

namespace ChatKit.Storage.EfCore.Internal;

/// <summary>
/// <see cref="IChatStore"/> on EF Core. A singleton: every call leases its own short-lived DbContext. Every guarantee
/// comes from the database, so it holds across processes sharing one database: the seq is an atomic
/// <c>UPDATE … RETURNING</c> on the conversation row in the transaction that inserts the message (the row lock
/// serialises appends to one conversation, and a rollback returns the number), the tempId and the direct pair are
/// unique indexes (a duplicate rolls back and returns the row that won), and read positions move with a conditional
/// upsert that never lowers them. On SQLite, transactions start with <c>BEGIN IMMEDIATE</c> (Microsoft.Data.Sqlite's
/// default) and every write transaction writes first, so writers queue on the busy timeout instead of failing.
/// </summary>
internal sealed partial class EfCoreChatStore : IChatStore
{
    private readonly IChatKitContextSource _contexts;
    private readonly ILogger<EfCoreChatStore> _logger;
    private ChatKitSql? _sql;

    /// <summary>How many groups are written at once: one on SQLite (one writer at a time anyway), more elsewhere.</summary>
    private int _maxWriters = 1;

    /// <summary>Whether a caller may start a writer on its own thread: not on SQLite, whose async methods block.</summary>
    private bool _inlineWriters;

    public EfCoreChatStore(IChatKitContextSource contexts, IOptions<EfCoreChatStoreOptions> options, ILogger<EfCoreChatStore> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _contexts = contexts;
        _logger = logger;
        _appends = Channel.CreateBounded<PendingAppend>(new BoundedChannelOptions(options.Value.MaxQueuedAppends)
        {
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <inheritdoc/>
    public Task CreateConversationAsync(Conversation conversation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        return WriteAsync(
            async (db, ct) =>
            {
                db.Add(ToEntity(conversation));
                await db.SaveChangesAsync(ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<StoreResult<Conversation>> GetOrCreateDirectConversationAsync(Conversation candidate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(candidate.DirectKey);
        var key = candidate.DirectKey;
        return WriteAsync(
            async (db, ct) =>
            {
                var existing = await FindDirectAsync(db, key, ct).ConfigureAwait(false);
                if (existing is not null)
                {
                    return new StoreResult<Conversation>(existing, false);
                }

                db.Add(ToEntity(candidate));
                try
                {
                    await db.SaveChangesAsync(ct).ConfigureAwait(false);
                    return new StoreResult<Conversation>(candidate, true);
                }
                catch (DbUpdateException ex)
                {
                    // Another call (here or on another node) inserted the pair first: the unique index refused ours.
                    db.ChangeTracker.Clear();
                    existing = await FindDirectAsync(db, key, ct).ConfigureAwait(false);
                    if (existing is null)
                    {
                        throw;
                    }

                    Log.DirectRaceLost(_logger, existing.Id, ex);
                    return new StoreResult<Conversation>(existing, false);
                }
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<Conversation?> FindConversationAsync(string conversationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        return ReadAsync(
            async (db, ct) =>
            {
                var entity = await Conversations(db).Include(c => c.Participants)
                    .SingleOrDefaultAsync(c => c.Id == conversationId, ct).ConfigureAwait(false);
                return entity is null ? null : ToModel(entity, entity.Participants);
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ConversationView?> FindConversationViewAsync(string conversationId, string userId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(userId);
        return ReadAsync(
            async (db, ct) =>
            {
                var entity = await Conversations(db).Include(c => c.Participants)
                    .SingleOrDefaultAsync(c => c.Id == conversationId, ct).ConfigureAwait(false);
                if (entity is null)
                {
                    return null;
                }

                var views = await ViewsAsync(db, [entity], entity.Participants, userId, ct).ConfigureAwait(false);
                return views[0];
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<ConversationView>> ListConversationsAsync(string userId, ConversationPosition? after, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return ReadAsync(
            async (db, ct) =>
            {
                // 1. The page: the user's conversations by (last_activity_at, id) descending, from the keyset position.
                var query =
                    from p in Participants(db)
                    where p.UserId == userId
                    join c in Conversations(db) on p.ConversationId equals c.Id
                    select c;
                if (after is not null)
                {
                    var time = ToStore(after.LastActivityAt);
                    var id = after.ConversationId;
#pragma warning disable CA1309, CA1310 // Translated to SQL: ids are ASCII, so the database's order is ordinal.
                    query = query.Where(c => c.LastActivityAt < time || (c.LastActivityAt == time && c.Id.CompareTo(id) < 0));
#pragma warning restore CA1309, CA1310
                }

                var page = await query
                    .OrderByDescending(c => c.LastActivityAt)
                    .ThenByDescending(c => c.Id)
                    .Take(limit)
                    .ToListAsync(ct)
                    .ConfigureAwait(false);
                if (page.Count == 0)
                {
                    return (IReadOnlyList<ConversationView>)[];
                }

                // 2. Their participants, in one query.
                var ids = page.Select(c => c.Id).ToList();
                var participants = await Participants(db)
                    .Where(p => ids.Contains(p.ConversationId))
                    .ToListAsync(ct)
                    .ConfigureAwait(false);

                // 3 and 4. Their last messages and unread counts, one query each.
                return await ViewsAsync(db, page, participants, userId, ct).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ChatMessage?> FindMessageAsync(string messageId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        return ReadAsync(
            async (db, ct) =>
            {
                var entity = await Messages(db).SingleOrDefaultAsync(m => m.Id == messageId, ct).ConfigureAwait(false);
                return entity is null ? null : ToModel(entity);
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ChatMessage?> FindMessageByTempIdAsync(string conversationId, string senderId, string tempId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(senderId);
        ArgumentNullException.ThrowIfNull(tempId);
        return ReadAsync(
            async (db, ct) =>
            {
                var entity = await Messages(db)
                    .SingleOrDefaultAsync(m => m.ConversationId == conversationId && m.SenderId == senderId && m.TempId == tempId, ct).ConfigureAwait(false);
                return entity is null ? null : ToModel(entity);
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<MessagePage> GetMessagesAsync(string conversationId, long? beforeSeq, long? afterSeq, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return ReadAsync(
            async (db, ct) =>
            {
                // One range read of the (conversation_id, seq) index; one row more than the page says whether more exist.
                var query = Messages(db).Where(m => m.ConversationId == conversationId);
                List<MessageEntity> rows;
                if (afterSeq is { } after)
                {
                    rows = await query.Where(m => m.Seq > after).OrderBy(m => m.Seq).Take(limit + 1)
                        .ToListAsync(ct).ConfigureAwait(false);
                }
                else
                {
                    if (beforeSeq is { } before)
                    {
                        query = query.Where(m => m.Seq < before);
                    }

                    rows = await query.OrderByDescending(m => m.Seq).Take(limit + 1)
                        .ToListAsync(ct).ConfigureAwait(false);
                }

                var hasMore = rows.Count > limit;
                if (hasMore)
                {
                    rows.RemoveAt(limit);
                }

                if (afterSeq is null)
                {
                    rows.Reverse();
                }

                return new MessagePage(rows.Select(ToModel).ToList(), hasMore);
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ChatMessage?> DeleteMessageAsync(string messageId, DateTimeOffset deletedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        var at = (long?)ToStore(deletedAt);
        return WriteAsync(
            async (db, ct) =>
            {
                // Conditional: only a live message becomes a tombstone, so the first deletion time stays.
                await db.Set<MessageEntity>()
                    .Where(m => m.Id == messageId && m.DeletedAt == null)
                    .ExecuteUpdateAsync(s => s.SetProperty(m => m.Content, string.Empty).SetProperty(m => m.DeletedAt, at), ct)
                    .ConfigureAwait(false);
                var entity = await Messages(db).SingleOrDefaultAsync(m => m.Id == messageId, ct).ConfigureAwait(false);
                return entity is null ? null : ToModel(entity);
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<long> AdvanceReadPositionAsync(string conversationId, string userId, long seq, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(userId);
        return WriteAsync(
            async (db, ct) =>
            {
                if (seq > 0)
                {
                    var moved = await db.Database
                        .SqlQueryRaw<long>(Sql(db).AdvanceReadPosition, conversationId, userId, seq)
                        .ToListAsync(ct)
                        .ConfigureAwait(false);
                    if (moved.Count > 0)
                    {
                        return moved[0];
                    }
                }

                // Nothing changed: it was at or beyond seq already (or the conversation does not exist).
                return await ReadPositionAsync(db, conversationId, userId, ct).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<long> GetReadPositionAsync(string conversationId, string userId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(userId);
        return ReadAsync((db, ct) => ReadPositionAsync(db, conversationId, userId, ct), cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<Conversation?> AddParticipantsAsync(string conversationId, IReadOnlyList<Participant> participants, CancellationToken cancellationToken) =>
        (await AddParticipantsAsync(conversationId, participants, int.MaxValue, cancellationToken).ConfigureAwait(false)).Conversation;

    /// <inheritdoc/>
    public Task<AddParticipantsResult> AddParticipantsAsync(string conversationId, IReadOnlyList<Participant> participants, int maxParticipants, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(participants);
        return WriteAsync(
            async (db, ct) =>
            {
                var transaction = await BeginOrJoinAsync(db, ct).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    // Lock the conversation first, so concurrent membership changes apply one after the other (the count
                    // below is then the count the insert changes), and reserve join-order numbers for the newcomers.
                    var counters = await db.Database
                        .SqlQueryRaw<long>(Sql(db).LockMembership, conversationId, (long)participants.Count)
                        .ToListAsync(ct)
                        .ConfigureAwait(false);
                    if (counters.Count == 0)
                    {
                        return new AddParticipantsResult(null, false);
                    }

                    var entity = await Conversations(db).Include(c => c.Participants)
                        .SingleAsync(c => c.Id == conversationId, ct).ConfigureAwait(false);
                    var present = entity.Participants.Select(p => p.UserId).ToHashSet(StringComparer.Ordinal);
                    var newcomers = participants.Where(p => present.Add(p.UserId)).ToList();
                    if (entity.Participants.Count + newcomers.Count > maxParticipants)
                    {
                        // Nothing is written: the transaction rolls back with the reserved numbers.
                        return new AddParticipantsResult(ToModel(entity, entity.Participants), true);
                    }

                    var ordinal = counters[0] - participants.Count;
                    foreach (var participant in newcomers)
                    {
                        var row = ToEntity(conversationId, participant, ++ordinal);
                        db.Add(row);
                        entity.Participants.Add(row);
                    }

                    await db.SaveChangesAsync(ct).ConfigureAwait(false);
                    await transaction.CommitAsync(ct).ConfigureAwait(false);
                    return new AddParticipantsResult(ToModel(entity, entity.Participants), false);
                }
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<Conversation?> RemoveParticipantAsync(string conversationId, string userId, string? newOwnerId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(userId);
        return WriteAsync(
            async (db, ct) =>
            {
                var transaction = await BeginOrJoinAsync(db, ct).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    // A removal raises the participant counter too, so every node's participant cache sees the change.
                    var counters = await db.Database
                        .SqlQueryRaw<long>(Sql(db).LockMembership, conversationId, 1L)
                        .ToListAsync(ct)
                        .ConfigureAwait(false);
                    if (counters.Count == 0)
                    {
                        return null;
                    }

                    await db.Set<ParticipantEntity>()
                        .Where(p => p.ConversationId == conversationId && p.UserId == userId)
                        .ExecuteDeleteAsync(ct)
                        .ConfigureAwait(false);
                    if (newOwnerId is not null && !string.Equals(newOwnerId, userId, StringComparison.Ordinal))
                    {
                        await db.Set<ParticipantEntity>()
                            .Where(p => p.ConversationId == conversationId && p.UserId == newOwnerId)
                            .ExecuteUpdateAsync(s => s.SetProperty(p => p.Role, ParticipantRole.Owner), ct)
                            .ConfigureAwait(false);
                    }

                    var entity = await Conversations(db).Include(c => c.Participants)
                        .SingleAsync(c => c.Id == conversationId, ct).ConfigureAwait(false);
                    await transaction.CommitAsync(ct).ConfigureAwait(false);
                    return ToModel(entity, entity.Participants);
                }
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyCollection<string>> GetContactsAsync(string userId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userId);
        return ReadAsync(
            async (db, ct) =>
            {
                var contacts = await (
                        from mine in Participants(db)
                        where mine.UserId == userId
                        join other in Participants(db) on mine.ConversationId equals other.ConversationId
                        where other.UserId != userId
                        select other.UserId)
                    .Distinct()
                    .ToListAsync(ct)
                    .ConfigureAwait(false);
                return (IReadOnlyCollection<string>)contacts;
            },
            cancellationToken);
    }

    private static IQueryable<ConversationEntity> Conversations(DbContext db) => db.Set<ConversationEntity>().AsNoTracking();

    private static IQueryable<ParticipantEntity> Participants(DbContext db) => db.Set<ParticipantEntity>().AsNoTracking();

    private static IQueryable<MessageEntity> Messages(DbContext db) => db.Set<MessageEntity>().AsNoTracking();

    private ChatKitSql Sql(DbContext db)
    {
        if (_sql is null)
        {
            // SQLite has one writer at a time: several groups in flight would only queue on its lock.
            var sqlite = db.Database.ProviderName?.Contains("Sqlite", StringComparison.OrdinalIgnoreCase) == true;
            _maxWriters = sqlite ? 1 : MaxConcurrentGroups;
            _inlineWriters = !sqlite;
            _sql = ChatKitSql.Create(db);
        }

        return _sql;
    }

    private static async Task<Conversation?> FindDirectAsync(DbContext db, string key, CancellationToken ct)
    {
        var entity = await Conversations(db).Include(c => c.Participants)
            .SingleOrDefaultAsync(c => c.DirectKey == key, ct).ConfigureAwait(false);
        return entity is null ? null : ToModel(entity, entity.Participants);
    }

    private static async Task<long> ReadPositionAsync(DbContext db, string conversationId, string userId, CancellationToken ct) =>
        await db.Set<ReadPositionEntity>().AsNoTracking()
            .Where(r => r.ConversationId == conversationId && r.UserId == userId)
            .Select(r => (long?)r.Seq)
            .SingleOrDefaultAsync(ct)
            .ConfigureAwait(false) ?? 0;

    /// <summary>
    /// Adds last messages and unread counts to a page of conversations, in at most two queries whatever its size:
    /// the last messages by the unique (conversation_id, seq) index, and the unread and unread-mention counts as grouped
    /// counts over each conversation's seq range after the user's read position.
    /// </summary>
    private static async Task<IReadOnlyList<ConversationView>> ViewsAsync(
        DbContext db,
        IReadOnlyList<ConversationEntity> page,
        IEnumerable<ParticipantEntity> participants,
        string userId,
        CancellationToken ct)
    {
        var withMessages = page.Where(c => c.LastSeq > 0).Select(c => c.Id).ToList();
        var lastMessages = new Dictionary<string, MessageEntity>(StringComparer.Ordinal);
        var unread = new Dictionary<string, int>(StringComparer.Ordinal);
        var mentioned = new Dictionary<string, int>(StringComparer.Ordinal);
        var mentionKey = MentionKey(userId);
        if (withMessages.Count > 0)
        {
            var messages = await (
                    from c in Conversations(db)
                    where withMessages.Contains(c.Id)
                    join m in Messages(db) on new { ConversationId = c.Id, Seq = c.LastSeq } equals new { m.ConversationId, m.Seq }
                    select m)
                .ToListAsync(ct)
                .ConfigureAwait(false);
            foreach (var message in messages)
            {
                lastMessages[message.ConversationId] = message;
            }

            var counts = await (
                    from c in Conversations(db)
                    where withMessages.Contains(c.Id)
                    let readUpTo = db.Set<ReadPositionEntity>()
                        .Where(r => r.ConversationId == c.Id && r.UserId == userId)
                        .Select(r => r.Seq)
                        .FirstOrDefault()
                    select new
                    {
                        c.Id,
                        Count = db.Set<MessageEntity>().Count(m =>
                            m.ConversationId == c.Id && m.Seq > readUpTo && m.SenderId != userId && m.DeletedAt == null && m.Type != MessageType.System),
                        Mentioned = db.Set<MessageEntity>().Count(m =>
                            m.ConversationId == c.Id && m.Seq > readUpTo && m.SenderId != userId && m.DeletedAt == null
                            && m.Type != MessageType.System && m.Mentions != null && m.Mentions.Contains(mentionKey)),
                    })
                .ToListAsync(ct)
                .ConfigureAwait(false);
            foreach (var count in counts)
            {
                unread[count.Id] = count.Count;
                mentioned[count.Id] = count.Mentioned;
            }
        }

        var byConversation = participants.ToLookup(p => p.ConversationId, StringComparer.Ordinal);
        return page
            .Select(c => new ConversationView(
                ToModel(c, byConversation[c.Id]),
                lastMessages.TryGetValue(c.Id, out var last) ? ToModel(last) : null,
                unread.GetValueOrDefault(c.Id)) { UnreadMentionCount = mentioned.GetValueOrDefault(c.Id) })
            .ToList();
    }

    private async Task<T> ReadAsync<T>(Func<DbContext, CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        try
        {
            var lease = await _contexts.LeaseAsync(cancellationToken).ConfigureAwait(false);
            await using (lease.ConfigureAwait(false))
            {
                return await operation(lease.Context, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && StoreFailures.IsTransient(ex))
        {
            Log.DatabaseUnavailable(_logger, ex);
            throw StoreFailures.Unavailable();
        }
    }

    /// <summary>
    /// Runs a write through the context's execution strategy, so a host that configured retries on transient failures
    /// (for example Npgsql's <c>EnableRetryOnFailure</c>) gets them around ChatKit's transactions too.
    /// </summary>
    private async Task<T> WriteAsync<T>(Func<DbContext, CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        if (_recording.Value is { } recording)
        {
            // Inside RecordEventsAsync: the write joins its transaction (whose execution strategy runs the whole).
            recording.ChangeTracker.Clear();
            return await operation(recording, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var lease = await _contexts.LeaseAsync(cancellationToken).ConfigureAwait(false);
            await using (lease.ConfigureAwait(false))
            {
                var strategy = lease.Context.Database.CreateExecutionStrategy();
                return await strategy.ExecuteAsync(
                        (lease.Context, operation),
                        static (_, state, ct) =>
                        {
                            state.Context.ChangeTracker.Clear();
                            return state.operation(state.Context, ct);
                        },
                        null,
                        cancellationToken)
                    .ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && StoreFailures.IsTransient(ex))
        {
            // Outside the execution strategy, so a host's retries on transient failures still run first.
            Log.DatabaseUnavailable(_logger, ex);
            throw StoreFailures.Unavailable();
        }
    }
}
