using System.Net;
using ChatKit.AspNetCore.Tests.Support;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.AspNetCore.Tests;

/// <summary>A host on a real SQLite file in a temporary folder.</summary>
public sealed class SqliteChatHost : ChatHost
{
    private readonly string _directory = Directory.CreateTempSubdirectory("chatkit-race-").FullName;

    /// <inheritdoc/>
    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddChatKit().UseEntityFrameworkCore(o => o.UseSqlite($"Data Source={Path.Combine(_directory, "chat.db")}"));

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
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

/// <summary>
/// A member removed from a group hears nothing more of it once the removal is acknowledged, even when their
/// <c>joinRoom</c> raced the removal.
/// </summary>
public sealed class RoomRemovalRaceTests(SqliteChatHost host) : IClassFixture<SqliteChatHost>
{
    private const int Rounds = 40;
    private const int BobConnections = 5;

    [Fact]
    public async Task JoinRoom_RacingTheCallersRemoval_LeavesNothingDeliveredToTheRemovedMember()
    {
        var leaks = new List<string>();
        for (var round = 0; round < Rounds; round++)
        {
            // Fresh users each round, so no per-user limit counts the rounds.
            var alice = ChatHost.NewUser("alice");
            var bob = ChatHost.NewUser("bob");
            var carol = ChatHost.NewUser("carol");
            await using var aliceConnection = await host.ConnectAsync(alice);
            await using var carolConnection = await host.ConnectAsync(carol);
            var bobConnections = new List<ChatConnection>();
            for (var i = 0; i < BobConnections; i++)
            {
                bobConnections.Add(await host.ConnectAsync(bob));
            }

            try
            {
                using var aliceHttp = host.Http(alice);
                var id = await host.GroupAsync(alice, bob, carol);
                await carolConnection.InvokeAsync("joinRoom", new { conversationId = id });

                // Bob opens the group on each of his connections while Alice removes him.
                var joins = bobConnections.Select(c => JoinIgnoringNotFoundAsync(c, id)).ToList();
                using var removed = await aliceHttp.DeleteAsync($"/chats/conversations/{id}/participants/{bob}");
                await Task.WhenAll(joins);
                Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);

                // After the removal was acknowledged: Alice types and sends; Carol receives both, Bob neither.
                await aliceConnection.CallAsync("typing", new { conversationId = id });
                await aliceConnection.SendAsync(id, "after the removal");
                await carolConnection.WaitForAsync("userTyping", p => p.GetProperty("conversationId").GetString() == id);
                await carolConnection.WaitForAsync("newMessage", p => p.GetProperty("conversationId").GetString() == id);
                foreach (var bobConnection in bobConnections)
                {
                    var marker = await host.SyncAsync(bobConnection);
                    leaks.AddRange(bobConnection.Before(marker)
                        .Where(e => e.Name is "userTyping" or "newMessage" && e.Get("conversationId") == id)
                        .Select(e => $"round {round}: {e.Name}"));
                }
            }
            finally
            {
                foreach (var bobConnection in bobConnections)
                {
                    await bobConnection.DisposeAsync();
                }
            }
        }

        Assert.Empty(leaks);
    }

    [Fact]
    public async Task JoinRoom_AfterRemoval_IsNotFound()
    {
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        var id = await host.GroupAsync(alice, bob, ChatHost.NewUser("carol"));
        await using var bobConnection = await host.ConnectAsync(bob);
        using var aliceHttp = host.Http(alice);
        using var removed = await aliceHttp.DeleteAsync($"/chats/conversations/{id}/participants/{bob}");

        var error = await Assert.ThrowsAsync<HubException>(() => bobConnection.InvokeAsync("joinRoom", new { conversationId = id }));

        Assert.Equal($"not_found: conversation {id} does not exist", error.Message);
    }

    private static async Task JoinIgnoringNotFoundAsync(ChatConnection connection, string id)
    {
        try
        {
            await connection.InvokeAsync("joinRoom", new { conversationId = id });
        }
        catch (HubException ex) when (ex.Message.StartsWith("not_found: ", StringComparison.Ordinal))
        {
            // The removal came first: nothing to join.
        }
    }
}
