using System.Collections.Concurrent;
using ChatKit.Events;
using ChatKit.Internal.Outbox;
using ChatKit.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ChatKit.Core.Tests.Outbox;

/// <summary>
/// The dispatcher as a host runs it (AddChatKitCore + AddEventSink, its hosted service started), over the in-memory
/// store and an in-memory feed: retries that do not hold the others up, dead letters and their requeue, and two nodes
/// that never deliver to one sink at the same time.
/// </summary>
public sealed class OutboxDispatcherTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AFailingEntry_IsRetriedWithBackoff_WhileTheOthersAreDelivered()
    {
        var store = new InMemoryChatStore();
        var events = await RecordAsync(store, 5);
        var sink = new ScriptedSink { FailuresOf = { [events[1].Id] = 2 } };
        await using var node = await Node.StartAsync(store, sink);

        await sink.WaitForAsync(events.Select(e => e.Id));

        Assert.Equal([events[0].Id, events[2].Id, events[3].Id, events[4].Id, events[1].Id], sink.Delivered.Select(e => e.Id));
        Assert.Equal(3, sink.Delivered.Single(e => e.Id == events[1].Id).Attempt);
        Assert.All(sink.Delivered.Where(e => e.Id != events[1].Id), e => Assert.Equal(1, e.Attempt));
        Assert.IsType<MessageDeletedEvent>(sink.Delivered[^1].Event); // the retry's event came back from its stored payload
        Assert.Equivalent(events[1].Event with { EventId = events[1].Id }, sink.Delivered[^1].Event, strict: true);
        var outbox = (IChatOutboxStore)node.Store;
        Assert.Empty(await outbox.GetDueOutboxRetriesAsync(ChatKitOutbox.SinkName<ScriptedSink>(), DateTimeOffset.MaxValue, 10, Ct));
    }

    [Fact]
    public async Task AnEntryThatKeepsFailing_IsDeadLettered_AndDeliveredOnceRequeued()
    {
        var store = new InMemoryChatStore();
        var events = await RecordAsync(store, 2);
        var (failing, fine) = (events[0].Id, events[1].Id);
        var sink = new ScriptedSink { FailuresOf = { [failing] = int.MaxValue } };
        await using var node = await Node.StartAsync(store, sink, o => o.MaxAttempts = 3);
        var outbox = node.Services.GetRequiredService<ChatKitOutbox>();

        await sink.WaitForAsync([fine]);
        var dead = await WaitAsync(async () => (await outbox.GetDeadLettersAsync(cancellationToken: Ct)) is [var d] ? d : null);

        Assert.Equal(ChatKitOutbox.SinkName<ScriptedSink>(), dead.Sink);
        Assert.Equal(failing, dead.EventId);
        Assert.Equal(3, dead.Attempts);
        Assert.Equal("messageDeleted", dead.EventType);
        Assert.Equal("InvalidOperationException: scripted failure 3", dead.LastError);
        Assert.Equal(3, sink.Attempts(failing));

        sink.FailuresOf[failing] = 0;
        Assert.True(await outbox.RequeueAsync(dead.Sink, dead.EventId, Ct));
        await sink.WaitForAsync([failing]);
        Assert.Empty(await outbox.GetDeadLettersAsync(cancellationToken: Ct));
        Assert.Equal(1, sink.Delivered.Single(e => e.Id == failing).Attempt);
    }

    [Fact]
    public async Task TwoNodes_NeverDeliverToOneSinkAtTheSameTime_AndDeliverEverything()
    {
        var store = new InMemoryChatStore();
        var sink = new ScriptedSink { Hold = TimeSpan.FromMilliseconds(2) };
        await using var first = await Node.StartAsync(store, sink, o => o.BatchSize = 3);
        await using var second = await Node.StartAsync(store, sink, o => o.BatchSize = 3);
        var events = await RecordAsync(store, 60);

        await sink.WaitForAsync(events.Select(e => e.Id));

        Assert.Equal(1, sink.MostAtOnce);
        Assert.Equal(events.Select(e => e.Id), sink.Delivered.Select(e => e.Id)); // one lease holder at a time: feed order
    }

    [Fact]
    public void Backoff_DoublesFromTheBaseDelay_UpToTheMaximum_WithJitterOfUpToHalf()
    {
        var options = Options.Create(new ChatKitOutboxOptions { RetryBaseDelay = TimeSpan.FromSeconds(2), RetryMaxDelay = TimeSpan.FromMinutes(1) });
        var dispatcher = new OutboxDispatcher([], new ServiceCollection().BuildServiceProvider(), options, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<OutboxDispatcher>.Instance);
        for (var i = 0; i < 50; i++)
        {
            Assert.InRange(dispatcher.Backoff(1), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
            Assert.InRange(dispatcher.Backoff(3), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8));
            Assert.InRange(dispatcher.Backoff(30), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1));
        }
    }

    [Fact]
    public async Task OutOfRangeOptions_StopTheHostWithTheirNames()
    {
        var services = new ServiceCollection();
        services.AddChatKitCore().AddEventSink<ScriptedSink>().ConfigureOutbox(o => (o.LeaseDuration, o.DeliveryTimeout, o.MaxAttempts) = (TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), 0));
        services.AddSingleton(new ScriptedSink());
        await using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ChatKitOutboxOptions>>().Value);

        Assert.Contains("ChatKit:Outbox:LeaseDuration (00:00:05) must be longer than ChatKit:Outbox:DeliveryTimeout", error.Message, StringComparison.Ordinal);
        Assert.Contains("ChatKit:Outbox:MaxAttempts must be between 1 and 100; it is 0.", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Records events in the store's feed as a change would.</summary>
    private static async Task<IReadOnlyList<StoredChatEvent>> RecordAsync(InMemoryChatStore store, int count)
    {
        var recorded = new List<StoredChatEvent>();
        for (var i = 0; i < count; i++)
        {
            var change = await store.RecordEventsAsync<int>("c_1", DateTimeOffset.UtcNow, _ => Task.FromResult(i), n => [new MessageDeletedEvent($"m_{n}", "c_1", ["alice", "bob"])], Ct);
            recorded.AddRange(change.Events);
        }

        return recorded;
    }

    private static async Task<T> WaitAsync<T>(Func<Task<T?>> probe)
        where T : class
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(Patience);
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            await Task.Delay(10, timeout.Token);
        }
    }

    /// <summary>A host's services with one sink, its hosted services started.</summary>
    private sealed class Node : IAsyncDisposable
    {
        private readonly ServiceProvider _provider;
        private readonly List<IHostedService> _hosted;

        private Node(ServiceProvider provider)
        {
            _provider = provider;
            _hosted = [.. provider.GetServices<IHostedService>()];
        }

        public IServiceProvider Services => _provider;

        public IChatStore Store => _provider.GetRequiredService<IChatStore>();

        public static async Task<Node> StartAsync(InMemoryChatStore store, ScriptedSink sink, Action<ChatKitOutboxOptions>? configure = null)
        {
            var services = new ServiceCollection();
            services.AddSingleton<IChatStore>(store);
            services.AddSingleton(sink);
            services.AddChatKitCore()
                .AddEventSink<ScriptedSink>()
                .ConfigureOutbox(o =>
                {
                    o.PollInterval = TimeSpan.FromMilliseconds(10);
                    o.RetryBaseDelay = TimeSpan.FromMilliseconds(10);
                    o.RetryMaxDelay = TimeSpan.FromMilliseconds(50);
                    configure?.Invoke(o);
                });
            services.Replace(ServiceDescriptor.Singleton<IChatEventSink>(sp => sp.GetRequiredService<ScriptedSink>()));
            var node = new Node(services.BuildServiceProvider());
            foreach (var hosted in node._hosted)
            {
                await hosted.StartAsync(Ct);
            }

            return node;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var hosted in _hosted)
            {
                await hosted.StopAsync(CancellationToken.None);
            }

            await _provider.DisposeAsync();
        }
    }
}

/// <summary>A sink that fails given entries a given number of times and records what it delivered and how many at once.</summary>
internal sealed class ScriptedSink : IChatEventSink
{
    private readonly ConcurrentDictionary<string, int> _attempts = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly List<OutboxEntry> _delivered = [];
    private int _inFlight;
    private int _mostAtOnce;

    public ConcurrentDictionary<string, int> FailuresOf { get; } = new(StringComparer.Ordinal);

    public TimeSpan Hold { get; init; }

    public int MostAtOnce => Volatile.Read(ref _mostAtOnce);

    public IReadOnlyList<OutboxEntry> Delivered
    {
        get
        {
            lock (_gate)
            {
                return [.. _delivered];
            }
        }
    }

    public int Attempts(string id) => _attempts.GetValueOrDefault(id);

    public async ValueTask DeliverAsync(OutboxEntry entry, CancellationToken cancellationToken)
    {
        var now = Interlocked.Increment(ref _inFlight);
        InterlockedMax(ref _mostAtOnce, now);
        try
        {
            if (Hold > TimeSpan.Zero)
            {
                await Task.Delay(Hold, cancellationToken);
            }

            var attempt = _attempts.AddOrUpdate(entry.Id, 1, (_, n) => n + 1);
            if (FailuresOf.TryGetValue(entry.Id, out var failures) && attempt <= failures)
            {
                throw new InvalidOperationException($"scripted failure {attempt}");
            }

            lock (_gate)
            {
                _delivered.Add(entry);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public async Task WaitForAsync(IEnumerable<string> ids)
    {
        var wanted = ids.ToHashSet(StringComparer.Ordinal);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (!wanted.IsSubsetOf(Delivered.Select(e => e.Id)))
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
