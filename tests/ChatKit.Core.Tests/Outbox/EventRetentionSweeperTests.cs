using ChatKit.Events;
using ChatKit.Internal;
using ChatKit.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ChatKit.Core.Tests.Outbox;

/// <summary>
/// The retention sweep over the in-memory store: what it deletes (older than the retention plus the margin), what it keeps
/// (newer events, events after a sink's checkpoint), and that the hosted service sweeps on ChatKit's clock.
/// </summary>
public sealed class EventRetentionSweeperTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sweep_DeletesEventsOlderThanTheRetentionPlusTheMargin_AndKeepsTheRest()
    {
        var time = new FakeTimeProvider(Start);
        var store = new InMemoryChatStore();
        var retention = TimeSpan.FromDays(2);
        var gone = await RecordAsync(store, Start - retention - EventRetentionSweeper.Margin - TimeSpan.FromMinutes(1));
        var inMargin = await RecordAsync(store, Start - retention - TimeSpan.FromMinutes(30));
        var recent = await RecordAsync(store, Start);

        var deleted = await Sweeper(store, time, retention, []).SweepAsync(Ct);

        Assert.Equal(1, deleted);
        Assert.Equal([inMargin, recent], await FeedAsync(store));
        Assert.DoesNotContain(gone, await FeedAsync(store));
    }

    [Fact]
    public async Task Sweep_KeepsEverythingASinkHasNotPassed_AndFollowsItsCheckpoint()
    {
        var time = new FakeTimeProvider(Start);
        var store = new InMemoryChatStore();
        var old = Start - TimeSpan.FromDays(10);
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add(await RecordAsync(store, old));
        }

        var sink = ChatKitOutbox.SinkName<ScriptedSink>();
        IChatOutboxStore outbox = store;
        var afterFirst = (await store.ReadEventFeedAsync(null, 1, Ct)).Cursor;
        Assert.True(await outbox.SaveOutboxCheckpointAsync(sink, afterFirst, 0, Ct));
        var sweeper = Sweeper(store, time, TimeSpan.FromDays(1), [new ScriptedSink()]);

        Assert.Equal(1, await sweeper.SweepAsync(Ct));
        Assert.Equal(ids[1..], await FeedAsync(store));

        // The sink reads on from its checkpoint as before, and once it passed everything, everything old goes.
        var page = await store.ReadEventFeedAsync(afterFirst, 10, Ct);
        Assert.Equal(ids[1..], page.Events.Select(e => e.Id));
        Assert.True(await outbox.SaveOutboxCheckpointAsync(sink, page.Cursor, 1, Ct));
        Assert.Equal(3, await sweeper.SweepAsync(Ct));
        Assert.Empty(await FeedAsync(store));
    }

    [Fact]
    public async Task Sweep_ASinkWithoutACheckpoint_HoldsNothingBack()
    {
        var time = new FakeTimeProvider(Start);
        var store = new InMemoryChatStore();
        await RecordAsync(store, Start - TimeSpan.FromDays(10));

        Assert.Equal(1, await Sweeper(store, time, TimeSpan.FromDays(1), [new ScriptedSink()]).SweepAsync(Ct));
    }

    [Fact]
    public async Task HostedService_SweepsEveryInterval_OnChatKitsClock()
    {
        var time = new FakeTimeProvider(Start);
        var store = new InMemoryChatStore();
        var sweeper = Sweeper(store, time, TimeSpan.FromDays(1), [], TimeSpan.FromMinutes(10));
        await sweeper.StartAsync(Ct);
        try
        {
            var old = await RecordAsync(store, Start - TimeSpan.FromDays(10));
            var recent = await RecordAsync(store, Start);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));

            // The service starts its timer on its own thread: keep moving the clock by an interval until a sweep ran.
            while ((await FeedAsync(store)).Contains(old))
            {
                time.Advance(TimeSpan.FromMinutes(10));
                await Task.Delay(10, timeout.Token);
            }

            Assert.Equal([recent], await FeedAsync(store));
        }
        finally
        {
            await sweeper.StopAsync(CancellationToken.None);
        }
    }

    private static EventRetentionSweeper Sweeper(InMemoryChatStore store, TimeProvider time, TimeSpan retention, IChatEventSink[] sinks, TimeSpan? interval = null)
    {
        var services = new ServiceCollection().AddSingleton<IChatStore>(store).BuildServiceProvider();
        var options = Options.Create(new ChatKitOptions { SyncRetention = retention, EventPurgeInterval = interval ?? TimeSpan.FromHours(1) });
        return new EventRetentionSweeper(services, sinks, options, time, NullLogger<EventRetentionSweeper>.Instance);
    }

    private static async Task<string> RecordAsync(InMemoryChatStore store, DateTimeOffset at)
    {
        var recorded = await store.RecordEventsAsync("c_1", at, _ => Task.FromResult(true), _ => [new ConversationReadEvent("c_1", "alice", at, ["alice"])], Ct);
        return Assert.Single(recorded.Events).Id;
    }

    private static async Task<List<string>> FeedAsync(InMemoryChatStore store) =>
        [.. (await store.ReadEventFeedAsync(null, 100, Ct)).Events.Select(e => e.Id)];
}
