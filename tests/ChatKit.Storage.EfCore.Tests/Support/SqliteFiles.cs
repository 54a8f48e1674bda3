using Microsoft.EntityFrameworkCore;
using Microsoft.Data.Sqlite;

namespace ChatKit.Storage.EfCore.Tests.Support;

/// <summary>A temporary folder for SQLite database files, deleted (after SQLite's pools let go of them) on dispose.</summary>
public sealed class SqliteFiles : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("chatkit-sqlite-").FullName;

    /// <summary>The path of a database file in the folder (not created).</summary>
    public string PathOf(string name) => Path.Combine(_directory, name);

    /// <summary>
    /// A connection string for a file in the folder. <paramref name="node"/> varies the text, so each node gets its own
    /// connection pool, as separate processes would.
    /// </summary>
    public string ConnectionString(string name, int node = 1) =>
        new SqliteConnectionStringBuilder { DataSource = PathOf(name), Pooling = true, DefaultTimeout = 30 + node }.ToString();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}

/// <summary>A SQLite file shared by every test of a class, with two nodes over it.</summary>
public sealed class SqliteNodesFixture : IAsyncLifetime
{
    private readonly SqliteFiles _files = new();

    public StoreNodes Nodes { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Nodes = await StoreNodes.StartAsync((node, o) => o.UseSqlite(_files.ConnectionString("chat.db", node)));
    }

    public async ValueTask DisposeAsync()
    {
        await Nodes.DisposeAsync();
        _files.Dispose();
    }
}
