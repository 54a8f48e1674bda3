using ChatKit.Events;
using ChatKit.Internal.Outbox;
using ChatKit.Storage;

namespace ChatKit.Core.Tests.Outbox;

/// <summary>How the dispatcher cuts a batching sink's feed page into windows (<see cref="OutboxDispatcher.TakeWindow"/>).</summary>
public sealed class BatchWindowTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void EventsBeforeTheFirstOpener_PassAtOnce_AndTheWindowWaitsUntilItCloses()
    {
        var page = Page(("read", 0), ("msg", 1), ("msg", 3));

        Assert.Equal((1, false), OutboxDispatcher.TakeWindow(new Sink(TimeSpan.FromSeconds(5)), page, T0.AddSeconds(5.9)));
    }

    [Fact]
    public void AClosedWindow_TakesEverythingUpToItsEnd_AndLeavesTheRestForTheNext()
    {
        var page = Page(("msg", 1), ("read", 2), ("msg", 6), ("msg", 6.5));

        Assert.Equal((3, true), OutboxDispatcher.TakeWindow(new Sink(TimeSpan.FromSeconds(5)), page, T0.AddSeconds(6)));
        Assert.Equal((3, true), OutboxDispatcher.TakeWindow(new Sink(TimeSpan.FromSeconds(5)), page, T0.AddMinutes(1)));
    }

    [Fact]
    public void APageWithoutOpeners_OrAZeroWindow_IsTakenWhole()
    {
        Assert.Equal((2, true), OutboxDispatcher.TakeWindow(new Sink(TimeSpan.FromSeconds(5)), Page(("read", 0), ("read", 9)), T0));
        Assert.Equal((3, true), OutboxDispatcher.TakeWindow(new Sink(TimeSpan.Zero), Page(("msg", 0), ("msg", 9), ("msg", 20)), T0));
        Assert.Equal((0, true), OutboxDispatcher.TakeWindow(new Sink(TimeSpan.FromSeconds(5)), [], T0));
    }

    /// <summary>Events at T0 plus the given seconds; <c>msg</c> opens a window, <c>read</c> does not.</summary>
    private static List<StoredChatEvent> Page(params (string Kind, double Seconds)[] events) =>
        [.. events.Select((e, i) => new StoredChatEvent(
            $"e{i}",
            e.Kind == "msg" ? new MessageDeletedEvent($"m{i}", "c_1", []) : new ConversationReadEvent("c_1", "bob", T0, []),
            T0.AddSeconds(e.Seconds)))];

    private sealed class Sink(TimeSpan window) : IBatchingEventSink
    {
        public string Name => "test";

        public TimeSpan Window => window;

        public bool OpensWindow(ChatEvent chatEvent) => chatEvent is MessageDeletedEvent;

        public ValueTask<IReadOnlyList<OutboxWorkItem>> PlanAsync(IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask DeliverAsync(OutboxWorkItem item, int attempt, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask DeliverAsync(OutboxEntry entry, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
