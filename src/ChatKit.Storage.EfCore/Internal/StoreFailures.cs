using System.Data.Common;
using System.Net.Sockets;
using Microsoft.EntityFrameworkCore.Storage;

namespace ChatKit.Storage.EfCore.Internal;

/// <summary>
/// Tells a database that is unreachable for the moment (down, restarting, refusing connections, busy past its timeout)
/// from a real failure, so the store can answer the first with <see cref="ChatErrorCode.Unavailable"/>: the caller retries
/// (a send with the same tempId) instead of seeing an internal error. Provider-neutral: the package references no
/// provider, so providers are recognised by what every ADO.NET provider exposes.
/// </summary>
internal static class StoreFailures
{
    /// <summary>How long a client should wait before retrying, as REST's Retry-After says.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    // SQLITE_BUSY and SQLITE_LOCKED: another connection holds the lock past the busy timeout.
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const string SqliteExceptionType = "Microsoft.Data.Sqlite.SqliteException";

    /// <summary>Whether <paramref name="exception"/> (or one it wraps) says the database is unreachable for the moment.</summary>
    public static bool IsTransient(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case OperationCanceledException:
                    return false;
                case RetryLimitExceededException or TimeoutException or SocketException:
                    return true;
                case DbException db when db.IsTransient || IsSqliteBusy(db) || IsPostgresUnavailable(db):
                    return true;
            }
        }

        return false;
    }

    /// <summary>The error the store throws instead of a transient failure.</summary>
    public static ChatException Unavailable() =>
        new(ChatErrorCode.Unavailable, "the database is unreachable for the moment; retry (a send with the same tempId)", retryAfter: RetryAfter);

    private static bool IsSqliteBusy(DbException exception) =>
        exception.GetType().FullName == SqliteExceptionType
        && (exception.GetType().GetProperty("SqliteErrorCode")?.GetValue(exception) ?? exception.ErrorCode) is SqliteBusy or SqliteLocked;

    // Class 08 (connection exception), 53 (insufficient resources), 57P01-57P03 (shutdown, crash, cannot connect now):
    // the server is going away or not there yet. Npgsql marks most of them transient itself; not the shutdowns.
    private static bool IsPostgresUnavailable(DbException exception) =>
        exception.SqlState is { Length: 5 } state
        && (state.StartsWith("08", StringComparison.Ordinal) || state.StartsWith("53", StringComparison.Ordinal) || state is "57P01" or "57P02" or "57P03");
}
