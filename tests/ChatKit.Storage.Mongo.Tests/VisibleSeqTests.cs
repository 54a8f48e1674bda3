using System.Collections.Concurrent;
using ChatKit.Storage.Mongo.Internal;

namespace ChatKit.Storage.Mongo.Tests;

/// <summary>
/// The ordering algorithm of the Mongo store's appends, without a server: the backend is a faithful in-process model of
/// the four single-document operations (a conditional update, a unique-index insert), and real tasks interleave freely.
/// </summary>
public sealed class VisibleSeqTests
{
    private const string Conversation = "c_1";

    [Fact]
    public async Task ConcurrentAppends_AReaderFollowingAfter_SeesEverySeqOnceAndNeverAnUnsettledOne()
    {
        var backend = new ModelBackend();
        var visible = new VisibleSeq(backend, TimeProvider.System, TimeSpan.FromMinutes(1));
        const int writers = 8;
        const int perWriter = 50;
        var writes = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < perWriter; i++)
            {
                // Take a seq, store at it after a random pause (another writer may store a later seq first), then publish.
                var seq = backend.Allocate();
                if (Random.Shared.Next(3) == 0)
                {
                    await Task.Yield();
                }

                backend.Store(seq);
                await visible.PublishThroughAsync(Conversation, seq);
                Assert.True(backend.Visible >= seq, "an append returned before its seq was visible");
            }
        })).ToArray();

        var seen = new List<long>();
        var after = 0L;
        var allWritten = Task.WhenAll(writes);
        while (true)
        {
            var done = allWritten.IsCompleted;
            var page = backend.Read(after);
            seen.AddRange(page);
            after = page.Count > 0 ? page[^1] : after;
            if (done && page.Count == 0)
            {
                break;
            }

            await Task.Yield();
        }

        await allWritten;
        Assert.Equal(Enumerable.Range(1, writers * perWriter).Select(i => (long)i), seen);
        Assert.Equal(0, visible.GapsFilled);
    }

    [Fact]
    public async Task AnAppendThatDiedBetweenItsSteps_IsGivenUpAfterTheTimeout_AndTheNextOneBecomesVisible()
    {
        var backend = new ModelBackend();
        var visible = new VisibleSeq(backend, TimeProvider.System, TimeSpan.FromMilliseconds(200));
        backend.Store(backend.Allocate());
        await visible.PublishThroughAsync(Conversation, 1);

        var died = backend.Allocate(); // seq 2: taken, never stored
        var next = backend.Allocate();
        backend.Store(next);
        var published = visible.PublishThroughAsync(Conversation, next);

        // Until the timeout, a reader sees nothing past seq 1: seq 3 is stored but not visible.
        Assert.Empty(backend.Read(1));
        await published.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(SeqSlot.Gap, backend.SlotAt(died));
        Assert.Equal(1, visible.GapsFilled);
        Assert.Equal([next], backend.Read(1));

        // The slow append that held seq 2 cannot store there any more: the unique key refuses it (it takes a new seq).
        Assert.False(backend.Store(died));
    }

    [Fact]
    public async Task TwoAppendsWaitingOnTheSameGap_FillItOnce()
    {
        var backend = new ModelBackend();
        var visible = new VisibleSeq(backend, TimeProvider.System, TimeSpan.FromMilliseconds(100));
        backend.Allocate(); // seq 1 never stored
        var a = backend.Allocate();
        var b = backend.Allocate();
        backend.Store(a);
        backend.Store(b);

        await Task.WhenAll(visible.PublishThroughAsync(Conversation, a), visible.PublishThroughAsync(Conversation, b)).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal([a, b], backend.Read(0));
        Assert.Equal(SeqSlot.Gap, backend.SlotAt(1));
        Assert.Equal(3, backend.Visible);
    }

    /// <summary>One conversation: a counter, a unique (seq) slot table, and a visible seq moved by compare-and-set.</summary>
    private sealed class ModelBackend : IVisibleSeqBackend
    {
        private readonly ConcurrentDictionary<long, SeqSlot> _slots = new();
        private long _allocated;
        private long _visible;

        public long Visible => Interlocked.Read(ref _visible);

        public long Allocate() => Interlocked.Increment(ref _allocated);

        /// <summary>Inserts a message at a seq; false when the unique key is taken.</summary>
        public bool Store(long seq) => _slots.TryAdd(seq, SeqSlot.Message);

        public SeqSlot SlotAt(long seq) => _slots.GetValueOrDefault(seq, SeqSlot.Empty);

        /// <summary>A reader's page after a seq: visible messages only, and it asserts nothing visible is unsettled.</summary>
        public List<long> Read(long after)
        {
            var visible = Visible;
            var page = new List<long>();
            for (var seq = after + 1; seq <= visible; seq++)
            {
                var slot = SlotAt(seq);
                Assert.NotEqual(SeqSlot.Empty, slot);
                if (slot == SeqSlot.Message)
                {
                    page.Add(seq);
                }
            }

            return page;
        }

        public Task<long> ReadVisibleAsync(string conversationId) => Task.FromResult(Visible);

        public Task<(SeqSlot Slot, DateTime CreatedAt)> ProbeAsync(string conversationId, long seq) =>
            Task.FromResult((SlotAt(seq), DateTime.UtcNow));

        public Task AdvanceAsync(string conversationId, long from, SeqSlot slot, DateTime createdAt)
        {
            Interlocked.CompareExchange(ref _visible, from + 1, from);
            return Task.CompletedTask;
        }

        public Task FillGapAsync(string conversationId, long seq)
        {
            _slots.TryAdd(seq, SeqSlot.Gap);
            return Task.CompletedTask;
        }
    }
}
