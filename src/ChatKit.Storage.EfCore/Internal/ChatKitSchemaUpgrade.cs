using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;

namespace ChatKit.Storage.EfCore.Internal;

/// <summary>
/// Brings a database created by an older ChatKit up to the context's model, without migrations: from the model's own
/// "create everything" operations (EF Core's migrations differ against an empty model) it runs those whose object is
/// missing: a table that does not exist, a column an existing table lacks (added nullable, or with its type's default when
/// the model says NOT NULL), an index that does not exist. Nothing is dropped or altered. Every step re-checks after a
/// failure, so several nodes upgrading one database at the same moment all succeed: one adds, the others find it added.
/// Model-driven: a table, column or index added to <see cref="ChatKitModel"/> later is picked up without code here.
/// </summary>
/// <remarks>
/// Limits, by design: a column added to an existing table gets no foreign key (SQLite cannot add one), and a column
/// whose type or nullability changed is left as it is. Only ChatKit's own context is upgraded; a host's context has its
/// own migrations.
/// </remarks>
internal static class ChatKitSchemaUpgrade
{
    /// <summary>Runs the missing steps; returns what it added, as sentences for the log.</summary>
    public static async Task<IReadOnlyList<string>> UpgradeAsync(DbContext db, CancellationToken cancellationToken)
    {
        var model = db.GetService<IDesignTimeModel>().Model;
        var operations = db.GetService<IMigrationsModelDiffer>().GetDifferences(null, model.GetRelationalModel());
        var done = new List<string>();
        await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = db.Database.GetDbConnection();
            var provider = db.Database.ProviderName ?? string.Empty;
            var sql = db.GetService<ISqlGenerationHelper>();
            foreach (var operation in operations)
            {
                switch (operation)
                {
                    case EnsureSchemaOperation:
                        await RunAsync(db, model, [operation], () => Task.FromResult(true), cancellationToken).ConfigureAwait(false);
                        break;
                    case CreateTableOperation table:
                        var columns = await ColumnsAsync(connection, sql.DelimitIdentifier(table.Name, table.Schema), cancellationToken).ConfigureAwait(false);
                        if (columns is null)
                        {
                            await RunAsync(
                                    db,
                                    model,
                                    [table],
                                    async () => await ColumnsAsync(connection, sql.DelimitIdentifier(table.Name, table.Schema), cancellationToken).ConfigureAwait(false) is not null,
                                    cancellationToken)
                                .ConfigureAwait(false);
                            done.Add($"created table {table.Name}");
                            break;
                        }

                        foreach (var column in table.Columns.Where(c => !columns.Contains(c.Name)))
                        {
                            await RunAsync(
                                    db,
                                    model,
                                    [ToAddColumn(table, column)],
                                    async () => (await ColumnsAsync(connection, sql.DelimitIdentifier(table.Name, table.Schema), cancellationToken).ConfigureAwait(false))?.Contains(column.Name) == true,
                                    cancellationToken)
                                .ConfigureAwait(false);
                            done.Add($"added column {table.Name}.{column.Name}");
                        }

                        break;
                    case CreateIndexOperation index:
                        var exists = await IndexExistsAsync(connection, provider, index, cancellationToken).ConfigureAwait(false);
                        if (exists == false)
                        {
                            await RunAsync(
                                    db,
                                    model,
                                    [index],
                                    async () => await IndexExistsAsync(connection, provider, index, cancellationToken).ConfigureAwait(false) == true,
                                    cancellationToken)
                                .ConfigureAwait(false);
                            done.Add($"created index {index.Name}");
                        }

                        break;
                }
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync().ConfigureAwait(false);
        }

        return done;
    }

    /// <summary>A column of a table that exists: nullable as the model says, or with a default when it is NOT NULL.</summary>
    private static AddColumnOperation ToAddColumn(CreateTableOperation table, AddColumnOperation column)
    {
        var add = new AddColumnOperation
        {
            Schema = table.Schema,
            Table = table.Name,
            Name = column.Name,
            ClrType = column.ClrType,
            ColumnType = column.ColumnType,
            IsUnicode = column.IsUnicode,
            IsFixedLength = column.IsFixedLength,
            MaxLength = column.MaxLength,
            Precision = column.Precision,
            Scale = column.Scale,
            IsNullable = column.IsNullable,
            DefaultValue = column.DefaultValue,
            DefaultValueSql = column.DefaultValueSql,
            Collation = column.Collation,
            Comment = column.Comment,
        };
        if (!add.IsNullable && add.DefaultValue is null && add.DefaultValueSql is null)
        {
            // Existing rows need a value: the type's own default (0, false, the empty string).
            add.DefaultValue = add.ClrType == typeof(string) ? string.Empty : Activator.CreateInstance(add.ClrType);
        }

        foreach (var annotation in column.GetAnnotations())
        {
            add.AddAnnotation(annotation.Name, annotation.Value);
        }

        return add;
    }

    /// <summary>Runs operations; when they fail, succeeds anyway if <paramref name="applied"/> says another node applied them.</summary>
    private static async Task RunAsync(DbContext db, IModel model, IReadOnlyList<MigrationOperation> operations, Func<Task<bool>> applied, CancellationToken cancellationToken)
    {
        var commands = db.GetService<IMigrationsSqlGenerator>().Generate(operations, model);
        var connection = db.GetService<IRelationalConnection>();
        try
        {
            foreach (var command in commands)
            {
                await command.ExecuteNonQueryAsync(connection, null, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (DbException)
        {
            // Another node made the same change a moment ago, or this is a real failure.
            if (!await applied().ConfigureAwait(false))
            {
                throw;
            }
        }
    }

    /// <summary>The table's column names, or <see langword="null"/> when the table does not exist.</summary>
    private static async Task<HashSet<string>?> ColumnsAsync(DbConnection connection, string table, CancellationToken cancellationToken)
    {
        var command = connection.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
#pragma warning disable CA2100 // Identifiers from the model, delimited by the provider; no input.
            command.CommandText = $"SELECT * FROM {table} WHERE 1 = 0";
#pragma warning restore CA2100
            try
            {
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                    for (var i = 0; i < reader.FieldCount; i++)
                    {
                        names.Add(reader.GetName(i));
                    }

                    return names;
                }
            }
            catch (DbException)
            {
                return null;
            }
        }
    }

    /// <summary>Whether the index exists, on SQLite and PostgreSQL; <see langword="null"/> (unknown, left alone) elsewhere.</summary>
    private static async Task<bool?> IndexExistsAsync(DbConnection connection, string provider, CreateIndexOperation index, CancellationToken cancellationToken)
    {
        string query;
        if (provider.Contains("Sqlite", StringComparison.OrdinalIgnoreCase))
        {
            query = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = @name";
        }
        else if (provider.Contains("Npgsql", StringComparison.OrdinalIgnoreCase))
        {
            query = "SELECT COUNT(*) FROM pg_indexes WHERE indexname = @name AND schemaname = COALESCE(@schema, current_schema())";
        }
        else
        {
            return null;
        }

        var command = connection.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
#pragma warning disable CA2100 // Constant text; the names are parameters.
            command.CommandText = query;
#pragma warning restore CA2100
            AddParameter(command, "@name", index.Name);
            if (query.Contains("@schema", StringComparison.Ordinal))
            {
                AddParameter(command, "@schema", index.Schema);
            }

            var count = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return Convert.ToInt64(count, System.Globalization.CultureInfo.InvariantCulture) > 0;
        }
    }

    private static void AddParameter(DbCommand command, string name, string? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = (object?)value ?? DBNull.Value;
        parameter.DbType = System.Data.DbType.String;
        command.Parameters.Add(parameter);
    }
}
