using ChatKit.AspNetCore.Tests.Support;
using ChatKit.Testing.Notifications;
using ChatKit.Testing.Servers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace ChatKit.AspNetCore.Tests;

/// <summary>
/// Offline notifications on a real Kestrel host with real SignalR clients, on the in-memory store, a SQLite file and a
/// real PostgreSQL: a burst to an offline user is one notification and a later message another; connected users and the
/// sender get none; a muted conversation none until unmuted. And a host stopped between storing and notifying leaves the
/// notification to the next host on the same database. The host's clock is a fake one the test moves.
/// </summary>
public sealed class NotificationTests(PostgresServerFixture postgres) : IClassFixture<PostgresServerFixture>, IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("chatkit-notifications-");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            _folder.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A host's background work that outlived its shutdown timeout can still be using the SQLite file: a leftover
            // temp folder is harmless.
        }
    }

    [Theory]
    [InlineData("InMemory")]
    [InlineData("Sqlite")]
    [InlineData("Postgres")]
    public async Task OfflineUsersOnly_GetOneNotificationPerWindow_AndAMutedConversationNoneUntilUnmuted(string store)
    {
        await using var host = await NotificationHost.StartAsync(store, await ConnectionStringAsync(store));
        var (alice, bob, carol, dave) = (ChatHost.NewUser("alice"), ChatHost.NewUser("bob"), ChatHost.NewUser("carol"), ChatHost.NewUser("dave"));
        await using var aliceConnection = await host.ConnectAsync(alice);
        await using var carolConnection = await host.ConnectAsync(carol); // online: never notified
        var group = await host.GroupAsync(alice, bob, carol, dave);
        using var daveHttp = host.Http(dave);
        await daveHttp.SendJsonAsync(HttpMethod.Put, $"/chats/conversations/{group}/mute");
        var channel = RecordingNotificationChannel.Of<RecordingNotificationChannel>(host.Services);

        var burst = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            burst.Add((await aliceConnection.SendAsync(group, $"burst {i}")).GetProperty("messageId").GetString()!);
            host.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        var first = Assert.Single(await channel.WaitForCountAsync(1, host.Pump));
        Assert.Equal((bob, 3), (first.UserId, first.MessageCount));
        Assert.Equal(burst, first.Messages.Select(m => m.Message.Id));

        await daveHttp.DeleteJsonAsync($"/chats/conversations/{group}/mute");
        var later = (await aliceConnection.SendAsync(group, "later")).GetProperty("messageId").GetString();
        var all = await channel.WaitForCountAsync(3, host.Pump);

        Assert.Equal(3, all.Count);
        Assert.Equal([bob, dave], all.Skip(1).Select(n => n.UserId).Order());
        Assert.All(all.Skip(1), n => Assert.Equal(later, Assert.Single(n.Messages).Message.Id));
        Assert.DoesNotContain(all, n => n.UserId == alice || n.UserId == carol);
    }

    [Fact]
    public async Task AHostStoppedAfterStoringAndBeforeNotifying_LeavesTheNotificationToTheNextHostOnTheDatabase()
    {
        var database = $"Data Source={Path.Combine(_folder.FullName, "chat.db")}";
        var (alice, bob) = (ChatHost.NewUser("alice"), ChatHost.NewUser("bob"));
        string direct;
        string sent;
        await using (var first = await NotificationHost.StartAsync("Sqlite", database))
        {
            await using var connection = await first.ConnectAsync(alice);
            direct = await first.DirectAsync(alice, bob);
            sent = (await connection.SendAsync(direct, "stored, not yet notified")).GetProperty("messageId").GetString()!;

            // Its clock never moves, so its window never closes: it stops with the notification still to send.
            Assert.Empty(RecordingNotificationChannel.Of<RecordingNotificationChannel>(first.Services).Sent);
        }

        await using var second = await NotificationHost.StartAsync("Sqlite", database);
        var notification = Assert.Single(await RecordingNotificationChannel.Of<RecordingNotificationChannel>(second.Services).WaitForCountAsync(1, second.Pump));

        Assert.Equal(bob, notification.UserId);
        Assert.Equal(sent, Assert.Single(notification.Messages).Message.Id);
    }

    private async Task<string?> ConnectionStringAsync(string store) => store switch
    {
        "Sqlite" => $"Data Source={Path.Combine(_folder.FullName, "chat.db")}",
        "Postgres" => PostgresServerFixture.ConnectionString(await postgres.GetServerAsync(), PostgresServerFixture.NewDatabaseName()),
        _ => null,
    };
}

/// <summary>A ChatKit host on a store, with a recording notification channel, a fast outbox and a fake clock.</summary>
public sealed class NotificationHost(string store, string? connectionString) : ChatHost, IAsyncDisposable
{
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public static async Task<NotificationHost> StartAsync(string store, string? connectionString)
    {
        var host = new NotificationHost(store, connectionString);
        await host.InitializeAsync();
        return host;
    }

    /// <summary>Moves the clock by one outbox poll: the dispatcher waits on it.</summary>
    public void Pump() => Clock.Advance(TimeSpan.FromMilliseconds(100));

    protected override void ConfigureChatKit(ChatKitOptions options) => StoreHost.Unlimited(options);

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton<TimeProvider>(Clock);
        var chatKit = services.AddChatKit();
        _ = store switch
        {
            "Sqlite" => chatKit.UseEntityFrameworkCore(o => o.UseSqlite(connectionString)),
            "Postgres" => chatKit.UseEntityFrameworkCore(o => o.UseNpgsql(connectionString)),
            _ => chatKit,
        };
        chatKit.AddNotificationChannel<RecordingNotificationChannel>()
            .ConfigureOutbox(o => (o.PollInterval, o.RetryBaseDelay, o.RetryMaxDelay) = (TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(400)));
    }

    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();
}
