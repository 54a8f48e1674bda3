using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChatKit.Scaleout.Redis.Tests.Support;

/// <summary>A SignalR client of a ChatNode that records every ChatKit event it receives.</summary>
public sealed class ChatClient : IAsyncDisposable
{
    private static readonly string[] EventNames =
    [
        "onlineUsers", "conversationCreated", "newMessage", "messageSent", "userTyping", "userStoppedTyping",
        "messageRead", "conversationRead", "userStatusChanged", "messageDeleted", "participantsAdded", "participantRemoved",
    ];

    private readonly ConcurrentQueue<(string Name, JsonElement Payload)> _events = new();
    private readonly List<(string Name, Func<JsonElement, bool> Match, TaskCompletionSource<JsonElement> Done)> _waiters = [];
    private readonly Lock _gate = new();

    public ChatClient(ChatNode node, string userId)
    {
        ArgumentNullException.ThrowIfNull(node);
        UserId = userId;
        Connection = new HubConnectionBuilder()
            .WithUrl(new Uri(node.Address, "/chat"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(ChatNode.Token(userId)))
            .Build();
        foreach (var name in EventNames)
        {
            Connection.On<JsonElement>(name, payload => Record(name, payload));
        }
    }

    public string UserId { get; }

    public HubConnection Connection { get; }

    /// <summary>
    /// Connects, then makes one call: SignalR runs a connection's calls only after its OnConnectedAsync has finished,
    /// so when this returns the connection has joined its user group on every node (start() alone returns after the
    /// handshake, before that join, and an event sent in between would never reach it).
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await Connection.StartAsync(cancellationToken);
        await Connection.InvokeAsync<string[]>("getOnlineUsers", cancellationToken);
    }

    /// <summary>The payloads of the events of one name received so far, in order of arrival.</summary>
    public JsonElement[] All(string name) => [.. _events.Where(e => e.Name == name).Select(e => e.Payload)];

    /// <summary>Whether a <c>newMessage</c> for this message id arrived live.</summary>
    public bool HasLive(string messageId) =>
        _events.Any(e => e.Name == "newMessage" && e.Payload.GetProperty("message").GetProperty("id").GetString() == messageId);

    public int Count(string name, Func<JsonElement, bool>? match = null) =>
        _events.Count(e => e.Name == name && (match?.Invoke(e.Payload) ?? true));

    /// <summary>Waits for an event (one already received counts).</summary>
    public Task<JsonElement> WaitForAsync(string name, Func<JsonElement, bool>? match = null, TimeSpan? timeout = null)
    {
        match ??= _ => true;
        lock (_gate)
        {
            foreach (var (n, payload) in _events)
            {
                if (n == name && match(payload))
                {
                    return Task.FromResult(payload);
                }
            }

            var done = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((name, match, done));
            return done.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(10));
        }
    }

    public ValueTask DisposeAsync() => Connection.DisposeAsync();

    private void Record(string name, JsonElement payload)
    {
        lock (_gate)
        {
            _events.Enqueue((name, payload.Clone()));
            foreach (var waiter in _waiters.Where(w => w.Name == name && w.Match(payload)).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Done.TrySetResult(payload.Clone());
            }
        }
    }
}
