using ChatKit.Storage;

namespace ChatKit.Testing.Conformance;

/// <summary>
/// The outbox's state (<see cref="IChatOutboxStore"/>): leases that two nodes never both hold, checkpoints that never move
/// backwards, retry entries that come when due, and dead letters that stay until requeued.
/// </summary>
public abstract partial class ChatStoreConformanceTests
{
    [Fact]
    public async Task OutboxLease_TwoInstancesCompeting_NeverBothHoldIt()
    {
        var (first, second) = (await OutboxStoreAsync(), await OutboxStoreAsync(second: true));
        var now = Now();
        for (var round = 0; round < 20; round++)
        {
            var lease = NewOutboxName();
            var attempts = await Task.WhenAll(
                Task.Run(() => first.TryAcquireOutboxLeaseAsync(lease, "node-a", now, TimeSpan.FromMinutes(1), Ct), Ct),
                Task.Run(() => second.TryAcquireOutboxLeaseAsync(lease, "node-b", now, TimeSpan.FromMinutes(1), Ct), Ct),
                Task.Run(() => first.TryAcquireOutboxLeaseAsync(lease, "node-c", now, TimeSpan.FromMinutes(1), Ct), Ct),
                Task.Run(() => second.TryAcquireOutboxLeaseAsync(lease, "node-d", now, TimeSpan.FromMinutes(1), Ct), Ct));

            Assert.Equal(1, attempts.Count(held => held));
        }
    }

    [Fact]
    public async Task OutboxLease_IsRenewedByItsHolder_AndPassesOnOnlyWhenExpiredOrReleased()
    {
        var (first, second) = (await OutboxStoreAsync(), await OutboxStoreAsync(second: true));
        var lease = NewOutboxName();
        var now = Now();
        var duration = TimeSpan.FromSeconds(30);

        Assert.True(await first.TryAcquireOutboxLeaseAsync(lease, "node-a", now, duration, Ct));
        Assert.False(await second.TryAcquireOutboxLeaseAsync(lease, "node-b", now.AddSeconds(29), duration, Ct));
        Assert.True(await second.TryAcquireOutboxLeaseAsync(lease, "node-a", now.AddSeconds(20), duration, Ct)); // renewed to +50 s
        Assert.False(await first.TryAcquireOutboxLeaseAsync(lease, "node-b", now.AddSeconds(49), duration, Ct));
        Assert.True(await first.TryAcquireOutboxLeaseAsync(lease, "node-b", now.AddSeconds(50), duration, Ct)); // expired
        Assert.False(await second.TryAcquireOutboxLeaseAsync(lease, "node-a", now.AddSeconds(51), duration, Ct)); // the old holder lost it

        await second.ReleaseOutboxLeaseAsync(lease, "node-a", Ct); // not the holder: nothing happens
        Assert.False(await first.TryAcquireOutboxLeaseAsync(lease, "node-c", now.AddSeconds(52), duration, Ct));
        await second.ReleaseOutboxLeaseAsync(lease, "node-b", Ct);
        Assert.True(await first.TryAcquireOutboxLeaseAsync(lease, "node-c", now.AddSeconds(52), duration, Ct));
    }

    [Fact]
    public async Task OutboxCheckpoint_IsACompareAndSet_AndNeverMovesBackwards()
    {
        var (first, second) = (await OutboxStoreAsync(), await OutboxStoreAsync(second: true));
        var sink = NewOutboxName();

        Assert.Null(await first.GetOutboxCheckpointAsync(sink, Ct));
        Assert.True(await first.SaveOutboxCheckpointAsync(sink, "cursor-1", 0, Ct));
        Assert.False(await second.SaveOutboxCheckpointAsync(sink, "cursor-0", 0, Ct)); // a second "first" save
        Assert.Equal(new OutboxCheckpoint("cursor-1", 1), await second.GetOutboxCheckpointAsync(sink, Ct));

        Assert.True(await second.SaveOutboxCheckpointAsync(sink, "cursor-2", 1, Ct));
        Assert.False(await first.SaveOutboxCheckpointAsync(sink, "cursor-1b", 1, Ct)); // a writer that read version 1 is late
        Assert.Equal(new OutboxCheckpoint("cursor-2", 2), await first.GetOutboxCheckpointAsync(sink, Ct));

        // Ten writers that all read version 2: exactly one moves it.
        var saves = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(
            () => (i % 2 == 0 ? first : second).SaveOutboxCheckpointAsync(sink, $"cursor-3-{i}", 2, Ct),
            Ct)));
        Assert.Equal(1, saves.Count(saved => saved));
        var after = await second.GetOutboxCheckpointAsync(sink, Ct);
        Assert.Equal(3, after!.Version);
        Assert.Equal($"cursor-3-{Array.IndexOf(saves, true)}", after.Cursor);
        Assert.Null(await first.GetOutboxCheckpointAsync(NewOutboxName(), Ct)); // per sink
    }

    [Fact]
    public async Task OutboxRetries_ComeWhenDue_EarliestFirst_AndAreReplacedByEventId()
    {
        var (first, second) = (await OutboxStoreAsync(), await OutboxStoreAsync(second: true));
        var sink = NewOutboxName();
        var now = Now();
        var late = NewRetry(sink, now.AddSeconds(-1), attempts: 2);
        var early = NewRetry(sink, now.AddSeconds(-5), attempts: 1) with { LastError = "503 Service Unavailable" };
        var notDue = NewRetry(sink, now.AddSeconds(1), attempts: 1);
        foreach (var entry in new[] { late, early, notDue, NewRetry(NewOutboxName(), now.AddSeconds(-3), attempts: 1) })
        {
            await first.SaveOutboxRetryAsync(entry, Ct);
        }

        Assert.Equal([early, late], await second.GetDueOutboxRetriesAsync(sink, now, 10, Ct));
        Assert.Equal([early], await second.GetDueOutboxRetriesAsync(sink, now, 1, Ct));
        Assert.Equal([early, late, notDue], await second.GetDueOutboxRetriesAsync(sink, now.AddSeconds(1), 10, Ct));

        var retried = early with { Attempts = 2, NextAttemptAt = now.AddMinutes(1), LastError = "timed out" };
        await second.SaveOutboxRetryAsync(retried, Ct); // the same (sink, event id): replaced, not added
        Assert.Equal([late], await first.GetDueOutboxRetriesAsync(sink, now, 10, Ct));
        Assert.Equal([late, notDue, retried], await first.GetDueOutboxRetriesAsync(sink, now.AddMinutes(1), 10, Ct));

        Assert.True(await first.DeleteOutboxRetryAsync(sink, late.EventId, Ct));
        Assert.False(await second.DeleteOutboxRetryAsync(sink, late.EventId, Ct));
        Assert.Equal([notDue, retried], await second.GetDueOutboxRetriesAsync(sink, now.AddMinutes(1), 10, Ct));
    }

    [Fact]
    public async Task OutboxDeadLetters_AreKeptOutOfTheRetries_ListedBySink_AndRequeued()
    {
        var (first, second) = (await OutboxStoreAsync(), await OutboxStoreAsync(second: true));
        var (sink, otherSink) = (NewOutboxName(), NewOutboxName());
        var now = Now();
        var dead = NewRetry(sink, now.AddSeconds(-10), attempts: 5) with { IsDeadLettered = true, LastError = "boom", OccurredAt = now.AddMinutes(-2) };
        var deadElsewhere = NewRetry(otherSink, now.AddSeconds(-10), attempts: 5) with { IsDeadLettered = true };
        var waiting = NewRetry(sink, now.AddSeconds(-1), attempts: 1);
        await first.SaveOutboxRetryAsync(dead, Ct);
        await first.SaveOutboxRetryAsync(deadElsewhere, Ct);
        await first.SaveOutboxRetryAsync(waiting, Ct);

        Assert.Equal([waiting], await second.GetDueOutboxRetriesAsync(sink, now, 10, Ct));
        Assert.Equal([dead], await second.GetOutboxDeadLettersAsync(sink, 10, Ct));
        var all = await second.GetOutboxDeadLettersAsync(null, 1_000, Ct);
        Assert.Contains(dead, all);
        Assert.Contains(deadElsewhere, all);
        Assert.DoesNotContain(waiting, all);

        Assert.False(await second.RequeueOutboxDeadLetterAsync(sink, waiting.EventId, now, Ct)); // not dead-lettered
        Assert.True(await second.RequeueOutboxDeadLetterAsync(sink, dead.EventId, now, Ct));
        Assert.False(await first.RequeueOutboxDeadLetterAsync(sink, dead.EventId, now, Ct)); // already requeued
        Assert.Empty(await first.GetOutboxDeadLettersAsync(sink, 10, Ct));
        var requeued = dead with { IsDeadLettered = false, Attempts = 0, NextAttemptAt = now };
        Assert.Equal([waiting, requeued], await first.GetDueOutboxRetriesAsync(sink, now, 10, Ct));
    }

    private async Task<IChatOutboxStore> OutboxStoreAsync(bool second = false)
    {
        var store = second ? await CreateSecondStoreAsync() : await CreateStoreAsync();
        return store as IChatOutboxStore
            ?? throw new NotSupportedException($"{store.GetType().Name} does not implement IChatOutboxStore, so event sinks (the outbox) cannot run on it; implement it.");
    }

    private static string NewOutboxName() => "sink_" + Guid.NewGuid().ToString("N");

    private static OutboxRetryEntry NewRetry(string sink, DateTimeOffset nextAttemptAt, int attempts) => new()
    {
        Sink = sink,
        EventId = "e_" + Guid.NewGuid().ToString("N"),
        EventType = "newMessage",
        Payload = """{"conversationId":"c_1","text":"héllo \u2603"}""",
        OccurredAt = nextAttemptAt.AddMinutes(-1),
        Attempts = attempts,
        NextAttemptAt = nextAttemptAt,
    };
}
