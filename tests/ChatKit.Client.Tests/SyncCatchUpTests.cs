using ChatKit.Client.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace ChatKit.Client.Tests;

/// <summary>
/// Catch-up through the server's sync. Two nodes share one database without a backplane, so a client on the first
/// node hears nothing live of what happens on the second: everything it learns arrives by the sync that follows each
/// reconnect.
/// </summary>
public sealed class SyncCatchUpTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly string _directory = Directory.CreateTempSubdirectory("chatkit-client-sync-").FullName;
    private ClientTestNode _first = null!;
    private ClientTestNode _second = null!;

    public async ValueTask InitializeAsync()
    {
        var file = Path.Combine(_directory, "chat.db");
        _first = await ClientTestNode.StartAsync(o => o.UseSqlite($"Data Source={file}"));
        _second = await ClientTestNode.StartAsync(o => o.UseSqlite($"Data Source={file}"));
    }

    public async ValueTask DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }

    [Fact]
    public async Task EditsReactionsAndReceiptsMissedLive_AreRaisedOnceInOrder_AfterTheNextReconnect()
    {
        var (aliceId, bobId) = (User("alice"), User("bob"));
        await using var alice = _first.Client(aliceId);
        await using var bob = _second.Client(bobId);
        var seen = new List<string>();
        var aliceSees = new AppStream(alice);
        alice.MessageReceived += (_, m) => seen.Add($"message #{m.Seq}");
        alice.MessageUpdated += (_, e) => seen.Add($"edited {e.Message.Content}");
        alice.ReactionAdded += (_, e) => seen.Add($"reaction {e.Emoji} by {e.UserId}");
        var readSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        alice.MessageRead += (_, e) =>
        {
            seen.Add($"read by {e.ReadBy}");
            readSeen.TrySetResult(); // set by the same handler that records it, so no raise can fall between the two
        };
        var caughtUp = 0;
        alice.CaughtUp += (_, _) => Interlocked.Increment(ref caughtUp);
        await alice.StartAsync();
        await bob.StartAsync();
        var conversation = await alice.CreateConversationAsync(ConversationType.Direct, [bobId]);
        var mine = await alice.SendMessageAsync(conversation.Id, "mine");

        var theirs = await bob.SendMessageAsync(conversation.Id, "theirs");
        await bob.EditMessageAsync(theirs.MessageId, "theirs, edited");
        await bob.AddReactionAsync(mine.MessageId, "🎉");
        await bob.MarkAsReadAsync(conversation.Id, mine.MessageId);
        Assert.Equal(["message #1"], seen);

        _first.Connections.Abort(aliceId);
        await aliceSees.WaitForAsync(conversation.Id, m => m.Seq == 2, Wait);
        await readSeen.Task.WaitAsync(Wait);

        // A second cut: the same events come again in the next sync or not at all; the app sees them once.
        var before = Volatile.Read(ref caughtUp);
        var again = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        alice.CaughtUp += (_, _) => again.TrySetResult();
        _first.Connections.Abort(aliceId);
        await again.Task.WaitAsync(Wait);

        Assert.True(Volatile.Read(ref caughtUp) > before);
        Assert.Equal(
            ["message #1", "message #2", "edited theirs, edited", $"reaction 🎉 by {bobId}", $"read by {bobId}"],
            seen);
        Assert.Empty(aliceSees.Violations);
    }

    [Fact]
    public async Task SyncAnsweringLimited_IsFollowedByHistoryPaging_AndNothingIsLost()
    {
        var (aliceId, bobId) = (User("alice"), User("bob"));
        await using var alice = _first.Client(aliceId, syncLimit: 2);
        await using var bob = _second.Client(bobId);
        var aliceSees = new AppStream(alice);
        var updated = new TaskCompletionSource<Conversation>(TaskCreationOptions.RunContinuationsAsynchronously);
        alice.ConversationUpdated += (_, c) => updated.TrySetResult(c);
        await alice.StartAsync();
        await bob.StartAsync();
        var conversation = await alice.CreateConversationAsync(ConversationType.Direct, [bobId]);

        for (var i = 0; i < 7; i++)
        {
            await bob.SendMessageAsync(conversation.Id, $"m{i}");
        }

        _first.Connections.Abort(aliceId);
        await aliceSees.WaitForAsync(conversation.Id, "m6", Wait);
        var reread = await updated.Task.WaitAsync(Wait);

        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"m{i}"), aliceSees.Messages(conversation.Id).Select(m => m.Content));
        Assert.Equal(7, reread.LastSeq);
        Assert.Empty(aliceSees.Violations);
    }

    [Fact]
    public async Task ACursorTheServerRejects_AfterAnotherDeploymentTookItsPlace_StartsAfresh_AndTheNextSyncUsesTheNewCursor()
    {
        var file = Path.Combine(_directory, "replaced.db");
        await using var node = await ClientTestNode.StartAsync(o => o.UseSqlite($"Data Source={file}"));
        var (aliceId, bobId) = (User("alice"), User("bob"));
        await using var alice = node.Client(aliceId);
        await using var bob = node.Client(bobId);
        var aliceSees = new AppStream(alice);
        await alice.StartAsync();
        await bob.StartAsync();
        var before = await alice.CreateConversationAsync(ConversationType.Direct, [bobId]);
        await bob.SendMessageAsync(before.Id, "before");
        await aliceSees.WaitForAsync(before.Id, "before", Wait);

        // The same address now serves another deployment (the in-memory store): Alice's cursor, an EF Core one, is not
        // one it issued, so her sync after the reconnect is refused with validation_failed. She must start afresh
        // (a fresh cursor, history re-read) instead of failing her catch-up forever.
        await node.StopAsync();
        node.UseDatabase(null);
        var reset = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        alice.CaughtUp += (_, _) => reset.TrySetResult();
        await node.StartAgainAsync();
        await reset.Task.WaitAsync(Wait);

        var after = await alice.CreateConversationAsync(ConversationType.Direct, [bobId]);
        var rereads = 0;
        alice.ConversationUpdated += (_, c) =>
        {
            if (c.Id == after.Id)
            {
                Interlocked.Increment(ref rereads);
            }
        };
        var next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        alice.CaughtUp += (_, _) => next.TrySetResult();
        node.Connections.Abort(aliceId);
        await next.Task.WaitAsync(Wait);
        await bob.SendMessageAsync(after.Id, "after the reset");
        await aliceSees.WaitForAsync(after.Id, "after the reset", Wait);

        // The catch-up after the cut was a plain sync from the new deployment's cursor: no limited re-read of the list.
        Assert.Equal(0, Volatile.Read(ref rereads));
        Assert.Equal(["after the reset"], aliceSees.Messages(after.Id).Select(m => m.Content));
        Assert.Empty(aliceSees.Violations);
    }

    private static string User(string name) => $"{name}-{Guid.NewGuid().ToString("N")[..8]}";
}
