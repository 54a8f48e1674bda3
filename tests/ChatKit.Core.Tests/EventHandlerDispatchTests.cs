using System.Threading.Channels;
using ChatKit.Events;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChatKit.Core.Tests;

/// <summary>Core's publisher: transports first, then each handler's own bounded queue.</summary>
public sealed class EventHandlerDispatchTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly ChatEvent Typing = new UserTypingEvent("c_1", "alice", "Alice");

    [Fact]
    public async Task WithOneTransportAndNoHandler_PublishingAllocatesNothing()
    {
        await using var services = Build(s => s.TryAddEnumerable(ServiceDescriptor.Singleton<IChatEventTransport, CountingTransport>()));
        var publisher = services.GetRequiredService<IChatEventPublisher>();
        var transport = (CountingTransport)services.GetRequiredService<IChatEventTransport>();
        await publisher.PublishAsync(Typing, CancellationToken.None);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            await publisher.PublishAsync(Typing, CancellationToken.None);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(1_001, transport.Count);
    }

    [Fact]
    public async Task AFailingTransport_StillLetsTheHandlersAndTheNextTransportHaveTheEvent()
    {
        var handled = Channel.CreateUnbounded<ChatEvent>();
        await using var services = Build(s =>
        {
            s.TryAddEnumerable(ServiceDescriptor.Singleton<IChatEventTransport, FailingTransport>());
            s.TryAddEnumerable(ServiceDescriptor.Singleton<IChatEventTransport, CountingTransport>());
            s.AddSingleton(handled);
            s.AddChatKitCore().AddEventHandler<ChannelHandler>();
        });

        await services.GetRequiredService<IChatEventPublisher>().PublishAsync(Typing, CancellationToken.None);

        Assert.Same(Typing, await handled.Reader.ReadAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal(1, services.GetServices<IChatEventTransport>().OfType<CountingTransport>().Single().Count);
    }

    [Fact]
    public async Task AFullQueue_DropsEventsForThatHandlerOnly_AndTheHandlerGoesOnWhenFree()
    {
        var handled = Channel.CreateUnbounded<ChatEvent>();
        await using var services = Build(s =>
        {
            s.AddSingleton(handled);
            s.AddChatKitCore(o => o.EventHandlerQueueCapacity = 2).AddEventHandler<BlockedHandler>().AddEventHandler<ChannelHandler>();
        });
        var publisher = services.GetRequiredService<IChatEventPublisher>();
        var blocked = services.GetServices<IChatEventHandler>().OfType<BlockedHandler>().Single();

        // The first event is being handled (held), two wait in its queue, the fourth and fifth are dropped for it; the
        // other handler gets each one (read before the next is published, so its own queue never fills).
        var other = new List<string>();
        foreach (var user in new[] { "e1", "e2", "e3", "e4", "e5" })
        {
            await publisher.PublishAsync(new UserStoppedTypingEvent("c_1", user), CancellationToken.None);
            other.Add(((UserStoppedTypingEvent)await handled.Reader.ReadAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), Ct)).UserId);
            await blocked.Started.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        }

        blocked.Release.SetResult();
        await blocked.Seen("e3").WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await publisher.PublishAsync(new UserStoppedTypingEvent("c_1", "e6"), CancellationToken.None);
        await blocked.Seen("e6").WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.Equal(["e1", "e2", "e3", "e4", "e5"], other);
        Assert.Equal(["e1", "e2", "e3", "e6"], blocked.Handled);
    }

    [Fact]
    public async Task DisposingTheServices_LetsQueuedEventsFinish()
    {
        var handled = Channel.CreateUnbounded<ChatEvent>();
        var services = Build(s =>
        {
            s.AddSingleton(handled);
            s.AddChatKitCore().AddEventHandler<ChannelHandler>();
        });
        var publisher = services.GetRequiredService<IChatEventPublisher>();
        for (var i = 0; i < 100; i++)
        {
            await publisher.PublishAsync(Typing, CancellationToken.None);
        }

        await services.DisposeAsync();

        Assert.Equal(100, handled.Reader.Count);
    }

    private static ServiceProvider Build(Action<IServiceCollection> configure)
    {
        var services = new ServiceCollection();
        configure(services);
        services.AddChatKitCore();
        return services.BuildServiceProvider();
    }

    private sealed class CountingTransport : IChatEventTransport
    {
        public int Count;

        public ValueTask DeliverAsync(ChatEvent chatEvent, CancellationToken cancellationToken)
        {
            Count++;
            return ValueTask.CompletedTask;
        }
    }

    private sealed class FailingTransport : IChatEventTransport
    {
        public ValueTask DeliverAsync(ChatEvent chatEvent, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("the transport is down");
    }

    private sealed class ChannelHandler(Channel<ChatEvent> handled) : IChatEventHandler
    {
        public ValueTask HandleAsync(ChatEvent chatEvent, CancellationToken cancellationToken) =>
            handled.Writer.WriteAsync(chatEvent, cancellationToken);
    }

    private sealed class BlockedHandler : IChatEventHandler
    {
        private readonly Lock _gate = new();
        private readonly List<(string User, TaskCompletionSource Done)> _waiters = [];

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<string> Handled { get; } = [];

        public Task Seen(string user)
        {
            lock (_gate)
            {
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                if (Handled.Contains(user))
                {
                    done.SetResult();
                }
                else
                {
                    _waiters.Add((user, done));
                }

                return done.Task;
            }
        }

        public async ValueTask HandleAsync(ChatEvent chatEvent, CancellationToken cancellationToken)
        {
            Started.TrySetResult();
            await Release.Task;
            var user = ((UserStoppedTypingEvent)chatEvent).UserId;
            lock (_gate)
            {
                Handled.Add(user);
                foreach (var waiter in _waiters.Where(w => w.User == user))
                {
                    waiter.Done.SetResult();
                }
            }
        }
    }
}
