using ChatKit.Testing.Servers;
using ChatKit.Storage.EfCore.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static ChatKit.Storage.EfCore.Tests.Support.TestData;

namespace ChatKit.Storage.EfCore.Tests;

/// <summary>What the PostgreSQL set-up adds: creating the database at a cluster's first start, and a host's schema.</summary>
public sealed class PostgresStoreTests(PostgresServerFixture postgres)
{
    [Fact]
    public async Task SchemaCreation_FourNodesStartingTogetherWithoutADatabase_AllStartOnOneSchema()
    {
        var server = await postgres.GetServerAsync();
        var database = PostgresServerFixture.NewDatabaseName();

        var nodes = await Task.WhenAll(Enumerable.Range(1, 4).Select(node => Task.Run(
            () => StoreNode.StartAsync(
                o => o.UseNpgsql(PostgresServerFixture.ConnectionString(server, database, node))),
            Ct)));
        try
        {
            var group = NewGroup(NewUserId(), NewUserId());
            await nodes[0].Store.CreateConversationAsync(group, Ct);
            await nodes[3].Store.AppendMessageAsync(NewMessage(group.Id, group.CreatedBy), Ct);

            Assert.Equal(1, (await nodes[2].Store.FindConversationAsync(group.Id, Ct))!.LastSeq);
            Assert.Equal(
                ["chatkit_attachments", "chatkit_conversations", "chatkit_event_audiences", "chatkit_events", "chatkit_messages", "chatkit_outbox_checkpoints", "chatkit_outbox_leases", "chatkit_outbox_retries", "chatkit_participants", "chatkit_push_registrations", "chatkit_reactions", "chatkit_read_positions"],
                await TablesAsync(server.GetConnectionString(database), "public"));
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
    public async Task HostContext_WithASchema_KeepsEveryTableAndStatementInIt()
    {
        var server = await postgres.GetServerAsync();
        var connectionString = PostgresServerFixture.ConnectionString(server, PostgresServerFixture.NewDatabaseName());
        await using var node = await StoreNode.StartAsync(
            chatKit => chatKit.UseEntityFrameworkCore<SchemaHostDbContext>(o => o.CreateSchemaOnStartup = true),
            services => services.AddDbContextFactory<SchemaHostDbContext>(o => o.UseNpgsql(connectionString)));
        var (alice, bob) = (NewUserId(), NewUserId());
        var group = NewGroup(alice, bob);

        await node.Store.CreateConversationAsync(group, Ct);
        await node.Store.AppendMessageAsync(NewMessage(group.Id, alice), Ct);
        await node.Store.AppendMessageAsync(NewMessage(group.Id, bob), Ct);
        Assert.Equal(2, await node.Store.AdvanceReadPositionAsync(group.Id, alice, 2, Ct));
        var added = await node.Store.AddParticipantsAsync(group.Id, [new Participant(NewUserId(), ParticipantRole.Member, Now())], Ct);

        Assert.Equal(3, added!.Participants.Count);
        Assert.Equal(0, (await node.Store.FindConversationViewAsync(group.Id, alice, Ct))!.UnreadCount);
        Assert.Equal(
            ["chatkit_attachments", "chatkit_conversations", "chatkit_event_audiences", "chatkit_events", "chatkit_messages", "chatkit_outbox_checkpoints", "chatkit_outbox_leases", "chatkit_outbox_retries", "chatkit_participants", "chatkit_push_registrations", "chatkit_reactions", "chatkit_read_positions"],
            await TablesAsync(connectionString, "chat"));
        Assert.Empty(await TablesAsync(connectionString, "public"));
    }

    private static async Task<List<string>> TablesAsync(string connectionString, string schema)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name", connection);
        command.Parameters.AddWithValue(schema);
        var tables = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            tables.Add(reader.GetString(0));
        }

        return tables;
    }
}

/// <summary>A host context that keeps ChatKit's tables in a schema of their own.</summary>
public sealed class SchemaHostDbContext(DbContextOptions<SchemaHostDbContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.AddChatKit(schema: "chat");
}
