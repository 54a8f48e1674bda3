using ChatKit.Events;
using ChatKit.Services;
using ChatKit.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace ChatKit.Testing.Conformance;

// The retention purge of the event log: events that happened before the cutoff go, newer ones and those an outbox sink has
// not passed stay, batches are bounded, concurrent purges on two instances are safe, and a sync from a cursor older than the
// retention answers limited instead of silently missing purged events. Old events are recorded with a time far in the past
// (other tests share the store and record only current times).
public abstract partial class ChatStoreConformanceTests
{
    private static readonly TimeSpan LongAgo = TimeSpan.FromDays(400);

    [Fact]
    public async Task PurgeEvents_OlderThanTheCutoff_AreGone_NewerOnesStay()
    {
        var store = await CreateStoreAsync();
        if (await FeedEndAsync(store) is not { } start)
        {
            return;
        }

        var group = await CreateGroupAsync(store);
        var old = await RecordReadAsync(store, group, Now() - LongAgo);
        var older = await RecordReadAsync(store, group, Now() - LongAgo - TimeSpan.FromDays(1));
        var recent = await RecordReadAsync(store, group, Now());
        Assert.Equal([old, older, recent], (await ReadFeedOfAsync(store, start, 3, group.Id)).Select(e => e.Id));

        await PurgeAllAsync(store, Now() - TimeSpan.FromDays(300), []);

        Assert.Equal([recent], (await ReadFeedOfAsync(store, start, 1, group.Id)).Select(e => e.Id));
        Assert.Equal([recent], (await ReadUserEventsOfAsync(store, group.Participants[0].UserId, start, group.Id, limit: 5, expected: 1)).Select(e => e.Id));
    }

    [Fact]
    public async Task PurgeEvents_ASinksCheckpoint_KeepsEveryEventAfterIt()
    {
        var store = await CreateStoreAsync();
        if (await FeedEndAsync(store) is not { } start)
        {
            return;
        }

        var group = await CreateGroupAsync(store);
        var at = Now() - LongAgo;
        var first = await RecordReadAsync(store, group, at);
        var second = await RecordReadAsync(store, group, at);
        var third = await RecordReadAsync(store, group, at);
        Assert.Equal([first, second, third], (await ReadFeedOfAsync(store, start, 3, group.Id)).Select(e => e.Id));
        var checkpoint = await CursorAfterAsync(store, start, first);

        await PurgeAllAsync(store, Now() - TimeSpan.FromDays(300), [checkpoint, start]);
        Assert.Equal([first, second, third], (await ReadFeedOfAsync(store, start, 3, group.Id)).Select(e => e.Id));

        await PurgeAllAsync(store, Now() - TimeSpan.FromDays(300), [checkpoint]);
        Assert.Equal([second, third], (await ReadFeedOfAsync(store, start, 2, group.Id)).Select(e => e.Id));

        // The sink's own next read is unaffected.
        Assert.Equal([second, third], (await ReadFeedOfAsync(store, checkpoint, 2, group.Id)).Select(e => e.Id));
    }

    [Fact]
    public async Task PurgeEvents_DeletesAtMostTheLimitPerCall()
    {
        var store = await CreateStoreAsync();
        if (await FeedEndAsync(store) is not { } start)
        {
            return;
        }

        var group = await CreateGroupAsync(store);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await RecordReadAsync(store, group, Now() - LongAgo));
        }

        Assert.Equal(ids, (await ReadFeedOfAsync(store, start, 3, group.Id)).Select(e => e.Id));

        var deleted = await store.PurgeEventsAsync(Now() - TimeSpan.FromDays(300), [], 1, Ct);

        Assert.Equal(1, deleted);
        Assert.True((await ReadFeedOfAsync(store, start, 0, group.Id)).Count >= 2);
    }

    [Fact]
    public async Task PurgeEvents_ConcurrentlyOnTwoInstances_DeleteEachOldEventOnceAndNothingElse()
    {
        var store = await CreateStoreAsync();
        var second = await CreateSecondStoreAsync();
        if (await FeedEndAsync(store) is not { } start)
        {
            return;
        }

        var group = await CreateGroupAsync(store);
        for (var i = 0; i < 30; i++)
        {
            await RecordReadAsync(i % 2 == 0 ? store : second, group, Now() - LongAgo);
        }

        var recent = await RecordReadAsync(store, group, Now());
        Assert.Equal(31, (await ReadFeedOfAsync(store, start, 31, group.Id)).Count);

        var cutoff = Now() - TimeSpan.FromDays(300);
        var counts = await Task.WhenAll(
            Task.Run(() => PurgeAllAsync(store, cutoff, [], batch: 4), Ct),
            Task.Run(() => PurgeAllAsync(second, cutoff, [], batch: 3), Ct));

        Assert.True(counts.Sum() >= 30, $"the two purges deleted {counts[0]} + {counts[1]} events");
        Assert.Equal([recent], (await ReadFeedOfAsync(store, start, 1, group.Id)).Select(e => e.Id));
        Assert.Equal([recent], (await ReadFeedOfAsync(second, start, 1, group.Id)).Select(e => e.Id));
    }

    [Fact]
    public async Task Sync_FromACursorOlderThanTheRetention_AfterThePurge_AnswersLimited()
    {
        var store = await CreateStoreAsync();
        if (await FeedEndAsync(store) is not { } start)
        {
            return;
        }

        var time = new FakeTimeProvider(Now());
        var services = new ServiceCollection();
        services.AddChatKitCore(options =>
        {
            foreach (var operation in Enum.GetValues<ChatOperation>())
            {
                options.RateLimitFor(operation).Enabled = false;
            }

            options.SyncRetention = TimeSpan.FromDays(1);
        });
        services.Replace(ServiceDescriptor.Singleton<TimeProvider>(time));
        services.Replace(ServiceDescriptor.Singleton(store));
        await using var provider = services.BuildServiceProvider();
        var chat = provider.GetRequiredService<ChatService>();
        var group = await CreateGroupAsync(store);
        var caller = new ChatUser(group.Participants[0].UserId, "Owner");
        var fresh = await chat.SyncAsync(caller, null, cancellationToken: Ct);

        // An event recorded after the cursor was issued (stamped long ago, so only it is purgeable here).
        var missed = await RecordReadAsync(store, group, Now() - LongAgo);
        Assert.Equal([missed], (await ReadFeedOfAsync(store, start, 1, group.Id)).Select(e => e.Id));
        var within = await WaitForSyncAsync(chat, caller, fresh.Cursor, missed);
        Assert.False(within.Limited);

        // The clock passes the retention and the purge removes the event: the old cursor now answers limited.
        time.Advance(TimeSpan.FromDays(3));
        await PurgeAllAsync(store, Now() - TimeSpan.FromDays(300), []);
        Assert.Empty(await ReadFeedOfAsync(store, start, 0, group.Id));

        var late = await chat.SyncAsync(caller, fresh.Cursor, cancellationToken: Ct);
        Assert.True(late.Limited);
        Assert.Empty(late.Events);
    }

    /// <summary>Syncs from a cursor until the event shows (a store may serve a committed event a little later).</summary>
    private static async Task<SyncResult> WaitForSyncAsync(ChatService chat, ChatUser caller, string cursor, string eventId)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (true)
        {
            var result = await chat.SyncAsync(caller, cursor, cancellationToken: timeout.Token);
            if (result.Limited || result.Events.Any(e => e.EventId == eventId))
            {
                return result;
            }

            await Task.Delay(20, timeout.Token);
        }
    }

    /// <summary>Records a change-less read event in the group at <paramref name="at"/>; returns its id.</summary>
    private static async Task<string> RecordReadAsync(IChatStore store, Conversation group, DateTimeOffset at)
    {
        var members = group.Participants.Select(p => p.UserId).ToList();
        var result = await store.RecordEventsAsync(
            group.Id,
            at,
            _ => Task.FromResult(true),
            _ => [new ConversationReadEvent(group.Id, members[0], at, members)],
            Ct);
        return Assert.Single(result.Events).Id;
    }

    /// <summary>Purges batch after batch until a batch comes back short; returns the total.</summary>
    private static async Task<int> PurgeAllAsync(IChatStore store, DateTimeOffset before, IReadOnlyCollection<string> keepAfter, int batch = 100)
    {
        var total = 0;
        int deleted;
        do
        {
            deleted = await store.PurgeEventsAsync(before, keepAfter, batch, Ct);
            Assert.InRange(deleted, 0, batch);
            total += deleted;
        }
        while (deleted == batch);

        return total;
    }

    /// <summary>The cursor right after the event <paramref name="eventId"/>, reading one event at a time from <paramref name="after"/>.</summary>
    private static async Task<string> CursorAfterAsync(IChatStore store, string after, string eventId)
    {
        var cursor = after;
        while (true)
        {
            var page = await store.ReadEventFeedAsync(cursor, 1, Ct);
            cursor = page.Cursor;
            if (page.Events.Any(e => e.Id == eventId))
            {
                return cursor;
            }

            Assert.True(page.HasMore, $"event {eventId} was not found in the feed");
        }
    }
}
