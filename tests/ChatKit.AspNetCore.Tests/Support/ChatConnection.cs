using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChatKit.AspNetCore.Tests.Support;

/// <summary>One event a connection received, with its position among everything that connection received.</summary>
/// <param name="Index">0 for the first event the connection received.</param>
/// <param name="Name">The event's name, e.g. <c>newMessage</c>.</param>
/// <param name="Payload">Its JSON argument.</param>
public sealed record ReceivedEvent(int Index, string Name, JsonElement Payload)
{
    /// <summary>The payload as JSON text.</summary>
    public string Raw => Payload.GetRawText();

    /// <summary>A string property of the payload.</summary>
    public string? Get(string property) => Payload.GetProperty(property).GetString();
}

/// <summary>
/// A real SignalR client connection (Microsoft.AspNetCore.SignalR.Client, token by AccessTokenProvider) that records every
/// ChatKit event it receives, in order, and lets a test wait for one with a timeout.
/// </summary>
public sealed class ChatConnection : IAsyncDisposable
{
    /// <summary>Every server-to-client event of the contract.</summary>
    public static readonly string[] EventNames =
    [
        "onlineUsers", "conversationCreated", "newMessage", "messageSent", "userTyping", "userStoppedTyping",
        "messageRead", "conversationRead", "userStatusChanged", "messageDeleted", "participantsAdded", "participantRemoved",
        "conversationUpdated", "messageDelivered",
        "messageUpdated", "reactionAdded", "reactionRemoved",
    ];

    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);
    private readonly Lock _gate = new();
    private readonly List<ReceivedEvent> _events = [];
    private readonly List<Func<List<ReceivedEvent>, bool>> _waiters = [];
    private bool _disposed;

    /// <summary>Builds the connection; <see cref="StartAsync"/> opens it.</summary>
    public ChatConnection(ChatHost host, string userId, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        UserId = userId;
        Hub = new HubConnectionBuilder()
            .WithUrl(new Uri(host.Address, "/chat"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(TestAuth.Token(userId, name)))
            .Build();
        foreach (var eventName in EventNames)
        {
            Hub.On<JsonElement>(eventName, payload => Record(eventName, payload));
        }
    }

    /// <summary>The user this connection authenticates as.</summary>
    public string UserId { get; }

    /// <summary>The underlying client.</summary>
    public HubConnection Hub { get; }

    /// <summary>The connection id, as the server knows it.</summary>
    public string ConnectionId => Hub.ConnectionId ?? throw new InvalidOperationException("not connected");

    /// <summary>A snapshot of every event received so far, in order.</summary>
    public IReadOnlyList<ReceivedEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>Opens the connection.</summary>
    public Task StartAsync() => Hub.StartAsync();

    /// <summary>Invokes a hub method that returns a value.</summary>
    public Task<JsonElement> InvokeAsync(string method, object args) => Hub.InvokeAsync<JsonElement>(method, args);

    /// <summary>Invokes a hub method that returns nothing.</summary>
    public Task CallAsync(string method, object args) => Hub.InvokeAsync(method, args);

    /// <summary>Sends a text message and returns the acknowledgement.</summary>
    public Task<JsonElement> SendAsync(string conversationId, string content, string? tempId = null) =>
        InvokeAsync("sendMessage", new { conversationId, content, tempId });

    /// <summary>Events received before <paramref name="marker"/>.</summary>
    public IReadOnlyList<ReceivedEvent> Before(ReceivedEvent marker)
    {
        ArgumentNullException.ThrowIfNull(marker);
        return [.. Events.Where(e => e.Index < marker.Index)];
    }

    /// <summary>How many events named <paramref name="name"/> (and matching) were received.</summary>
    public int Count(string name, Func<JsonElement, bool>? match = null) =>
        Events.Count(e => e.Name == name && (match?.Invoke(e.Payload) ?? true));

    /// <summary>Waits for an event named <paramref name="name"/> that matches; one received already counts.</summary>
    public Task<ReceivedEvent> WaitForAsync(string name, Func<JsonElement, bool>? match = null, TimeSpan? timeout = null) =>
        WaitUntilAsync(events => events.Find(e => e.Name == name && (match?.Invoke(e.Payload) ?? true)), $"a '{name}' event", timeout);

    /// <summary>Waits until <paramref name="count"/> events named <paramref name="name"/> (and matching) were received.</summary>
    public Task<List<ReceivedEvent>> WaitForCountAsync(string name, int count, Func<JsonElement, bool>? match = null, TimeSpan? timeout = null) =>
        WaitUntilAsync(
            events =>
            {
                var found = events.FindAll(e => e.Name == name && (match?.Invoke(e.Payload) ?? true));
                return found.Count >= count ? found : null;
            },
            $"{count} '{name}' events",
            timeout);

    private async Task<T> WaitUntilAsync<T>(Func<List<ReceivedEvent>, T?> probe, string what, TimeSpan? timeout)
        where T : class
    {
        Task<T> wait;
        lock (_gate)
        {
            var now = probe(_events);
            if (now is not null)
            {
                return now;
            }

            var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add(events =>
            {
                var result = probe(events);
                return result is not null && done.TrySetResult(result);
            });
            wait = done.Task;
        }

        try
        {
            return await wait.WaitAsync(timeout ?? DefaultTimeout);
        }
        catch (TimeoutException ex)
        {
            var seen = string.Join(", ", Events.Select(e => e.Name));
            throw new TimeoutException($"{UserId} did not receive {what} in time; it received: [{seen}]", ex);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await Hub.DisposeAsync();
    }

    private void Record(string name, JsonElement payload)
    {
        lock (_gate)
        {
            var received = new ReceivedEvent(_events.Count, name, payload.Clone());
            _events.Add(received);
            _waiters.RemoveAll(satisfied => satisfied(_events));
        }
    }
}
