using ChatKit.Storage.EfCore.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static ChatKit.Storage.EfCore.Tests.Support.TestData;

namespace ChatKit.Storage.EfCore.Tests;

/// <summary>What the SQLite set-up adds: durability across restarts, connection settings, schema creation, lock waits.</summary>
public sealed class SqliteStoreTests : IDisposable
{
    private readonly SqliteFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task Restart_NewServiceProviderOverTheSameFile_KeepsHistoryReadPositionsAndTempIds()
    {
        var connectionString = _files.ConnectionString("chat.db");
        var (alice, bob, carol) = (NewUserId(), NewUserId(), NewUserId());
        var group = NewGroup(alice, bob, carol);
        var tempId = NewTempId();
        List<ChatMessage> before;
        await using (var node = await StoreNode.StartAsync(o => o.UseSqlite(connectionString)))
        {
            await node.Store.CreateConversationAsync(group, Ct);
            await node.Store.AppendMessageAsync(NewMessage(group.Id, alice), Ct);
            await node.Store.AppendMessageAsync(NewMessage(group.Id, bob, tempId), Ct);
            await node.Store.AppendMessageAsync(NewMessage(group.Id, alice), Ct);
            await node.Store.AdvanceReadPositionAsync(group.Id, carol, 2, Ct);
            before = [.. (await node.Store.GetMessagesAsync(group.Id, null, null, 100, Ct)).Items];
        }

        SqliteConnection.ClearAllPools(); // nothing of the first process survives but the file

        await using var restarted = await StoreNode.StartAsync(o => o.UseSqlite(connectionString));
        var store = restarted.Store;

        Assert.Equal(before, (await store.GetMessagesAsync(group.Id, null, null, 100, Ct)).Items);
        Assert.Equal(2, await store.GetReadPositionAsync(group.Id, carol, Ct));
        Assert.Equal(3, await store.GetReadPositionAsync(group.Id, alice, Ct));
        var retry = await store.AppendMessageAsync(NewMessage(group.Id, bob, tempId), Ct);
        Assert.False(retry.Created);
        Assert.Equal(before[1], retry.Value);
        var next = await store.AppendMessageAsync(NewMessage(group.Id, carol), Ct);
        Assert.Equal(4, next.Value.Seq);
        var view = Assert.Single(await store.ListConversationsAsync(bob, null, 10, Ct));
        Assert.Equal(4, view.Conversation.LastSeq);
        Assert.Equal(2, view.UnreadCount); // bob sent seq 2; seq 3 (alice) and 4 (carol) are unread
    }

    [Fact]
    public async Task Connections_UseWalTheBusyTimeoutAndForeignKeys()
    {
        await using var node = await StoreNode.StartAsync(
            o => o.UseSqlite(_files.ConnectionString("chat.db")),
            o => o.SqliteBusyTimeout = TimeSpan.FromMilliseconds(1234));
        var factory = node.Services.GetRequiredService<IDbContextFactory<ChatKitDbContext>>();
        await using var db = await factory.CreateDbContextAsync(Ct);
        await db.Database.OpenConnectionAsync(Ct);

        Assert.Equal("wal", await PragmaAsync(db, "journal_mode"));
        Assert.Equal("1234", await PragmaAsync(db, "busy_timeout"));
        Assert.Equal("1", await PragmaAsync(db, "foreign_keys"));
        Assert.Equal("2", await PragmaAsync(db, "synchronous")); // FULL: a commit is on disk before the store returns
        Assert.True(Version.Parse((await ScalarAsync(_files.ConnectionString("chat.db"), "SELECT sqlite_version()"))!) >= new Version(3, 35), "RETURNING needs SQLite 3.35");
    }

    [Fact]
    public async Task AppendMessage_WhileAnotherProcessHoldsTheWriteLock_WaitsForItInsteadOfFailing()
    {
        var connectionString = _files.ConnectionString("chat.db");
        await using var node = await StoreNode.StartAsync(o => o.UseSqlite(connectionString));
        var group = NewGroup(NewUserId(), NewUserId());
        await node.Store.CreateConversationAsync(group, Ct);

        // Another process's writer: a separate connection that takes the write lock and keeps it.
        await using var other = new SqliteConnection(connectionString + ";Pooling=False");
        await other.OpenAsync(Ct);
        await using (var begin = other.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE; INSERT INTO chatkit_read_positions (conversation_id, user_id, seq) VALUES ($c, 'other', 7);";
            begin.Parameters.AddWithValue("$c", group.Id);
            await begin.ExecuteNonQueryAsync(Ct);
        }

        // On its own thread: Microsoft.Data.Sqlite waits for a lock synchronously, inside the call.
        var append = Task.Run(() => node.Store.AppendMessageAsync(NewMessage(group.Id, group.CreatedBy), Ct), Ct);

        // The append cannot finish while the lock is held (this checks it is still waiting, it does not wait for a result).
        await Task.Delay(TimeSpan.FromMilliseconds(300), Ct);
        Assert.False(append.IsCompleted, "the append finished while another connection held the write lock");

        await using (var commit = other.CreateCommand())
        {
            commit.CommandText = "COMMIT;";
            await commit.ExecuteNonQueryAsync(Ct);
        }

        var result = await append.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.True(result.Created);
        Assert.Equal(1, result.Value.Seq);
        Assert.Equal(7, await node.Store.GetReadPositionAsync(group.Id, "other", Ct));
    }

    [Fact]
    public async Task SchemaCreation_InADatabaseWithOtherTables_CreatesChatKitsTablesBesideThem()
    {
        var connectionString = _files.ConnectionString("app.db");
        await ExecuteAsync(connectionString, "CREATE TABLE orders (id INTEGER PRIMARY KEY, total INTEGER); INSERT INTO orders VALUES (1, 42);");

        await using var node = await StoreNode.StartAsync(o => o.UseSqlite(connectionString));
        var group = NewGroup(NewUserId(), NewUserId());
        await node.Store.CreateConversationAsync(group, Ct);
        var sent = await node.Store.AppendMessageAsync(NewMessage(group.Id, group.CreatedBy), Ct);

        Assert.Equal(1, sent.Value.Seq);
        Assert.Equal(
            ["chatkit_attachments", "chatkit_conversations", "chatkit_event_audiences", "chatkit_events", "chatkit_messages", "chatkit_outbox_checkpoints", "chatkit_outbox_leases", "chatkit_outbox_retries", "chatkit_participants", "chatkit_push_registrations", "chatkit_reactions", "chatkit_read_positions", "orders"],
            await TablesAsync(connectionString));
        Assert.Equal("42", await ScalarAsync(connectionString, "SELECT total FROM orders WHERE id = 1"));
    }

    [Fact]
    public async Task SchemaCreation_FourNodesStartingTogetherOnANewFile_CreateTheTablesOnce()
    {
        var connectionString = _files.ConnectionString("new.db");

        var logs = new LogCollector();

        // Each on its own thread: Microsoft.Data.Sqlite is synchronous, so this is how the starts overlap.
        var nodes = await Task.WhenAll(Enumerable.Range(1, 4).Select(i => Task.Run(
            () => StoreNode.StartAsync(
                o => o.UseSqlite(connectionString + ";Default Timeout=" + (30 + i)),
                services: s => s.AddLogging(b => b.AddProvider(logs))),
            Ct)));
        try
        {
            Assert.Single(logs.Entries, e => e.Category.EndsWith("ChatKitSchemaInitializer", StringComparison.Ordinal) && e.EventId.Id == 2); // "Created ChatKit's tables": one node did
            var group = NewGroup(NewUserId(), NewUserId());
            await nodes[0].Store.CreateConversationAsync(group, Ct);
            await nodes[3].Store.AppendMessageAsync(NewMessage(group.Id, group.CreatedBy), Ct);
            Assert.Equal(1, (await nodes[2].Store.FindConversationAsync(group.Id, Ct))!.LastSeq);
            Assert.Equal(12, (await TablesAsync(connectionString)).Count);
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task SchemaCreation_TurnedOff_CreatesNoTables()
    {
        var connectionString = _files.ConnectionString("empty.db");
        await ExecuteAsync(connectionString, "CREATE TABLE host_things (id INTEGER PRIMARY KEY);");

        await using var node = await StoreNode.StartAsync(o => o.UseSqlite(connectionString), o => o.CreateSchemaOnStartup = false);

        Assert.Equal(["host_things"], await TablesAsync(connectionString));
        await Assert.ThrowsAsync<SqliteException>(() => node.Store.FindConversationAsync("c_1", Ct));
    }

    [Fact]
    public async Task Schema_StoresTimestampsAsUnixMillisecondsAndEnumsAsNames()
    {
        var connectionString = _files.ConnectionString("chat.db");
        await using var node = await StoreNode.StartAsync(o => o.UseSqlite(connectionString));
        var group = NewGroup(NewUserId(), NewUserId());
        await node.Store.CreateConversationAsync(group, Ct);
        var message = NewMessage(group.Id, group.CreatedBy) with { CreatedAt = new DateTimeOffset(2026, 11, 24, 10, 0, 0, 123, TimeSpan.Zero) };
        await node.Store.AppendMessageAsync(message, Ct);

        Assert.Equal("1795514400123", await ScalarAsync(connectionString, $"SELECT created_at FROM chatkit_messages WHERE id = '{message.Id}'"));
        Assert.Equal("Text", await ScalarAsync(connectionString, $"SELECT type FROM chatkit_messages WHERE id = '{message.Id}'"));
        Assert.Equal("Owner", await ScalarAsync(connectionString, $"SELECT role FROM chatkit_participants WHERE user_id = '{group.CreatedBy}'"));
        Assert.Equal("1795514400123", await ScalarAsync(connectionString, $"SELECT last_activity_at FROM chatkit_conversations WHERE id = '{group.Id}'"));
    }

    private static async Task<string?> PragmaAsync(DbContext db, string name)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = "PRAGMA " + name;
        return Convert.ToString(await command.ExecuteScalarAsync(Ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    internal static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(Ct);
    }

    internal static async Task<string?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(await command.ExecuteScalarAsync(Ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    internal static async Task<List<string>> TablesAsync(string connectionString)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
        var tables = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            tables.Add(reader.GetString(0));
        }

        return tables;
    }
}
