namespace ChatKit.Storage.EfCore;

/// <summary>How ChatKit's EF Core store starts and talks to its database. Validated at start-up.</summary>
public sealed class EfCoreChatStoreOptions
{
    /// <summary>
    /// Whether a hosted service creates ChatKit's tables at start-up when they are missing (and the database itself,
    /// when it does not exist). Default <see langword="true"/> with ChatKit's own context
    /// (<c>UseEntityFrameworkCore(options => …)</c>), where it creates exactly ChatKit's tables even in a database that
    /// has other tables; <see langword="false"/> with the host's context (<c>UseEntityFrameworkCore&lt;TContext&gt;()</c>),
    /// whose migrations create them; set to <see langword="true"/> there, it calls <c>EnsureCreated</c> on the host's
    /// context. Set it to <see langword="false"/> when the host creates the tables itself.
    /// </summary>
    public bool CreateSchemaOnStartup { get; set; } = true;

    /// <summary>
    /// With SQLite, how long a connection waits for another writer (another request, or another process on the same
    /// file) before it reports the database busy. Default 5 seconds; 0 to 10 minutes. Applies to ChatKit's own context,
    /// and to a host's context configured with <c>UseChatKitSqliteSettings()</c> (which takes its own value).
    /// </summary>
    public TimeSpan SqliteBusyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How many sends may wait to be written at most, per node. Sends are written in groups (one transaction for
    /// whatever queued up while the previous group was written); when the database falls this far behind, a further
    /// send waits for room in the queue (or until its caller cancels it) instead of adding to memory. Default 10,000;
    /// 1 to 1,000,000.
    /// </summary>
    public int MaxQueuedAppends { get; set; } = 10_000;
}
