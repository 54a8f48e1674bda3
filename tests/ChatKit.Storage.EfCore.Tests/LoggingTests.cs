using ChatKit.Storage.EfCore.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static ChatKit.Storage.EfCore.Tests.Support.TestData;

namespace ChatKit.Storage.EfCore.Tests;

/// <summary>ChatKit's own context keeps a host's logs quiet; the host's own contexts log as the host configured them.</summary>
public sealed class LoggingTests : IDisposable
{
    private const string CommandCategory = "Microsoft.EntityFrameworkCore.Database.Command";
    private readonly SqliteFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task OwnContext_LogsItsSqlAtDebug_WhileTheHostsContextStillLogsAtInformation()
    {
        var logs = new LogCollector();
        await using var node = await StoreNode.StartAsync(
            o => o.UseSqlite(_files.ConnectionString("chat.db")),
            services: s => s
                .AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace))
                .AddDbContext<NotesContext>(o => o.UseSqlite(_files.ConnectionString("notes.db"))));
        var group = NewGroup(NewUserId(), NewUserId());

        await node.Store.CreateConversationAsync(group, Ct);
        for (var i = 0; i < 3; i++)
        {
            await node.Store.AppendMessageAsync(NewMessage(group.Id, group.CreatedBy), Ct);
        }

        await using (var scope = node.Services.CreateAsyncScope())
        {
            var notes = scope.ServiceProvider.GetRequiredService<NotesContext>();
            await notes.Database.EnsureCreatedAsync(Ct);
            notes.Notes.Add(new Note { Text = "the host's own row" });
            await notes.SaveChangesAsync(Ct);
        }

        var commands = logs.Entries.Where(e => e.Category == CommandCategory && e.EventId.Name?.EndsWith("CommandExecuted", StringComparison.Ordinal) == true).ToList();
        var chatKit = commands.Where(e => e.Message.Contains("chatkit_", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(chatKit);
        Assert.All(chatKit, e => Assert.Equal(LogLevel.Debug, e.Level));
        Assert.Contains(commands, e => e.Message.Contains("\"Notes\"", StringComparison.Ordinal) && e.Level == LogLevel.Information);
        Assert.DoesNotContain(logs.Entries, e => e.Category.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal)
            && e.Level >= LogLevel.Information && e.Message.Contains("chatkit_", StringComparison.Ordinal));
    }

    private sealed class NotesContext(DbContextOptions<NotesContext> options) : DbContext(options)
    {
        public DbSet<Note> Notes => Set<Note>();
    }

    private sealed class Note
    {
        public int Id { get; set; }

        public string Text { get; set; } = "";
    }
}
