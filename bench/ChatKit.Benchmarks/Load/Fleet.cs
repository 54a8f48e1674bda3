using System.Diagnostics;
using ChatKit.Benchmarks.Wire;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChatKit.Benchmarks.Load;

/// <summary>A conversation the harness created, with the indexes of its members in the fleet.</summary>
internal sealed record RoomInfo(string Id, int[] Members);

/// <summary>The clients connected to one server, and the conversations they share.</summary>
internal sealed class Fleet : IAsyncDisposable
{
    private Fleet(ServerProcess server, BenchClient[] clients, Recorder recorder)
    {
        Server = server;
        Clients = clients;
        Recorder = recorder;
    }

    public ServerProcess Server { get; }

    public BenchClient[] Clients { get; }

    public Recorder Recorder { get; }

    public List<RoomInfo> Rooms { get; } = [];

    /// <summary>Wall time of the whole connect, for the tables.</summary>
    public TimeSpan ConnectTime { get; private set; }

    public static async Task<Fleet> ConnectAsync(ServerProcess server, int count, string userPrefix, int parallelism, CancellationToken cancellationToken, bool raw = false)
    {
        var recorder = new Recorder();
        var clients = new BenchClient[count];
        var started = Stopwatch.GetTimestamp();
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            clients[i] = raw
                ? await BenchClient.ConnectRawAsync(server.HubUri, $"{userPrefix}{i}", recorder, ct).ConfigureAwait(false)
                : await ConnectWithRetryAsync(server, $"{userPrefix}{i}", recorder, ct).ConfigureAwait(false);
        }).ConfigureAwait(false);
        return new Fleet(server, clients, recorder) { ConnectTime = Stopwatch.GetElapsedTime(started) };
    }

    internal static async Task<BenchClient> ConnectWithRetryAsync(ServerProcess server, string userId, Recorder recorder, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await BenchClient.ConnectAsync(server.HubUri, userId, recorder, cancellationToken, server.Spec.MessagePack).ConfigureAwait(false);
            }
            catch (Exception ex) when (attempt < 5 && ex is HttpRequestException or System.Net.WebSockets.WebSocketException or IOException or TimeoutException)
            {
                await Task.Delay(100 * attempt, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Pairs clients 0-1, 2-3, … in direct conversations (created by the first of each pair).</summary>
    public Task CreatePairsAsync(int parallelism, CancellationToken cancellationToken) =>
        CreateRoomsAsync(2, parallelism, cancellationToken);

    /// <summary>Splits the clients into conversations of <paramref name="size"/> members (size 2: direct).</summary>
    public async Task CreateRoomsAsync(int size, int parallelism, CancellationToken cancellationToken)
    {
        var count = Clients.Length / size;
        var rooms = new RoomInfo[count];
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken }, async (r, ct) =>
        {
            var members = Enumerable.Range(r * size, size).ToArray();
            var creator = Clients[members[0]];
            var others = members.Skip(1).Select(m => Clients[m].UserId).ToArray();
            var args = size == 2
                ? new CreateConversationArgs("direct", others, null)
                : new CreateConversationArgs("group", others, $"room {r}");
            rooms[r] = new RoomInfo(await creator.CreateConversationAsync(args, ct).ConfigureAwait(false), members);
        }).ConfigureAwait(false);
        Rooms.AddRange(rooms);
    }

    public async ValueTask DisposeAsync()
    {
        await Parallel.ForEachAsync(Clients.Where(c => c is not null), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (c, _) =>
        {
            try
            {
                await c.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or System.Net.WebSockets.WebSocketException)
            {
                // The server may be gone already.
            }
        }).ConfigureAwait(false);
    }
}
