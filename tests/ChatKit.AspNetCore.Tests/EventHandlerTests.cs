using System.Net;
using ChatKit.AspNetCore.Tests.Support;
using ChatKit.Events;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatKit.AspNetCore.Tests;

/// <summary>A host with four handlers: one records, one always throws, one can be held, one hangs on a tag.</summary>
public sealed class HandlerHost : ChatHost
{
    /// <inheritdoc/>
    protected override void ConfigureChatKit(ChatKitOptions options) => options.EventHandlerTimeout = TimeSpan.FromSeconds(1);

    /// <inheritdoc/>
    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddSingleton<ILoggerProvider>(Logs).AddChatKit()
            .AddEventHandler<ThrowingHandler>()
            .AddEventHandler<RecordingHandler>()
            .AddEventHandler<GatedHandler>()
            .AddEventHandler<HangingHandler>();

    /// <summary>What ChatKit logged on this host.</summary>
    public CapturedLogs Logs { get; } = new();

    /// <summary>The host's handler of type <typeparamref name="T"/>.</summary>
    public T Handler<T>() => Services.GetServices<IChatEventHandler>().OfType<T>().Single(h => h!.GetType() == typeof(T));
}

/// <summary>Records every event and lets a test wait for one.</summary>
public class RecordingHandler : IChatEventHandler
{
    private readonly Lock _gate = new();
    private readonly List<ChatEvent> _events = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <inheritdoc/>
    public virtual ValueTask HandleAsync(ChatEvent chatEvent, CancellationToken cancellationToken)
    {
        Record(chatEvent);
        return ValueTask.CompletedTask;
    }

    /// <summary>Adds an event and wakes the waiters.</summary>
    protected void Record(ChatEvent chatEvent)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _events.Add(chatEvent);
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.SetResult();
    }

    /// <summary>Waits up to 10 seconds for an event of type <typeparamref name="T"/> that matches.</summary>
    public async Task<T> WaitForAsync<T>(Func<T, bool> match)
        where T : ChatEvent
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_events.OfType<T>().FirstOrDefault(match) is { } found)
                {
                    return found;
                }

                changed = _changed.Task;
            }

            var left = deadline - DateTime.UtcNow;
            Assert.True(left > TimeSpan.Zero, $"{GetType().Name} received no matching {typeof(T).Name} within 10 s");
            try
            {
                await changed.WaitAsync(left);
            }
            catch (TimeoutException)
            {
                // Checked once more above, then fails with the message.
            }
        }
    }

    /// <summary>Whether an event of type <typeparamref name="T"/> that matches was recorded.</summary>
    public bool Has<T>(Func<T, bool> match)
        where T : ChatEvent
    {
        lock (_gate)
        {
            return _events.OfType<T>().Any(match);
        }
    }
}

/// <summary>Throws on every event, after counting it.</summary>
public sealed class ThrowingHandler : RecordingHandler
{
    /// <inheritdoc/>
    public override ValueTask HandleAsync(ChatEvent chatEvent, CancellationToken cancellationToken)
    {
        Record(chatEvent);
        throw new InvalidOperationException("the host's handler is broken");
    }
}

/// <summary>Holds a message tagged #gate until the test opens the gate; records every event once handled.</summary>
public sealed class GatedHandler : RecordingHandler
{
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the handler is holding a #gate message.</summary>
    public TaskCompletionSource Holding { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Lets the held message, and everything after it, through.</summary>
    public void Open() => _open.TrySetResult();

    /// <inheritdoc/>
    public override async ValueTask HandleAsync(ChatEvent chatEvent, CancellationToken cancellationToken)
    {
        if (chatEvent is MessageCreatedEvent { Message.Content: "#gate" })
        {
            Holding.TrySetResult();
            await _open.Task;
        }

        Record(chatEvent);
    }
}

/// <summary>Never finishes a message tagged #hang (and ignores its token); records every other event.</summary>
public sealed class HangingHandler : RecordingHandler
{
    /// <inheritdoc/>
    public override async ValueTask HandleAsync(ChatEvent chatEvent, CancellationToken cancellationToken)
    {
        if (chatEvent is MessageCreatedEvent { Message.Content: "#hang" })
        {
            await new TaskCompletionSource().Task;
        }

        Record(chatEvent);
    }
}

/// <summary>The host's event handlers on a real host: every event type with its data, and isolation.</summary>
public sealed class EventHandlerTests(HandlerHost host) : IClassFixture<HandlerHost>
{
    [Fact]
    public async Task Handlers_ReceiveEveryEventType_WithItsData_EvenBesideAThrowingHandler()
    {
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        var carol = ChatHost.NewUser("carol");
        var recorder = host.Handler<RecordingHandler>();
        var id = await host.GroupAsync(alice, bob);
        await using var bobConnection = await host.ConnectAsync(bob);
        await using var aliceConnection = await host.ConnectAsync(alice);
        using var aliceHttp = host.Http(alice);
        using var bobHttp = host.Http(bob);

        var created = await recorder.WaitForAsync<ConversationCreatedEvent>(e => e.Conversation.Conversation.Id == id);
        Assert.Equal(ConversationType.Group, created.Conversation.Conversation.Type);
        Assert.Equal([alice, bob], created.Conversation.Conversation.Participants.Select(p => p.UserId));

        var online = await recorder.WaitForAsync<UserStatusChangedEvent>(e => e.UserId == alice && e.Status == PresenceStatus.Online);
        Assert.Contains(bob, online.ContactIds);

        var ack = await aliceConnection.SendAsync(id, "hello handlers", "t-h");
        var messageId = ack.GetProperty("messageId").GetString()!;
        var message = await recorder.WaitForAsync<MessageCreatedEvent>(e => e.Message.ConversationId == id);
        Assert.Equal((messageId, 1L, alice, "hello handlers", "t-h"), (message.Message.Id, message.Message.Seq, message.Message.SenderId, message.Message.Content, message.Message.TempId));
        Assert.Equal(new[] { alice, bob }.Order(StringComparer.Ordinal), message.ParticipantIds.Order(StringComparer.Ordinal));

        await bobConnection.CallAsync("typing", new { conversationId = id });
        var typing = await recorder.WaitForAsync<UserTypingEvent>(e => e.ConversationId == id);
        Assert.Equal(bob, typing.UserId);
        await bobConnection.CallAsync("stopTyping", new { conversationId = id });
        await recorder.WaitForAsync<UserStoppedTypingEvent>(e => e.ConversationId == id && e.UserId == bob);

        await bobConnection.CallAsync("markAsRead", new { conversationId = id, messageId });
        var read = await recorder.WaitForAsync<MessageReadEvent>(e => e.ConversationId == id);
        Assert.Equal((messageId, bob), (read.MessageId, read.ReadBy));

        Assert.Equal(HttpStatusCode.NoContent, (await bobHttp.PostJsonAsync($"/chats/conversations/{id}/read")).Response.StatusCode);
        var readAll = await recorder.WaitForAsync<ConversationReadEvent>(e => e.ConversationId == id);
        Assert.Equal(bob, readAll.ReadBy);

        Assert.Equal(HttpStatusCode.OK, (await aliceHttp.PostJsonAsync($"/chats/conversations/{id}/participants", new { userIds = new[] { carol } })).Response.StatusCode);
        var added = await recorder.WaitForAsync<ParticipantsAddedEvent>(e => e.ConversationId == id);
        Assert.Equal([carol], added.UserIds);
        Assert.Contains(carol, added.ParticipantIds);

        Assert.Equal(HttpStatusCode.NoContent, (await aliceHttp.DeleteJsonAsync($"/chats/conversations/{id}/participants/{carol}")).Response.StatusCode);
        var removed = await recorder.WaitForAsync<ParticipantRemovedEvent>(e => e.ConversationId == id);
        Assert.Equal(carol, removed.UserId);
        Assert.DoesNotContain(carol, removed.ParticipantIds);

        Assert.Equal(HttpStatusCode.NoContent, (await aliceHttp.DeleteJsonAsync($"/chats/messages/{messageId}")).Response.StatusCode);
        var deleted = await recorder.WaitForAsync<MessageDeletedEvent>(e => e.ConversationId == id);
        Assert.Equal(messageId, deleted.MessageId);

        // The throwing handler was called with each of them, and broke nothing: bob heard everything live.
        var throwing = host.Handler<ThrowingHandler>();
        await throwing.WaitForAsync<MessageDeletedEvent>(e => e.MessageId == messageId);
        Assert.True(throwing.Has<MessageCreatedEvent>(e => e.Message.Id == messageId));
        Assert.Contains(host.Logs.Entries, e => e is { Level: LogLevel.Error, EventName: "EventHandlerFailed" }
            && e.Message.Contains("ThrowingHandler failed on MessageCreatedEvent", StringComparison.Ordinal) && e.Exception is InvalidOperationException);
        await bobConnection.WaitForAsync("newMessage");
        await bobConnection.WaitForAsync("messageDeleted");
    }

    [Fact]
    public async Task HeldHandler_DelaysNeitherDeliveryNorTheOtherHandlers_AndGetsItsEventsInOrderOnceFree()
    {
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        var id = await host.DirectAsync(alice, bob);
        await using var aliceConnection = await host.ConnectAsync(alice);
        await using var bobConnection = await host.ConnectAsync(bob);
        var gated = host.Handler<GatedHandler>();
        var recorder = host.Handler<RecordingHandler>();

        await aliceConnection.SendAsync(id, "#gate");
        await gated.Holding.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var after = await aliceConnection.SendAsync(id, "after the gate");

        // While the gated handler holds the first message, the second is delivered and handled by the others.
        var live = await bobConnection.WaitForAsync("newMessage", e => e.GetProperty("message").GetProperty("content").GetString() == "after the gate");
        Assert.Equal(2, live.Payload.GetProperty("message").GetProperty("seq").GetInt64());
        await recorder.WaitForAsync<MessageCreatedEvent>(e => e.Message.Id == after.GetProperty("messageId").GetString());
        Assert.False(gated.Has<MessageCreatedEvent>(e => e.Message.ConversationId == id));

        gated.Open();
        var second = await gated.WaitForAsync<MessageCreatedEvent>(e => e.Message.Content == "after the gate" && e.Message.ConversationId == id);
        Assert.True(gated.Has<MessageCreatedEvent>(e => e.Message.Content == "#gate" && e.Message.ConversationId == id));
        Assert.Equal(2, second.Message.Seq);
    }

    [Fact]
    public async Task HangingHandler_IsGivenUpAfterTheHandlerTimeout_AndGetsTheNextEvent()
    {
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        var id = await host.DirectAsync(alice, bob);
        await using var aliceConnection = await host.ConnectAsync(alice);
        var hanging = host.Handler<HangingHandler>();

        await aliceConnection.SendAsync(id, "#hang");
        await aliceConnection.SendAsync(id, "next");

        var next = await hanging.WaitForAsync<MessageCreatedEvent>(e => e.Message.ConversationId == id && e.Message.Content == "next");
        Assert.Equal(2, next.Message.Seq);
        Assert.False(hanging.Has<MessageCreatedEvent>(e => e.Message.ConversationId == id && e.Message.Content == "#hang"));
        Assert.Contains(host.Logs.Entries, e => e is { Level: LogLevel.Warning, EventName: "EventHandlerTimedOut" }
            && e.Message.Contains("HangingHandler did not finish MessageCreatedEvent", StringComparison.Ordinal));
    }
}
