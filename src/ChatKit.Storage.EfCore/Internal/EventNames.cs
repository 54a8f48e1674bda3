using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace ChatKit.Storage.EfCore.Internal;

/// <summary>
/// The event log's delimited names, and what differs by provider: how a row gets its transaction id, how a recording
/// transaction serialises with the others of its conversation, and the feed's visibility horizon.
/// </summary>
/// <param name="Insert">The <c>INSERT INTO … (columns) VALUES</c> prefix, columns tx, id, conversation_id, type, subject_id, payload, occurred_at, audience.</param>
/// <param name="Tx">The SQL expression of the tx column: PostgreSQL, the inserting transaction's id; SQLite, 0.</param>
/// <param name="LockConversation">
/// PostgreSQL: <c>{0}</c> conversation id, a transaction-scoped advisory lock taken before the transaction writes anything,
/// so that its transaction id is assigned after every earlier writer of the conversation committed. SQLite: null.
/// </param>
/// <param name="Horizon">PostgreSQL: a query of the oldest transaction id still running (every older one has finished). SQLite: null.</param>
internal sealed record EventNames(string Insert, string Tx, string? LockConversation, string? Horizon)
{
    /// <summary>
    /// The <c>INSERT INTO … (conversation_id, counter, user_ids, created_at) VALUES</c> prefix of the audiences' table; end
    /// the rows with <see cref="InsertAudienceEnd"/>.
    /// </summary>
    public string InsertAudience { get; init; } = string.Empty;

    /// <summary>Ends <see cref="InsertAudience"/>: an audience stored already (by another node, say) is left as it is.</summary>
    public string InsertAudienceEnd { get; init; } = string.Empty;

    public static EventNames Create(DbContext context, ISqlGenerationHelper sql)
    {
        var entity = context.Model.FindEntityType(typeof(EventEntity))
            ?? throw new InvalidOperationException($"{context.GetType().Name} does not contain ChatKit's event table: add it with modelBuilder.AddChatKit() and a migration.");
        var (table, column) = ChatKitSql.Names(entity, sql);
        var insert = $"INSERT INTO {table} ("
            + string.Join(", ", new[] { nameof(EventEntity.Tx), nameof(EventEntity.Id), nameof(EventEntity.ConversationId), nameof(EventEntity.Type), nameof(EventEntity.SubjectId), nameof(EventEntity.Payload), nameof(EventEntity.OccurredAt), nameof(EventEntity.Audience) }.Select(column))
            + ") VALUES ";
        var audiences = context.Model.FindEntityType(typeof(EventAudienceEntity))
            ?? throw new InvalidOperationException($"{context.GetType().Name} does not contain ChatKit's event audience table: add it with modelBuilder.AddChatKit() and a migration.");
        var (audienceTable, audienceColumn) = ChatKitSql.Names(audiences, sql);
        var insertAudience = $"INSERT INTO {audienceTable} ("
            + string.Join(", ", new[] { nameof(EventAudienceEntity.ConversationId), nameof(EventAudienceEntity.Counter), nameof(EventAudienceEntity.UserIds), nameof(EventAudienceEntity.CreatedAt) }.Select(audienceColumn))
            + ") VALUES ";
        var insertAudienceEnd = $" ON CONFLICT ({audienceColumn(nameof(EventAudienceEntity.ConversationId))}, {audienceColumn(nameof(EventAudienceEntity.Counter))}) DO NOTHING";
        var value = sql.DelimitIdentifier("Value");
        return context.Database.ProviderName?.Contains("Npgsql", StringComparison.OrdinalIgnoreCase) == true
            ? new EventNames(
                insert,
                "pg_current_xact_id()::text::bigint",
                "SELECT pg_advisory_xact_lock(hashtextextended({0}, 0))",
                $"SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS {value}") { InsertAudience = insertAudience, InsertAudienceEnd = insertAudienceEnd }
            : new EventNames(insert, "0", null, null) { InsertAudience = insertAudience, InsertAudienceEnd = insertAudienceEnd };
    }
}
