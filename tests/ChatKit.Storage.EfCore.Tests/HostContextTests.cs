using ChatKit.Storage.EfCore.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using static ChatKit.Storage.EfCore.Tests.Support.TestData;

namespace ChatKit.Storage.EfCore.Tests;

/// <summary>A host that keeps ChatKit's tables in its own DbContext (and its own migrations).</summary>
public sealed class HostContextTests : IDisposable
{
    private readonly SqliteFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task HostContext_RegisteredWithAddDbContext_KeepsChatKitsTablesBesideTheHostsOwn()
    {
        var connectionString = _files.ConnectionString("host.db");
        await using var node = await StoreNode.StartAsync(
            chatKit => chatKit.UseEntityFrameworkCore<HostDbContext>(o => o.CreateSchemaOnStartup = true),
            services => services.AddDbContext<HostDbContext>(o => o.UseSqlite(connectionString).UseChatKitSqliteSettings()));
        var (alice, bob) = (NewUserId(), NewUserId());
        var direct = await node.Store.GetOrCreateDirectConversationAsync(NewDirect(alice, bob), Ct);
        await node.Store.AppendMessageAsync(NewMessage(direct.Value.Id, alice), Ct);
        await using (var scope = node.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HostDbContext>();
            db.Notes.Add(new Note { Text = "the host's own row" });
            await db.SaveChangesAsync(Ct);
        }

        var view = Assert.Single(await node.Store.ListConversationsAsync(bob, null, 10, Ct));
        Assert.Equal(1, view.UnreadCount);
        Assert.Equal(
            ["Notes", "chatkit_attachments", "chatkit_conversations", "chatkit_event_audiences", "chatkit_events", "chatkit_messages", "chatkit_outbox_checkpoints", "chatkit_outbox_leases", "chatkit_outbox_retries", "chatkit_participants", "chatkit_push_registrations", "chatkit_reactions", "chatkit_read_positions"],
            (await SqliteStoreTests.TablesAsync(connectionString)).Order(StringComparer.Ordinal));
        Assert.Equal("wal", await SqliteStoreTests.ScalarAsync(connectionString, "PRAGMA journal_mode"));
    }

    [Fact]
    public async Task HostContext_RegisteredOnlyAsAFactory_IsTakenFromTheFactory()
    {
        var connectionString = _files.ConnectionString("host.db");
        await using var node = await StoreNode.StartAsync(
            chatKit => chatKit.UseEntityFrameworkCore<HostDbContext>(o => o.CreateSchemaOnStartup = true),
            services => services.AddPooledDbContextFactory<HostDbContext>(o => o.UseSqlite(connectionString)));
        var group = NewGroup(NewUserId(), NewUserId());

        await node.Store.CreateConversationAsync(group, Ct);

        Assert.Equal(group.Id, (await node.Store.FindConversationAsync(group.Id, Ct))!.Id);
    }

    [Fact]
    public async Task HostContext_ByDefault_LeavesTheSchemaToTheHostsMigrations()
    {
        var connectionString = _files.ConnectionString("host.db");
        await SqliteStoreTests.ExecuteAsync(connectionString, "CREATE TABLE migrated_elsewhere (id INTEGER PRIMARY KEY);");

        await using var node = await StoreNode.StartAsync(
            chatKit => chatKit.UseEntityFrameworkCore<HostDbContext>(),
            services => services.AddDbContext<HostDbContext>(o => o.UseSqlite(connectionString)));

        Assert.Equal(["migrated_elsewhere"], await SqliteStoreTests.TablesAsync(connectionString));
    }

    [Fact]
    public async Task HostContext_NotRegistered_FailsAtStartSayingWhatToCall()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StoreNode.StartAsync(
            chatKit => chatKit.UseEntityFrameworkCore<HostDbContext>()));

        Assert.Contains("AddDbContext<HostDbContext>", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostContext_WithoutAddChatKit_FailsAtStartSayingWhatToCall()
    {
        var connectionString = _files.ConnectionString("host.db");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StoreNode.StartAsync(
            chatKit => chatKit.UseEntityFrameworkCore<ContextWithoutChatKit>(),
            services => services.AddDbContext<ContextWithoutChatKit>(o => o.UseSqlite(connectionString))));

        Assert.Contains("modelBuilder.AddChatKit()", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostContext_MigrationFromAnEmptyModel_CreatesChatKitsTablesKeysAndIndexes()
    {
        var connectionString = _files.ConnectionString("host.db");
        var options = new DbContextOptionsBuilder<HostDbContext>().UseSqlite(connectionString).Options;
        await using (var db = new HostDbContext(options))
        {
            // What `dotnet ef migrations add` computes for a first migration, applied as `dotnet ef database update` would.
            var model = db.GetService<IDesignTimeModel>().Model.GetRelationalModel();
            var operations = db.GetService<IMigrationsModelDiffer>().GetDifferences(null, model);

            var tables = operations.OfType<CreateTableOperation>().ToDictionary(t => t.Name);
            Assert.Equal(
                ["Notes", "chatkit_attachments", "chatkit_conversations", "chatkit_event_audiences", "chatkit_events", "chatkit_messages", "chatkit_outbox_checkpoints", "chatkit_outbox_leases", "chatkit_outbox_retries", "chatkit_participants", "chatkit_push_registrations", "chatkit_reactions", "chatkit_read_positions"],
                tables.Keys.Order(StringComparer.Ordinal));
            Assert.Equal(["conversation_id", "user_id"], tables["chatkit_read_positions"].PrimaryKey!.Columns);
            Assert.Equal(3, tables["chatkit_messages"].ForeignKeys.Count + tables["chatkit_participants"].ForeignKeys.Count + tables["chatkit_read_positions"].ForeignKeys.Count);
            var indexes = operations.OfType<CreateIndexOperation>().ToDictionary(i => i.Name);
            Assert.True(indexes["ux_chatkit_messages_conversation_seq"].IsUnique);
            Assert.Equal(["conversation_id", "seq"], indexes["ux_chatkit_messages_conversation_seq"].Columns);
            Assert.True(indexes["ux_chatkit_messages_temp_id"].IsUnique);
            Assert.Equal(["conversation_id", "sender_id", "temp_id"], indexes["ux_chatkit_messages_temp_id"].Columns);
            Assert.True(indexes["ux_chatkit_conversations_direct_key"].IsUnique);
            Assert.Equal(["user_id", "conversation_id"], indexes["ix_chatkit_participants_user"].Columns);
            Assert.Equal(["last_activity_at", "id"], indexes["ix_chatkit_conversations_last_activity"].Columns);

            var commands = db.GetService<IMigrationsSqlGenerator>().Generate(operations, db.Model);
            await db.GetService<IMigrationCommandExecutor>().ExecuteNonQueryAsync(commands, db.GetService<IRelationalConnection>(), Ct);
        }

        await using var node = await StoreNode.StartAsync(
            chatKit => chatKit.UseEntityFrameworkCore<HostDbContext>(),
            services => services.AddDbContext<HostDbContext>(o => o.UseSqlite(connectionString)));
        var group = NewGroup(NewUserId(), NewUserId());
        await node.Store.CreateConversationAsync(group, Ct);
        var tempId = NewTempId();
        await node.Store.AppendMessageAsync(NewMessage(group.Id, group.CreatedBy, tempId), Ct);
        Assert.False((await node.Store.AppendMessageAsync(NewMessage(group.Id, group.CreatedBy, tempId), Ct)).Created);
    }

    internal static Conversation NewDirect(string first, string second)
    {
        var at = Now();
        return new Conversation
        {
            Id = "c_" + Guid.NewGuid().ToString("N"),
            Type = ConversationType.Direct,
            CreatedBy = first,
            CreatedAt = at,
            LastActivityAt = at,
            DirectKey = Conversation.DirectKeyFor(first, second),
            Participants = [new Participant(first, ParticipantRole.Member, at), new Participant(second, ParticipantRole.Member, at)],
        };
    }
}

/// <summary>A host application's own entity.</summary>
public sealed class Note
{
    public int Id { get; set; }

    public string Text { get; set; } = string.Empty;
}

/// <summary>A host application's context that also holds ChatKit's tables.</summary>
public sealed class HostDbContext(DbContextOptions<HostDbContext> options) : DbContext(options)
{
    public DbSet<Note> Notes => Set<Note>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Note>();
        modelBuilder.AddChatKit();
    }
}

/// <summary>A host context someone forgot to give ChatKit's tables.</summary>
public sealed class ContextWithoutChatKit(DbContextOptions<ContextWithoutChatKit> options) : DbContext(options)
{
    public DbSet<Note> Notes => Set<Note>();
}
