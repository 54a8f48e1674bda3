using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ChatKit.Storage.EfCore.Internal;

/// <summary>
/// Sets up every SQLite connection EF Core opens for a server workload: a busy timeout, so a writer waits for the write
/// lock held by another connection or process instead of failing at once; foreign keys on; and, once per database
/// file, write-ahead logging (persistent in the file), so readers never block the writer nor the writer the readers.
/// Other providers' connections are left alone, and the package needs no reference to the SQLite provider.
/// </summary>
internal sealed class SqliteConnectionInterceptor : DbConnectionInterceptor
{
    private const string SqliteConnectionType = "Microsoft.Data.Sqlite.SqliteConnection";
    private readonly string _everyOpen;
    private readonly int _defaultTimeoutSeconds;
    private readonly ConcurrentDictionary<string, bool> _walSet = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _readOnly = new(StringComparer.Ordinal);

    public SqliteConnectionInterceptor(TimeSpan busyTimeout)
    {
        var milliseconds = (long)busyTimeout.TotalMilliseconds;
        _everyOpen = string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {milliseconds}; PRAGMA foreign_keys = ON;");
        _defaultTimeoutSeconds = (int)Math.Max(1, Math.Ceiling(busyTimeout.TotalSeconds));
    }

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (!IsSqlite(connection))
        {
            return;
        }

        BoundBusyRetries(connection);
        using var command = CreateCommand(connection, _everyOpen);
        command.ExecuteNonQuery();
        if (NeedsWal(connection))
        {
            using var wal = CreateCommand(connection, "PRAGMA journal_mode = WAL;");
            wal.ExecuteNonQuery();
            _walSet.TryAdd(connection.DataSource, true);
        }
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (!IsSqlite(connection))
        {
            return;
        }

        BoundBusyRetries(connection);
        var command = CreateCommand(connection, _everyOpen);
        await using (command.ConfigureAwait(false))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (NeedsWal(connection))
        {
            var wal = CreateCommand(connection, "PRAGMA journal_mode = WAL;");
            await using (wal.ConfigureAwait(false))
            {
                await wal.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            _walSet.TryAdd(connection.DataSource, true);
        }
    }

    /// <summary>
    /// Microsoft.Data.Sqlite retries a busy statement (sleeping its thread) until the command timeout, 30 seconds unless
    /// set: far past the busy timeout, with a node's sends queued behind it. Its connection's default timeout, which its
    /// commands and its implicit BEGIN take, becomes the busy timeout rounded up to a second, so a writer held up by
    /// another fails within about that long (with <c>unavailable</c>) instead. A command timeout the host configured on
    /// the context is still applied by EF Core to the commands it runs.
    /// </summary>
    private void BoundBusyRetries(DbConnection connection)
    {
        var property = connection.GetType().GetProperty("DefaultTimeout");
        if (property is { CanWrite: true } && property.PropertyType == typeof(int) && (int)property.GetValue(connection)! > _defaultTimeoutSeconds)
        {
            property.SetValue(connection, _defaultTimeoutSeconds);
        }
    }

    private static bool IsSqlite(DbConnection connection)
    {
        for (var type = connection.GetType(); type is not null; type = type.BaseType)
        {
            if (string.Equals(type.FullName, SqliteConnectionType, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    // journal_mode=WAL is stored in the database file, so it is set once per file and process, not at every open; and
    // not on a read-only connection (EF Core opens one to check whether the file exists), which cannot change it.
    private bool NeedsWal(DbConnection connection) =>
        !_walSet.ContainsKey(connection.DataSource)
        && !_readOnly.GetOrAdd(connection.ConnectionString, static text => IsReadOnly(text));

    private static bool IsReadOnly(string connectionString)
    {
        var builder = new DbConnectionStringBuilder { ConnectionString = connectionString };
        return builder.TryGetValue("Mode", out var mode)
            && string.Equals(Convert.ToString(mode, CultureInfo.InvariantCulture), "ReadOnly", StringComparison.OrdinalIgnoreCase);
    }

    private static DbCommand CreateCommand(DbConnection connection, string text)
    {
        var command = connection.CreateCommand();
#pragma warning disable CA2100 // Fixed pragmas; the only variable part is a number formatted here.
        command.CommandText = text;
#pragma warning restore CA2100
        return command;
    }
}
