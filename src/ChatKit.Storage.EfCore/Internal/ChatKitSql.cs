using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace ChatKit.Storage.EfCore.Internal;

/// <summary>
/// The few statements LINQ cannot express, written once from the context's model (so table names, a schema, or a
/// host's naming convention are respected) in SQL that SQLite (3.35 or later) and PostgreSQL both run unchanged:
/// <c>UPDATE … RETURNING</c> and <c>INSERT … ON CONFLICT … DO UPDATE … WHERE</c>. Placeholders are EF Core's
/// <c>{0}</c>, <c>{1}</c>…, which become provider parameters. Each returns one column named <c>Value</c>.
/// </summary>
internal sealed class ChatKitSql
{
    private ChatKitSql(string advanceReadPosition, string lockMembership, string probe, AppendNames append)
    {
        AdvanceReadPosition = advanceReadPosition;
        LockMembership = lockMembership;
        Probe = probe;
        Append = append;
    }

    /// <summary>The delimited table and column names, and the value conversions, the group append writes its SQL with.</summary>
    public AppendNames Append { get; }

    /// <summary>
    /// {0} conversation id, {1} user id, {2} seq: inserts the read position, or raises it when it is lower (never lowers
    /// it); returns the new seq, or no row when nothing changed or the conversation does not exist.
    /// </summary>
    public string AdvanceReadPosition { get; }

    /// <summary>
    /// {0} conversation id, {1} increment: locks the conversation row for a membership change and returns the
    /// participant counter after the increment; no row when the conversation does not exist.
    /// </summary>
    public string LockMembership { get; }

    /// <summary>A query that fails when ChatKit's tables are missing and reads nothing otherwise.</summary>
    public string Probe { get; }

    /// <summary>
    /// {0} conversation id, {1} user id, {2} seq: moves the delivery position to seq when that is beyond both the
    /// delivery and the read position; returns the new position, or no row when nothing changed or the conversation
    /// does not exist.
    /// </summary>
    public string AdvanceDelivery { get; private init; } = string.Empty;

    /// <summary>Writes the statements for a context's model, or explains that ChatKit's tables are not in it.</summary>
    public static ChatKitSql Create(DbContext context)
    {
        var model = context.Model;
        var conversations = FindEntity<ConversationEntity>(context, model);
        var readPositions = FindEntity<ReadPositionEntity>(context, model);
        FindEntity<ParticipantEntity>(context, model);
        FindEntity<MessageEntity>(context, model);

        var sql = context.GetService<ISqlGenerationHelper>();
        var value = sql.DelimitIdentifier("Value");

        var (conversationTable, conversationColumn) = Names(conversations, sql);
        var id = conversationColumn(nameof(ConversationEntity.Id));
        var lastSeq = conversationColumn(nameof(ConversationEntity.LastSeq));
        var lastActivity = conversationColumn(nameof(ConversationEntity.LastActivityAt));
        var counter = conversationColumn(nameof(ConversationEntity.ParticipantCounter));

        var (readTable, readColumn) = Names(readPositions, sql);
        var readConversation = readColumn(nameof(ReadPositionEntity.ConversationId));
        var readUser = readColumn(nameof(ReadPositionEntity.UserId));
        var readSeq = readColumn(nameof(ReadPositionEntity.Seq));

        // INSERT … SELECT … WHERE EXISTS: no row for an unknown conversation (instead of a foreign key error);
        // ON CONFLICT … DO UPDATE … WHERE: an atomic maximum, whichever of two concurrent callers comes first.
        var advance =
            $"INSERT INTO {readTable} AS r ({readConversation}, {readUser}, {readSeq}) "
            + $"SELECT {{0}}, {{1}}, {{2}} WHERE EXISTS (SELECT 1 FROM {conversationTable} WHERE {id} = {{0}}) "
            + $"ON CONFLICT ({readConversation}, {readUser}) DO UPDATE SET {readSeq} = excluded.{readSeq} "
            + $"WHERE r.{readSeq} < excluded.{readSeq} "
            + $"RETURNING {readSeq} AS {value}";

        var lockMembership =
            $"UPDATE {conversationTable} SET {counter} = {counter} + {{1}} "
            + $"WHERE {id} = {{0}} RETURNING {counter} AS {value}";

        var probe = $"SELECT 1 FROM {conversationTable} WHERE 1 = 0";

        var participants = FindEntity<ParticipantEntity>(context, model);
        var messages = FindEntity<MessageEntity>(context, model);
        var (participantTable, participantColumn) = Names(participants, sql);
        var (messageTable, messageColumn) = Names(messages, sql);
        var append = new AppendNames(
            conversationTable,
            id,
            lastSeq,
            lastActivity,
            conversationColumn(nameof(ConversationEntity.Type)),
            Converter(conversations, nameof(ConversationEntity.Type)),
            participantTable,
            participantColumn(nameof(ParticipantEntity.ConversationId)),
            participantColumn(nameof(ParticipantEntity.UserId)),
            messageTable,
            [.. AppendNames.MessageProperties.Select(messageColumn)],
            Converter(messages, nameof(MessageEntity.Type)),
            readTable,
            readConversation,
            readUser,
            readSeq)
        {
            ParticipantCounter = counter,
            BeginTransaction = context.Database.ProviderName?.Contains("Sqlite", StringComparison.OrdinalIgnoreCase) == true ? "BEGIN IMMEDIATE;" : "BEGIN;",
            UsesArrays = context.Database.ProviderName?.Contains("Npgsql", StringComparison.OrdinalIgnoreCase) == true,
        };
        // As the read position's upsert, on the delivery column: moves only past both positions (reading implies delivery).
        var delivered = readColumn(nameof(ReadPositionEntity.DeliveredSeq));
        var advanceDelivery =
            $"INSERT INTO {readTable} AS r ({readConversation}, {readUser}, {readSeq}, {delivered}) "
            + $"SELECT {{0}}, {{1}}, 0, {{2}} WHERE EXISTS (SELECT 1 FROM {conversationTable} WHERE {id} = {{0}}) "
            + $"ON CONFLICT ({readConversation}, {readUser}) DO UPDATE SET {delivered} = excluded.{delivered} "
            + $"WHERE r.{delivered} < excluded.{delivered} AND r.{readSeq} < excluded.{delivered} "
            + $"RETURNING {delivered} AS {value}";
        return new ChatKitSql(advance, lockMembership, probe, append with { Events = EventNames.Create(context, sql) }) { AdvanceDelivery = advanceDelivery };
    }

    private static Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter? Converter(IEntityType entity, string property) =>
        entity.FindProperty(property)!.GetTypeMapping().Converter;

    private static IEntityType FindEntity<T>(DbContext context, IModel model) =>
        model.FindEntityType(typeof(T))
        ?? throw new InvalidOperationException(
            $"{context.GetType().Name} does not contain ChatKit's tables: call modelBuilder.AddChatKit() in its OnModelCreating "
            + "(and add a migration), or use ChatKit's own context with UseEntityFrameworkCore(options => …).");

    /// <summary>An entity's delimited table name (with its schema) and a function giving a property's delimited column name.</summary>
    internal static (string Table, Func<string, string> Column) Names(IEntityType entity, ISqlGenerationHelper sql)
    {
        var table = entity.GetTableMappings().Single().Table;
        var delimitedTable = sql.DelimitIdentifier(table.Name, table.Schema);
        return (delimitedTable, property =>
        {
            var column = entity.FindProperty(property)!.GetTableColumnMappings().Single(m => m.TableMapping.Table == table).Column;
            return sql.DelimitIdentifier(column.Name);
        });
    }
}

/// <summary>Names for the group append's statements, delimited for the provider, and the model's value conversions.</summary>
internal sealed record AppendNames(
    string ConversationTable,
    string ConversationId,
    string LastSeq,
    string LastActivityAt,
    string ConversationType,
    Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter? ConversationTypeConverter,
    string ParticipantTable,
    string ParticipantConversationId,
    string ParticipantUserId,
    string MessageTable,
    IReadOnlyList<string> MessageColumns,
    Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter? MessageTypeConverter,
    string ReadPositionTable,
    string ReadPositionConversationId,
    string ReadPositionUserId,
    string ReadPositionSeq)
{
    /// <summary>The event log's names and the provider's expressions for it.</summary>
    public EventNames Events { get; init; } = null!;
    /// <summary>The conversation's participant counter, which every membership change raises (the participant cache's stamp).</summary>
    public string ParticipantCounter { get; init; } = string.Empty;

    /// <summary>
    /// The statement that starts an append group's transaction: <c>BEGIN IMMEDIATE</c> on SQLite (take the write lock
    /// first, as Microsoft.Data.Sqlite's transactions do), <c>BEGIN</c> elsewhere.
    /// </summary>
    public string BeginTransaction { get; init; } = "BEGIN;";

    /// <summary>
    /// PostgreSQL: the group's statements take their values as arrays (<c>unnest</c>, <c>= ANY</c>), so each has one
    /// text whatever the group holds, and is prepared once per connection instead of parsed and planned per group.
    /// </summary>
    public bool UsesArrays { get; init; }

    /// <summary>The message columns, in the order of <see cref="MessageColumns"/>.</summary>
    public static readonly string[] MessageProperties =
    [
        nameof(MessageEntity.Id), nameof(MessageEntity.ConversationId), nameof(MessageEntity.Seq), nameof(MessageEntity.SenderId),
        nameof(MessageEntity.SenderName), nameof(MessageEntity.Content), nameof(MessageEntity.Type), nameof(MessageEntity.TempId),
        nameof(MessageEntity.CreatedAt), nameof(MessageEntity.EditedAt), nameof(MessageEntity.DeletedAt),
        nameof(MessageEntity.Metadata), nameof(MessageEntity.System),
        nameof(MessageEntity.ReplyToId), nameof(MessageEntity.Mentions), nameof(MessageEntity.Attachments),
    ];
}
