using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ChatKit.Storage.EfCore.Internal;

/// <summary>
/// Prepares the append group's commands on ChatKit's own context: those whose statements have one text whatever the
/// group holds (marked with <see cref="EfCoreChatStore.PreparedMarker"/>, written only on PostgreSQL). A provider that
/// keeps prepared statements on the physical connection (Npgsql does, across pool returns) parses and plans each
/// statement once per connection; preparing a command whose statements are prepared already costs no round trip. Every
/// other command, ChatKit's or a host's, is left as it is, so the number of prepared statements stays fixed.
/// </summary>
internal sealed class PreparingCommandInterceptor : DbCommandInterceptor
{
    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        PrepareIfMarked(command);
        return result;
    }

    public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        await PrepareIfMarkedAsync(command, cancellationToken).ConfigureAwait(false);
        return result;
    }

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        PrepareIfMarked(command);
        return result;
    }

    public override async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        await PrepareIfMarkedAsync(command, cancellationToken).ConfigureAwait(false);
        return result;
    }

    private static bool IsMarked(DbCommand command) => command.CommandText.StartsWith(EfCoreChatStore.PreparedMarker, StringComparison.Ordinal);

    private static void PrepareIfMarked(DbCommand command)
    {
        if (IsMarked(command))
        {
            command.Prepare();
        }
    }

    private static Task PrepareIfMarkedAsync(DbCommand command, CancellationToken cancellationToken) =>
        IsMarked(command) ? command.PrepareAsync(cancellationToken) : Task.CompletedTask;
}
