using Npgsql;
using NpgsqlTypes;

namespace ChatKit.Benchmarks.Servers;

/// <summary>
/// What a typical hand-written durable hub does: one awaited INSERT per message through Npgsql's pool, before the ack.
/// No seq in the database, no idempotency, no membership check: the <c>baseline-durable</c> server.
/// </summary>
internal sealed class BaselineStore : IAsyncDisposable
{
    private const string Table = "bench_baseline_messages";
    private readonly NpgsqlDataSource _dataSource;

    private BaselineStore(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    /// <summary>Creates the database (when missing) and the table, and returns the store.</summary>
    public static async Task<BaselineStore> CreateAsync(string connectionString)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        var admin = new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false };
        await using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            await connection.OpenAsync().ConfigureAwait(false);
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection) { Parameters = { new() { Value = target.Database } } };
            if (await exists.ExecuteScalarAsync().ConfigureAwait(false) is null)
            {
                try
                {
                    await using var create = new NpgsqlCommand($"CREATE DATABASE \"{target.Database}\"", connection);
                    await create.ExecuteNonQueryAsync().ConfigureAwait(false);
                }
                catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
                {
                    // Another server of the run created it first.
                }
            }
        }

        var dataSource = NpgsqlDataSource.Create(connectionString);
        await using (var command = dataSource.CreateCommand(
            $"CREATE TABLE IF NOT EXISTS {Table} (id text PRIMARY KEY, conversation_id text NOT NULL, sender_id text NOT NULL, content text NOT NULL, temp_id text, created_at timestamptz NOT NULL)"))
        {
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        return new BaselineStore(dataSource);
    }

    /// <summary>Stores one message: one INSERT, one round trip, autocommit (so one fsync).</summary>
    public async Task InsertAsync(string id, string conversationId, string senderId, string content, string? tempId, DateTime createdAt)
    {
        await using var command = _dataSource.CreateCommand($"INSERT INTO {Table} (id, conversation_id, sender_id, content, temp_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = conversationId });
        command.Parameters.Add(new NpgsqlParameter { Value = senderId });
        command.Parameters.Add(new NpgsqlParameter { Value = content });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)tempId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = createdAt });
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
