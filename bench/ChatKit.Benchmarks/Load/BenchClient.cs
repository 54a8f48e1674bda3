using ChatKit.Benchmarks.Wire;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChatKit.Benchmarks.Load;

/// <summary>One simulated user: a real SignalR client connection over a loopback WebSocket.</summary>
internal sealed class BenchClient : IAsyncDisposable
{
    private readonly Lock _seenGate = new();
    private Dictionary<string, HashSet<long>>? _seen;

    private BenchClient(string userId, HubConnection connection)
    {
        UserId = userId;
        Connection = connection;
    }

    public string UserId { get; }

    /// <summary>Whether this client speaks MessagePack rather than JSON.</summary>
    public bool MessagePack { get; private init; }

    public HubConnection Connection { get; private set; }

    /// <summary>The light client's connection (<c>--client raw</c>), instead of <see cref="Connection"/>.</summary>
    public RawHubConnection? Raw { get; private set; }

    /// <summary>Connects with the light client: SignalR's JSON protocol over a bare WebSocket.</summary>
    public static async Task<BenchClient> ConnectRawAsync(Uri hubUri, string userId, Recorder recorder, CancellationToken cancellationToken)
    {
        var client = new BenchClient(userId, null!);
        client.Raw = await RawHubConnection.ConnectAsync(hubUri, userId, content => recorder.OnNewMessageContent(content.Span), cancellationToken).ConfigureAwait(false);
        return client;
    }

    /// <summary>Creates a conversation and returns its id.</summary>
    public async Task<string> CreateConversationAsync(CreateConversationArgs args, CancellationToken cancellationToken) =>
        Raw is { } raw
            ? (await raw.InvokeAsync("createConversation", args).ConfigureAwait(false)).GetProperty("id").GetString()!
            : (await Connection.InvokeAsync<ConversationDto>("createConversation", args, cancellationToken).ConfigureAwait(false)).Id;

    /// <summary>Sends a message and waits for its acknowledgement.</summary>
    public Task SendMessageAsync(SendMessageArgs args) =>
        Raw is { } raw ? raw.SendMessageAsync(args) : Connection.InvokeAsync<SendAck>("sendMessage", args);

    /// <summary>Starts remembering every seq received per conversation (the reconnect scenario checks for gaps).</summary>
    public void TrackSeen() => _seen ??= new(StringComparer.Ordinal);

    public static async Task<BenchClient> ConnectAsync(Uri hubUri, string userId, Recorder recorder, CancellationToken cancellationToken, bool messagePack = false)
    {
        var client = new BenchClient(userId, Build(hubUri, userId, messagePack)) { MessagePack = messagePack };
        client.Register(recorder);
        await client.Connection.StartAsync(cancellationToken).ConfigureAwait(false);
        return client;
    }

    /// <summary>Drops the connection and opens a new one for the same user (the seen-set survives).</summary>
    public async Task ReconnectAsync(Uri hubUri, Recorder recorder, CancellationToken cancellationToken)
    {
        Connection = Build(hubUri, UserId, MessagePack);
        Register(recorder);
        await Connection.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public void MarkSeen(string conversationId, long seq)
    {
        if (_seen is null)
        {
            return;
        }

        lock (_seenGate)
        {
            if (!_seen.TryGetValue(conversationId, out var set))
            {
                _seen[conversationId] = set = [];
            }

            set.Add(seq);
        }
    }

    /// <summary>The highest seq below which nothing is missing ("the last seq it saw" for a catch-up).</summary>
    public long ContiguousSeq(string conversationId)
    {
        lock (_seenGate)
        {
            if (_seen is null || !_seen.TryGetValue(conversationId, out var set))
            {
                return 0;
            }

            long seq = 0;
            while (set.Contains(seq + 1))
            {
                seq++;
            }

            return seq;
        }
    }

    /// <summary>How many of the seqs 1..<paramref name="lastSeq"/> were never received.</summary>
    public long Missing(string conversationId, long lastSeq)
    {
        lock (_seenGate)
        {
            if (_seen is null || !_seen.TryGetValue(conversationId, out var set))
            {
                return lastSeq;
            }

            long missing = 0;
            for (long s = 1; s <= lastSeq; s++)
            {
                if (!set.Contains(s))
                {
                    missing++;
                }
            }

            return missing;
        }
    }

    public ValueTask DisposeAsync() => Raw is { } raw ? raw.DisposeAsync() : Connection.DisposeAsync();

    private static HubConnection Build(Uri hubUri, string userId, bool messagePack)
    {
        var builder = new HubConnectionBuilder()
            .WithUrl(hubUri, HttpTransportType.WebSockets, o =>
            {
                o.SkipNegotiation = true;
                o.AccessTokenProvider = () => Task.FromResult<string?>(userId);
            });
        if (messagePack)
        {
            builder.AddMessagePackProtocol();
        }

        return builder.Build();
    }

    private void Register(Recorder recorder) =>
        Connection.On<NewMessageReceipt>("newMessage", e => recorder.OnNewMessage(this, e));
}
