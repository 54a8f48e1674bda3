namespace ChatKit.Storage.Mongo.Internal;

/// <summary>What a conversation holds at one seq.</summary>
internal enum SeqSlot
{
    /// <summary>Nothing yet: its append is between taking the seq and inserting, or died there.</summary>
    Empty,

    /// <summary>A message.</summary>
    Message,

    /// <summary>A gap marker: the seq was given up, no message will ever have it, readers skip it.</summary>
    Gap,
}

/// <summary>The few single-document operations <see cref="VisibleSeq"/> needs; MongoDB's in the store, a fake in tests.</summary>
internal interface IVisibleSeqBackend
{
    /// <summary>The conversation's visible seq: every seq up to it holds a message or a gap marker.</summary>
    Task<long> ReadVisibleAsync(string conversationId);

    /// <summary>What the conversation holds at <paramref name="seq"/>, and the message's creation time when it is one.</summary>
    Task<(SeqSlot Slot, DateTime CreatedAt)> ProbeAsync(string conversationId, long seq);

    /// <summary>Moves the visible seq from <paramref name="from"/> to <c>from + 1</c> only if it still is <paramref name="from"/>.</summary>
    Task AdvanceAsync(string conversationId, long from, SeqSlot slot, DateTime createdAt);

    /// <summary>Inserts a gap marker at <paramref name="seq"/> unless something holds that seq already (the unique index decides).</summary>
    Task FillGapAsync(string conversationId, long seq);
}

/// <summary>
/// Makes a conversation's messages visible strictly in seq order, though MongoDB takes the seq (<c>$inc</c>) and inserts
/// the message in two steps, so seq N+1 can be stored before N.
/// </summary>
/// <remarks>
/// <para>
/// Readers only read up to the conversation's visible seq (<c>lastSeq</c>), and it moves by one, conditionally: from W to
/// W+1 only when W+1 holds a message or a gap marker. So every seq up to it is settled, and a reader following
/// <c>after=</c> never sees N+1 before N. An append inserts its message, then runs <see cref="PublishThroughAsync"/>,
/// which advances the visible seq as far as stored seqs allow and waits until it covers the append's own seq; only then
/// is the message acknowledged and published. Appends help each other: whoever finds W+1 stored advances past it.
/// </para>
/// <para>
/// An append whose seq is not visible yet polls with a growing delay (up to 100 ms): it needs no wake-up from the
/// append before it, so one that dies never strands the ones after it.
/// </para>
/// <para>
/// A crash between the two steps leaves a seq that nobody will store. A waiting append that sees the same seq empty
/// for <c>gapTimeout</c> inserts a gap marker there, which readers skip, and moves on; the conversation is never blocked
/// for longer than that. If the slow append was alive after all, its insert then fails on the unique (conversation,
/// seq) index and it takes a new seq: the marker never hides a message.
/// </para>
/// </remarks>
internal sealed class VisibleSeq(IVisibleSeqBackend backend, TimeProvider time, TimeSpan gapTimeout)
{
    private static readonly TimeSpan FirstPollDelay = TimeSpan.FromMilliseconds(2);
    private static readonly TimeSpan MaxPollDelay = TimeSpan.FromMilliseconds(100);

    private int _gapsFilled;

    /// <summary>How many gap markers this instance inserted (for logs and tests).</summary>
    public int GapsFilled => _gapsFilled;

    /// <summary>Returns once the conversation's visible seq is at least <paramref name="seq"/>, advancing it on the way.</summary>
    public async Task PublishThroughAsync(string conversationId, long seq)
    {
        var delay = FirstPollDelay;
        var waitingFor = -1L;
        var waitingSince = 0L;
        while (true)
        {
            var visible = await backend.ReadVisibleAsync(conversationId).ConfigureAwait(false);
            if (visible >= seq)
            {
                return;
            }

            var next = visible + 1;
            var (slot, createdAt) = await backend.ProbeAsync(conversationId, next).ConfigureAwait(false);
            if (slot != SeqSlot.Empty)
            {
                await backend.AdvanceAsync(conversationId, visible, slot, createdAt).ConfigureAwait(false);
                delay = FirstPollDelay;
                continue;
            }

            // The seq after the visible one is still on its way. Wait for it, and give it up once it stays empty too long.
            if (waitingFor != next)
            {
                waitingFor = next;
                waitingSince = time.GetTimestamp();
            }
            else if (time.GetElapsedTime(waitingSince) >= gapTimeout)
            {
                await backend.FillGapAsync(conversationId, next).ConfigureAwait(false);
                Interlocked.Increment(ref _gapsFilled);
                continue;
            }

            await Task.Delay(delay, time).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxPollDelay.Ticks));
        }
    }
}
