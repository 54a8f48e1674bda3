using Microsoft.EntityFrameworkCore;

namespace ChatKit.Storage.EfCore.Internal;

/// <summary>
/// The transaction of one append group, started and ended by statements inside the group's own commands instead of
/// separate round trips: its first command opens with <c>BEGIN</c> (<c>BEGIN IMMEDIATE</c> on SQLite, so the group
/// takes the write lock first, as Microsoft.Data.Sqlite's own transactions do) and its last ends with <c>COMMIT</c>. A
/// group is then two round trips, not three. The context's connection stays open from the first command to the last,
/// and a group that did not commit (a statement failed, the commit included) is rolled back before the connection goes
/// back to its pool.
/// </summary>
internal sealed class GroupTransaction : IAsyncDisposable
{
    private readonly DbContext _db;
    private readonly string _begin;
    private bool _begun;
    private bool _committed;

    private GroupTransaction(DbContext db, string begin)
    {
        _db = db;
        _begin = begin;
    }

    /// <summary>Opens the context's connection for the group's commands.</summary>
    public static async Task<GroupTransaction> OpenAsync(DbContext db, AppendNames names, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct).ConfigureAwait(false);
        return new GroupTransaction(db, names.BeginTransaction);
    }

    /// <summary>The statement that starts the transaction, to open the group's first command with.</summary>
    public string Begin()
    {
        _begun = true;
        return _begin + "\n";
    }

    /// <summary>The statement that commits, to end the group's last command with; call <see cref="Committed"/> once it ran.</summary>
    public static string Commit() => "COMMIT;\n";

    /// <summary>Records that the command ending with <see cref="Commit"/> succeeded.</summary>
    public void Committed() => _committed = true;

    /// <summary>Commits in a command of its own (a group that stored nothing new).</summary>
    public async Task CommitAsync(CancellationToken ct)
    {
        await _db.Database.ExecuteSqlRawAsync("COMMIT", ct).ConfigureAwait(false);
        _committed = true;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_begun && !_committed)
            {
                await RollbackAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            await _db.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Rolls back on the provider's connection itself, as a provider's own transaction object does, not through the
    /// context's interceptors: a connection must not go back to its pool inside a transaction, whatever a host's
    /// interceptor does. A rollback that fails leaves the original failure to the callers.
    /// </summary>
    private async Task RollbackAsync()
    {
        try
        {
            var command = _db.Database.GetDbConnection().CreateCommand();
            await using (command.ConfigureAwait(false))
            {
                command.CommandText = "ROLLBACK";
                await command.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // No transaction left to roll back (the failing statement was BEGIN, or the database ended it), or the
            // connection broke, which ends the transaction on the server.
        }
    }
}
