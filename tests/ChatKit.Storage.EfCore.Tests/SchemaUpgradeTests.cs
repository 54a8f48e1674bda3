using System.Data.Common;
using ChatKit.Services;
using ChatKit.Storage.EfCore.Tests.Support;
using ChatKit.Testing.Servers;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static ChatKit.Storage.EfCore.Tests.Support.TestData;

namespace ChatKit.Storage.EfCore.Tests;

/// <summary>
/// Issue 15: a database created by ChatKit 1 (its exact DDL, checked in under V1Schema/, with rows as ChatKit 1 wrote
/// them) keeps working when ChatKit 2 starts on it: three nodes start at once and upgrade it together, the old history
/// reads back unchanged, and every v1 and v2 operation works on the old rows.
/// </summary>
public sealed class SchemaUpgradeTests(PostgresServerFixture postgres) : IDisposable
{
    private readonly SqliteFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task Sqlite_V1Database_IsUpgradedAndKeepsWorking()
    {
        var connectionString = _files.ConnectionString("v1.db");
        await using (var connection = new SqliteConnection(connectionString))
        {
            await connection.OpenAsync(Ct);
            await SeedV1Async(connection, "sqlite");
        }

        await UpgradeAndUseAsync(node => o => o.UseSqlite(_files.ConnectionString("v1.db", node)));
        await using var check = new SqliteConnection(connectionString);
        await check.OpenAsync(Ct);
        Assert.Equal(1L, await ScalarAsync(check, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'ux_chatkit_reactions_message_user_emoji'"));
        Assert.Equal(1L, await ScalarAsync(check, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'ix_chatkit_outbox_retries_due'"));
        Assert.Equal(1L, await ScalarAsync(check, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'ix_chatkit_push_registrations_user'"));
        Assert.Equal(1L, await ScalarAsync(check, "SELECT COUNT(*) FROM pragma_table_info('chatkit_participants') WHERE name = 'muted_until'"));
    }

    [Fact]
    public async Task Postgres_V1Database_IsUpgradedAndKeepsWorking()
    {
        var server = await postgres.GetServerAsync();
        var database = PostgresServerFixture.NewDatabaseName();
        await using (var admin = new NpgsqlConnection(server.GetConnectionString("postgres")))
        {
            await admin.OpenAsync(Ct);
            await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", admin);
            await create.ExecuteNonQueryAsync(Ct);
        }

        await using (var connection = new NpgsqlConnection(server.GetConnectionString(database)))
        {
            await connection.OpenAsync(Ct);
            await SeedV1Async(connection, "postgres");
        }

        await UpgradeAndUseAsync(node => o => o.UseNpgsql(PostgresServerFixture.ConnectionString(server, database, node)));
        await using var check = new NpgsqlConnection(server.GetConnectionString(database));
        await check.OpenAsync(Ct);
        Assert.Equal(1L, await ScalarAsync(check, "SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'ux_chatkit_reactions_message_user_emoji'"));
        Assert.Equal(1L, await ScalarAsync(check, "SELECT COUNT(*) FROM information_schema.columns WHERE table_name = 'chatkit_participants' AND column_name = 'muted_until'"));
        Assert.Equal(1L, await ScalarAsync(check, "SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'ix_chatkit_outbox_retries_due'"));
        Assert.Equal(1L, await ScalarAsync(check, "SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'ix_chatkit_push_registrations_user'"));
    }

    [Fact]
    public async Task Sqlite_DatabaseWithoutEventAudiences_GetsThem_AndItsNewMessageEventsStillRead() =>
        await UpgradeFromAudiencesInPayloadAsync(node => o => o.UseSqlite(_files.ConnectionString("audiences.db", node)));

    [Fact]
    public async Task Postgres_DatabaseWithoutEventAudiences_GetsThem_AndItsNewMessageEventsStillRead()
    {
        var server = await postgres.GetServerAsync();
        var database = PostgresServerFixture.NewDatabaseName();
        await UpgradeFromAudiencesInPayloadAsync(node => o => o.UseNpgsql(PostgresServerFixture.ConnectionString(server, database, node)));
    }

    /// <summary>
    /// The version before the audiences' table: its newMessage rows held their audience's ids in the payload, and
    /// chatkit_events had no audience column. Made here from today's schema by removing both and rewriting a row as it wrote
    /// them; then the new version starts on it, adds them back, reads the old row, and appends.
    /// </summary>
    private static async Task UpgradeFromAudiencesInPayloadAsync(Func<int, Action<DbContextOptionsBuilder>> database)
    {
        var group = NewGroup("alice", "bob");
        ChatMessage old;
        await using (var previous = await StoreNode.StartAsync(database(1)))
        {
            await previous.Store.CreateConversationAsync(group, Ct);
            old = (await previous.Store.AppendMessageAsync(NewMessage(group.Id, "alice"), Ct)).Value;
            await using var db = await previous.Services.GetRequiredService<IDbContextFactory<ChatKitDbContext>>().CreateDbContextAsync(Ct);
            await db.Database.ExecuteSqlRawAsync(
                "DROP TABLE chatkit_event_audiences; ALTER TABLE chatkit_events DROP COLUMN audience; UPDATE chatkit_events SET payload = '[\"alice\",\"bob\",\"zoe\"]';",
                Ct);
        }

        var nodes = await Task.WhenAll(Enumerable.Range(1, 2).Select(n => Task.Run(() => StoreNode.StartAsync(database(n)), Ct)));
        try
        {
            var store = nodes[1].Store;
            var current = (await store.AppendMessageAsync(NewMessage(group.Id, "bob"), Ct)).Value;
            // The feed serves a PostgreSQL row once every older transaction has ended: a start-up task of the other node (its
            // first purge, say) may still be running, so read until both events are served.
            var created = new List<Events.MessageCreatedEvent>();
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            deadline.CancelAfter(TimeSpan.FromSeconds(30));
            while (true)
            {
                var page = await store.ReadEventFeedAsync(null, 10, deadline.Token);
                created = [.. page.Events.Select(e => e.Event).OfType<Events.MessageCreatedEvent>()];
                if (created.Count >= 2)
                {
                    break;
                }

                await Task.Delay(50, deadline.Token);
            }

            Assert.Equal([old.Id, current.Id], created.Select(e => e.Message.Id));
            Assert.Equal(["alice", "bob", "zoe"], created[0].ParticipantIds);
            Assert.Equal(["alice", "bob"], created[1].ParticipantIds.Order(StringComparer.Ordinal));
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    // What ChatKit 1 stored: a group of alice (owner), bob and carol with three messages (the second sent with a tempId,
    // the third deleted), and read positions.
    private const string Group = "c_00000000000000000000000000000001";
    private const long T0 = 1_764_000_000_000;

    private static readonly ChatMessage[] V1Messages =
    [
        Message("m_00000000000000000000000000000001", 1, "alice", "Alice", "Hello from version one", null, T0 + 1, null),
        Message("m_00000000000000000000000000000002", 2, "bob", "Bob", "Reply with a tempId", "tmp-1", T0 + 2, null),
        Message("m_00000000000000000000000000000003", 3, "carol", "Carol", string.Empty, null, T0 + 3, T0 + 4),
    ];

    private static ChatMessage Message(string id, long seq, string sender, string name, string content, string? tempId, long at, long? deletedAt) => new()
    {
        Id = id,
        ConversationId = Group,
        Seq = seq,
        SenderId = sender,
        SenderName = name,
        Content = content,
        TempId = tempId,
        CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(at),
        DeletedAt = deletedAt is { } d ? DateTimeOffset.FromUnixTimeMilliseconds(d) : null,
    };

    private static async Task SeedV1Async(DbConnection connection, string provider)
    {
        using var script = new StreamReader(typeof(SchemaUpgradeTests).Assembly.GetManifestResourceStream($"V1Schema.{provider}.sql")!);
        await ExecuteAsync(connection, await script.ReadToEndAsync(Ct));
        var rows =
            $"INSERT INTO chatkit_conversations (id, type, name, created_by, created_at, last_seq, last_activity_at, direct_key, participant_counter) "
            + $"VALUES ('{Group}', 'Group', 'Team', 'alice', {T0}, 3, {T0 + 3}, NULL, 3);\n"
            + $"INSERT INTO chatkit_participants (conversation_id, user_id, role, joined_at, ordinal) VALUES "
            + $"('{Group}', 'alice', 'Owner', {T0}, 1), ('{Group}', 'bob', 'Member', {T0}, 2), ('{Group}', 'carol', 'Member', {T0}, 3);\n"
            + string.Concat(V1Messages.Select(m =>
                $"INSERT INTO chatkit_messages (id, conversation_id, seq, sender_id, sender_name, content, type, temp_id, created_at, edited_at, deleted_at) "
                + $"VALUES ('{m.Id}', '{Group}', {m.Seq}, '{m.SenderId}', '{m.SenderName}', '{m.Content}', 'Text', {(m.TempId is null ? "NULL" : $"'{m.TempId}'")}, "
                + $"{m.CreatedAt.ToUnixTimeMilliseconds()}, NULL, {(m.DeletedAt is { } d ? d.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture) : "NULL")});\n"))
            + $"INSERT INTO chatkit_read_positions (conversation_id, user_id, seq) VALUES ('{Group}', 'alice', 1), ('{Group}', 'bob', 2), ('{Group}', 'carol', 3);";
        await ExecuteAsync(connection, rows);
    }

    private static async Task<long> ScalarAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(Ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(Ct);
    }

    private static async Task UpgradeAndUseAsync(Func<int, Action<DbContextOptionsBuilder>> database)
    {
        // Three nodes of the new version start together on the old database: all upgrade it at once.
        var nodes = await Task.WhenAll(Enumerable.Range(1, 3).Select(n => Task.Run(() => StoreNode.StartAsync(database(n)), Ct)));
        try
        {
            var store = nodes[0].Store;

            // The outbox's tables (added after v1) were created: a lease can be taken.
            Assert.True(await ((IChatOutboxStore)store).TryAcquireOutboxLeaseAsync("outbox:upgrade", "node-1", DateTimeOffset.UtcNow, TimeSpan.FromSeconds(5), Ct));

            // The push registrations' table (added after the outbox) was created: a registration is saved and found.
            var push = (ChatKit.Notifications.IPushRegistrationStore)nodes[2].Store;
            await push.SavePushRegistrationAsync(new("alice", "webpush", "https://push.example.test/1", new Dictionary<string, string> { ["auth"] = "a" }, DateTimeOffset.UtcNow), Ct);
            Assert.Single(await ((ChatKit.Notifications.IPushRegistrationStore)store).GetPushRegistrationsAsync("webpush", ["alice"], Ct));
            var chat = nodes[1].Services.GetRequiredService<ChatService>();
            var (alice, bob, carol) = (new ChatUser("alice", "Alice"), new ChatUser("bob", "Bob"), new ChatUser("carol", "Carol"));

            // The old history reads back exactly as ChatKit 1 wrote it, with the new properties empty.
            var page = await store.GetMessagesAsync(Group, null, null, 10, Ct);
            Assert.Equal(V1Messages, page.Items);
            Assert.All(page.Items, m => Assert.Empty(m.Mentions));
            Assert.All(page.Items, m => Assert.Null(m.ReplyToId));
            var view = Assert.Single((await chat.ListConversationsAsync(alice, cancellationToken: Ct)).Items);
            Assert.Equal(1, view.UnreadCount); // bob's message 2; carol's 3 is deleted
            Assert.Equal(0, view.UnreadMentionCount);

            // v1 operations on the old rows.
            var retry = await chat.SendMessageAsync(bob, new SendMessageRequest { ConversationId = Group, Content = "again", TempId = "tmp-1" }, Ct);
            Assert.False(retry.Created);
            Assert.Equal(V1Messages[1].Id, retry.Message.Id);
            await chat.MarkConversationAsReadAsync(alice, Group, Ct);
            await chat.DeleteMessageAsync(bob, V1Messages[1].Id, Ct);

            // v2 operations on the old rows: edit, react, reply with a mention.
            var edited = await chat.EditMessageAsync(alice, V1Messages[0].Id, "Hello, edited after the upgrade", Ct);
            Assert.NotNull(edited.EditedAt);
            var reacted = await nodes[2].Services.GetRequiredService<ChatService>().AddReactionAsync(carol, V1Messages[0].Id, "👍", Ct);
            Assert.Equal([new MessageReaction("👍", ["carol"])], reacted.Reactions);
            var reply = await chat.SendMessageAsync(
                bob, new SendMessageRequest { ConversationId = Group, Content = "replying to the old one", ReplyToId = V1Messages[0].Id, Mentions = ["alice"] }, Ct);
            Assert.Equal(4, reply.Message.Seq);
            Assert.Equal(new MessageReference(V1Messages[0].Id, "alice", "Hello, edited after the upgrade"), reply.Message.ReplyTo);
            Assert.Equal(1, (await chat.GetConversationAsync(alice, Group, Ct)).UnreadMentionCount);

            // Attachments: the upgrade added their table and the messages' column.
            var upload = new ChatAttachment
            {
                Id = "a_upgrade", ConversationId = Group, UploaderId = "carol", Name = "p.png", ContentType = "image/png", Size = 3,
                Width = 1, Height = 1, UploadedAt = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()),
            };
            await store.CreateAttachmentAsync(upload, Ct);
            var withFile = await chat.SendMessageAsync(carol, new SendMessageRequest { ConversationId = Group, Content = "", AttachmentIds = [upload.Id] }, Ct);
            Assert.Equal([upload.ToMessageAttachment()], withFile.Message.Attachments);

            var after = await chat.GetMessagesAsync(carol, Group, cancellationToken: Ct);
            Assert.Equal([1L, 2, 3, 4, 5], after.Items.Select(m => m.Seq));
            Assert.True(after.Items[1].IsDeleted);
            Assert.Equal(["alice"], after.Items[3].Mentions);
            Assert.Equal([upload.ToMessageAttachment()], after.Items[4].Attachments);
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }
}
