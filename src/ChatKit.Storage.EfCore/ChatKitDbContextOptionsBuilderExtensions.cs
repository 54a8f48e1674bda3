using ChatKit.Storage.EfCore.Internal;

namespace Microsoft.EntityFrameworkCore;

/// <summary>Connection settings for a host's DbContext that holds ChatKit's tables.</summary>
public static class ChatKitDbContextOptionsBuilderExtensions
{
    /// <summary>
    /// Configures every SQLite connection the context opens for a server workload, as ChatKit's own context does:
    /// write-ahead logging (readers never block the writer), a busy timeout (a writer waits for another writer, from
    /// this process or another one on the same file, instead of failing) and foreign keys on. Does nothing with other
    /// providers, so it can stay in a configuration that switches between SQLite and PostgreSQL.
    /// </summary>
    /// <param name="optionsBuilder">The host context's options, after <c>UseSqlite(…)</c>.</param>
    /// <param name="busyTimeout">How long a writer waits for another; default 5 seconds.</param>
    /// <returns>The options builder.</returns>
    public static DbContextOptionsBuilder UseChatKitSqliteSettings(this DbContextOptionsBuilder optionsBuilder, TimeSpan? busyTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(optionsBuilder);
        var timeout = busyTimeout ?? TimeSpan.FromSeconds(5);
        EfCoreChatStoreOptionsValidator.ThrowIfInvalidBusyTimeout(timeout);
        return optionsBuilder.AddInterceptors(new SqliteConnectionInterceptor(timeout));
    }
}
