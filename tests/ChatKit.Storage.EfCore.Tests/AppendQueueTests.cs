using ChatKit.Storage.EfCore.Internal;
using ChatKit.Storage.EfCore.Tests.Support;
using Microsoft.EntityFrameworkCore;
using static ChatKit.Storage.EfCore.Tests.Support.TestData;

namespace ChatKit.Storage.EfCore.Tests;

/// <summary>
/// The queue in front of group commit, on a SQLite file: whatever a group throws reaches its callers and never stops
/// the node's later sends, and a full queue holds further sends back instead of growing.
/// </summary>
public sealed class AppendQueueTests : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly SqliteFiles _files = new();
    private readonly CommandGate _gate = new();
    private StoreNode? _node;

    private EfCoreChatStore Store => (EfCoreChatStore)_node!.Store;

    public async ValueTask DisposeAsync()
    {
        _gate.FailWith(null);
        _gate.Release();
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }

        _files.Dispose();
    }

    [Fact]
    public async Task Group_ThatThrowsOperationCanceled_FailsItsSends_AndTheNodesNextSendIsStored()
    {
        await StartAsync(maxQueued: 100);
        var (alice, bob) = (NewUserId(), NewUserId());
        var conversation = NewGroup(alice, bob);
        await Store.CreateConversationAsync(conversation, Ct);

        // The writer parks inside the first send, so the next two queue up and are written as one group.
        var held = _gate.Hold();
        var first = Store.AppendMessageAsync(NewMessage(conversation.Id, alice), Ct);
        await held.WaitAsync(Patience, Ct);
        var second = Store.AppendMessageAsync(NewMessage(conversation.Id, bob), Ct);
        var third = Store.AppendMessageAsync(NewMessage(conversation.Id, alice), Ct);

        // A provider that cancels a command on its own (not the caller) throws OperationCanceledException in the group.
        _gate.FailWith(new OperationCanceledException("the provider cancelled the command"));
        _gate.Release();
        await Assert.ThrowsAsync<OperationCanceledException>(() => first.WaitAsync(Patience, Ct));
        await Assert.ThrowsAsync<OperationCanceledException>(() => second.WaitAsync(Patience, Ct));
        await Assert.ThrowsAsync<OperationCanceledException>(() => third.WaitAsync(Patience, Ct));

        _gate.FailWith(null);
        var next = await Store.AppendMessageAsync(NewMessage(conversation.Id, bob), Ct).WaitAsync(Patience, Ct);

        Assert.True(next.Created);
        Assert.Equal(1, next.Value.Seq);
        Assert.Single((await Store.GetMessagesAsync(conversation.Id, null, null, 100, Ct)).Items);
    }

    [Fact]
    public async Task Send_WhenTheQueueIsFull_WaitsOutsideIt_AndCanBeCancelledThere()
    {
        await StartAsync(maxQueued: 2);
        var (alice, bob) = (NewUserId(), NewUserId());
        var conversation = NewGroup(alice, bob);
        await Store.CreateConversationAsync(conversation, Ct);

        var held = _gate.Hold();
        var first = Store.AppendMessageAsync(NewMessage(conversation.Id, alice), Ct);
        await held.WaitAsync(Patience, Ct);
        var queued = new[] { Store.AppendMessageAsync(NewMessage(conversation.Id, bob), Ct), Store.AppendMessageAsync(NewMessage(conversation.Id, alice), Ct) };
        Assert.Equal(2, Store.QueuedAppends);

        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var overflow = Store.AppendMessageAsync(NewMessage(conversation.Id, bob), giveUp.Token);
        Assert.False(overflow.IsCompleted);
        Assert.Equal(2, Store.QueuedAppends);

        // Still parked in the database, yet the waiting send ends at once: it never entered the queue.
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => overflow.WaitAsync(Patience, Ct));
        Assert.Equal(2, Store.QueuedAppends);

        _gate.Release();
        var stored = await Task.WhenAll(queued.Prepend(first)).WaitAsync(Patience, Ct);
        Assert.Equal([1L, 2, 3], stored.Select(r => r.Value.Seq).Order());
        Assert.Equal(3, (await Store.GetMessagesAsync(conversation.Id, null, null, 100, Ct)).Items.Count);
    }

    private async Task StartAsync(int maxQueued) =>
        _node = await StoreNode.StartAsync(
            o => o.UseSqlite(_files.ConnectionString("chat.db")).AddInterceptors(_gate),
            store => store.MaxQueuedAppends = maxQueued);
}
