using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using ChatKit.Benchmarks.Servers;
using ChatKit.Benchmarks.Wire;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChatKit.Benchmarks.Load;

/// <summary>Memory of idle connections on one server (S4).</summary>
/// <remarks>Per-connection figures are the mean over the rounds; the rounds' own values show the spread.</remarks>
public sealed record IdleResult(string Server, int Connections, double GcHeapPerConnection, double RssAnonPerConnection, double[] GcHeapRounds, double[] RssAnonRounds, double ConnectSeconds)
{
    /// <summary>The GC's committed bytes (what it holds from the OS for the managed heap, live or not) per connection.</summary>
    public double GcCommittedPerConnection { get; init; }

    /// <summary>The same, each round.</summary>
    public double[] GcCommittedRounds { get; init; } = [];
}

/// <summary>A reconnect storm on one server (S5).</summary>
public sealed record StormResult(
    string Server,
    int Receivers,
    int Conversations,
    double Rate,
    int Sent,
    int SendErrors,
    double ReconnectSeconds,
    Percentiles ConnectLatency,
    double CatchUpSeconds,
    long CaughtUpMessages,
    long Lost,
    bool HasHistory,
    string? FirstError);

/// <summary>The scenarios: each starts its servers, connects its clients, measures, and stops everything.</summary>
internal sealed class Scenarios(LoadOptions options, BenchReport report)
{
    private const int ConnectParallelism = 32;

    public async Task RunAsync(CancellationToken ct)
    {
        foreach (var scenario in options.Scenarios)
        {
            var started = Stopwatch.GetTimestamp();
            Console.WriteLine($"\n== {scenario} ({DateTime.UtcNow:HH:mm:ss} UTC)");
            try
            {
                switch (scenario)
                {
                    case "s1":
                        await LadderAsync(new LadderSpec("S1", "direct messages between pairs", 2, options.Profile.S1StartRate, options.Profile.Factor, options.Profile.MaxSteps, options.Profile.StepSeconds, options.Profile.Refinements, options.Profile.Rates, options.Profile.Attempts, options.Profile.Repeats, options.Profile.WarmupSeconds), options.InMemoryServers(), options.Profile.Connections, ct).ConfigureAwait(false);
                        break;
                    case "s2":
                        foreach (var size in options.Profile.RoomSizes)
                        {
                            var connections = Math.Max(size, options.Profile.Connections);
                            await LadderAsync(new LadderSpec("S2", $"group fan-out, rooms of {size}", size, options.Profile.StartRateForRoom(size), options.Profile.Factor, options.Profile.MaxSteps, options.Profile.StepSeconds, options.Profile.Refinements, options.Profile.Rates, options.Profile.Attempts, options.Profile.Repeats, options.Profile.WarmupSeconds), options.InMemoryServers(), connections, ct).ConfigureAwait(false);
                        }

                        break;
                    case "s3":
                        foreach (var size in options.Profile.DurableRoomSizes)
                        {
                            var connections = Math.Max(size, options.Profile.Connections);
                            var servers = await options.DurableServersAsync(report, ct).ConfigureAwait(false);
                            if (servers.Count < 2)
                            {
                                report.Notes.Add("S3 skipped: no durable ChatKit server available.");
                                break;
                            }

                            await LadderAsync(new LadderSpec("S3", $"group fan-out with durable storage, rooms of {size}", size, options.Profile.DurableStartRate(size), options.Profile.Factor, options.Profile.MaxSteps, options.Profile.StepSeconds, options.Profile.Refinements, options.Profile.Rates, options.Profile.Attempts, options.Profile.Repeats, options.Profile.WarmupSeconds), servers, connections, ct).ConfigureAwait(false);
                        }

                        break;
                    case "s4":
                        foreach (var n in options.Profile.IdleConnections)
                        {
                            await IdleAsync(n, ct).ConfigureAwait(false);
                        }

                        break;
                    case "s5":
                        await StormAsync(ct).ConfigureAwait(false);
                        break;
                    default:
                        throw new ArgumentException($"unknown scenario '{scenario}'");
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                report.Notes.Add($"{scenario.ToUpperInvariant()} failed: {ex.GetType().Name}: {ex.Message}");
                Console.WriteLine($"!! {scenario} failed: {ex}");
            }

            Console.WriteLine($"== {scenario} took {Stopwatch.GetElapsedTime(started).TotalSeconds:F0} s");
        }
    }

    private async Task LadderAsync(LadderSpec spec, IReadOnlyList<ServerSpec> specs, int connections, CancellationToken ct)
    {
        var servers = new List<ServerProcess>();
        var fleets = new List<(Fleet, IReadOnlyList<SendSlot>)>();
        try
        {
            foreach (var s in specs)
            {
                var server = await options.StartServerAsync(s, ct).ConfigureAwait(false);
                servers.Add(server);
                // The light client speaks JSON only: MessagePack servers keep the SignalR client.
                var fleet = await Fleet.ConnectAsync(server, connections - (connections % spec.RoomSize), "u", ConnectParallelism, ct, raw: s.RawClient || (options.RawClient && !s.MessagePack)).ConfigureAwait(false);
                await fleet.CreateRoomsAsync(spec.RoomSize, spec.RoomSize >= 100 ? 4 : 16, ct).ConfigureAwait(false);
                fleets.Add((fleet, Plan(fleet, spec.RoomSize)));
                Console.WriteLine($"   {s.Name} (pid {server.ProcessId}): {fleet.Clients.Length} connections in {fleet.ConnectTime.TotalSeconds:F1} s, {fleet.Rooms.Count} conversations of {spec.RoomSize}");
            }

            report.Ladders.Add(await Ladder.RunAsync(spec, fleets, ct).ConfigureAwait(false));
        }
        finally
        {
            foreach (var (fleet, _) in fleets)
            {
                await fleet.DisposeAsync().ConfigureAwait(false);
            }

            foreach (var server in servers)
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Every member of every room sends in turn; consecutive messages go to different rooms.</summary>
    private static List<SendSlot> Plan(Fleet fleet, int roomSize)
    {
        var plan = new List<SendSlot>();
        for (var j = 0; j < roomSize; j++)
        {
            foreach (var room in fleet.Rooms)
            {
                plan.Add(new SendSlot(fleet.Clients[room.Members[j]], room.Id, roomSize));
            }
        }

        return plan;
    }

    private async Task IdleAsync(int n, CancellationToken ct)
    {
        foreach (var spec in options.InMemoryServers())
        {
            await using var server = await options.StartServerAsync(spec, ct).ConfigureAwait(false);

            // Everyone has a conversation (so ChatKit has presence contacts to tell), then everyone goes away: what
            // is measured next is the connections alone, not the conversations. Then, each round: memory with nobody
            // connected, N connect, memory again.
            var setup = await Fleet.ConnectAsync(server, n, "u", ConnectParallelism, ct).ConfigureAwait(false);
            await setup.CreatePairsAsync(16, ct).ConfigureAwait(false);
            await setup.DisposeAsync().ConfigureAwait(false);
            var heap = new List<double>();
            var rss = new List<double>();
            var committed = new List<double>();
            var connect = new List<double>();
            for (var round = 0; round < options.Profile.IdleRounds; round++)
            {
                await Task.Delay(1000, ct).ConfigureAwait(false);
                var before = await server.StatsAsync(collect: true, ct).ConfigureAwait(false);
                var fleet = await Fleet.ConnectAsync(server, n, "u", ConnectParallelism, ct).ConfigureAwait(false);
                await Task.Delay(2000, ct).ConfigureAwait(false);
                var after = await server.StatsAsync(collect: true, ct).ConfigureAwait(false);
                heap.Add((double)(after.GcHeapBytes - before.GcHeapBytes) / n);
                rss.Add((double)(after.RssAnonBytes - before.RssAnonBytes) / n);
                committed.Add((double)(after.GcCommittedBytes - before.GcCommittedBytes) / n);
                connect.Add(fleet.ConnectTime.TotalSeconds);
                await fleet.DisposeAsync().ConfigureAwait(false);
            }

            var result = new IdleResult(server.Name, n, heap.Average(), rss.Average(), [.. heap], [.. rss], connect.Average())
            {
                GcCommittedPerConnection = committed.Average(),
                GcCommittedRounds = [.. committed],
            };
            report.Idle.Add(result);
            Console.WriteLine($"   S4 {server.Name,-16} {n,6} idle connections: GC heap {result.GcHeapPerConnection / 1024:F2} KB/conn, RssAnon {result.RssAnonPerConnection / 1024:F2} KB/conn (rounds {string.Join(", ", rss.Select(r => (r / 1024).ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))}), GC committed {result.GcCommittedPerConnection / 1024:F2} KB/conn (rounds {string.Join(", ", committed.Select(r => (r / 1024).ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))}) over {heap.Count} round(s) (connect {result.ConnectSeconds:F1} s)");
        }
    }

    private async Task StormAsync(CancellationToken ct)
    {
        foreach (var spec in options.StormServers())
        {
            await using var server = await options.StartServerAsync(spec, ct).ConfigureAwait(false);
            var result = await StormOnceAsync(server, ct).ConfigureAwait(false);
            report.Storms.Add(result);
            Console.WriteLine($"   S5 {server.Name,-16} reconnect {result.Receivers} in {result.ReconnectSeconds:F2} s (connect p99 {result.ConnectLatency.P99:F0} ms), catch-up {result.CatchUpSeconds:F2} s / {result.CaughtUpMessages} messages, lost {result.Lost}{(result.HasHistory ? "" : " (no history to catch up from)")}");
        }
    }

    /// <summary>
    /// Rooms of 10: one sender (never dropped) and nine receivers each. The sender keeps sending while every receiver
    /// drops, reconnects all at once, and catches up with <c>after=&lt;last seq seen&gt;</c>; then every receiver must
    /// hold every seq of its room.
    /// </summary>
    private async Task<StormResult> StormOnceAsync(ServerProcess server, CancellationToken ct)
    {
        const int RoomSize = 10;
        var rooms = Math.Max(1, options.Profile.StormConnections / RoomSize);
        await using var fleet = await Fleet.ConnectAsync(server, rooms * RoomSize, "u", ConnectParallelism, ct).ConfigureAwait(false);
        await fleet.CreateRoomsAsync(RoomSize, 16, ct).ConfigureAwait(false);
        foreach (var c in fleet.Clients)
        {
            c.TrackSeen();
        }

        var receivers = fleet.Rooms.SelectMany(r => r.Members.Skip(1).Select(m => (Client: fleet.Clients[m], Room: r))).ToArray();
        var lastSeq = new long[fleet.Rooms.Count];
        var rate = options.Profile.StormRate;
        int sent = 0, errors = 0;
        string? firstError = null;
        using var stopSending = new CancellationTokenSource();

        // The senders: member 0 of each room, in turn, at a fixed rate, until told to stop.
        var inflight = new List<Task>();
        var sending = Pacer.RunAsync(rate, int.MaxValue, (i, due) =>
        {
            var r = i % fleet.Rooms.Count;
            var room = fleet.Rooms[r];
            var args = new SendMessageArgs(room.Id, Recorder.Content(0, due, "storm"), $"s{i}");
            inflight.Add(SendAsync(fleet.Clients[room.Members[0]], args, r));
        }, stopSending.Token);

        async Task SendAsync(BenchClient sender, SendMessageArgs args, int room)
        {
            try
            {
                var ack = await sender.Connection.InvokeAsync<SendAck>("sendMessage", args, CancellationToken.None).ConfigureAwait(false);
                InterlockedMax(ref lastSeq[room], ack.Seq);
            }
            catch (Exception ex)
            {
                Interlocked.Increment(ref errors);
                firstError ??= ex.Message;
            }
        }

        await Task.Delay(2000, ct).ConfigureAwait(false);

        // Drop every receiver.
        await Parallel.ForEachAsync(receivers, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = ct }, async (x, _) =>
            await x.Client.Connection.DisposeAsync().ConfigureAwait(false)).ConfigureAwait(false);
        await Task.Delay(1000, ct).ConfigureAwait(false);

        // The storm: all at once (bounded only by the client's own parallelism), each catching up as soon as it is back.
        var connectMicros = new int[receivers.Length];
        long caughtUp = 0;
        var stormStart = Stopwatch.GetTimestamp();
        long reconnectedAt = 0;
        var remaining = receivers.Length;
        await Parallel.ForAsync(0, receivers.Length, new ParallelOptions { MaxDegreeOfParallelism = 256, CancellationToken = ct }, async (i, token) =>
        {
            var (client, room) = receivers[i];
            var t0 = Stopwatch.GetTimestamp();
            await client.ReconnectAsync(server.HubUri, fleet.Recorder, token).ConfigureAwait(false);
            connectMicros[i] = (int)Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
            if (Interlocked.Decrement(ref remaining) == 0)
            {
                reconnectedAt = Stopwatch.GetTimestamp();
            }

            if (server.Spec.HasHistory)
            {
                Interlocked.Add(ref caughtUp, await CatchUpAsync(server, client, room.Id, token).ConfigureAwait(false));
            }
        }).ConfigureAwait(false);
        var stormEnd = Stopwatch.GetTimestamp();

        await Task.Delay(2000, ct).ConfigureAwait(false);
        await stopSending.CancelAsync().ConfigureAwait(false);
        sent = (await sending.ConfigureAwait(false)).Sent;
        await Task.WhenAll(inflight).WaitAsync(TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);

        // Wait until every receiver holds its room's last seq (or give up after 10 s and count what is missing).
        var deadline = Stopwatch.GetTimestamp() + ((server.Spec.HasHistory ? 10 : 1) * Stopwatch.Frequency);
        long lost;
        while (true)
        {
            lost = 0;
            for (var r = 0; r < fleet.Rooms.Count; r++)
            {
                foreach (var m in fleet.Rooms[r].Members.Skip(1))
                {
                    lost += fleet.Clients[m].Missing(fleet.Rooms[r].Id, Interlocked.Read(ref lastSeq[r]));
                }
            }

            if (lost == 0 || Stopwatch.GetTimestamp() > deadline)
            {
                break;
            }

            await Task.Delay(100, ct).ConfigureAwait(false);
        }

        return new StormResult(
            server.Name,
            receivers.Length,
            fleet.Rooms.Count,
            rate,
            sent,
            errors,
            (reconnectedAt - stormStart) / (double)Stopwatch.Frequency,
            Percentiles.Of(connectMicros, connectMicros.Length),
            (stormEnd - stormStart) / (double)Stopwatch.Frequency,
            caughtUp,
            lost,
            server.Spec.HasHistory,
            firstError);
    }

    /// <summary>Pages <c>GET …/messages?after=</c> from the last seq the client holds without a gap.</summary>
    private static async Task<long> CatchUpAsync(ServerProcess server, BenchClient client, string conversationId, CancellationToken ct)
    {
        long count = 0;
        var after = client.ContiguousSeq(conversationId);
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, string.Create(CultureInfo.InvariantCulture, $"/chats/conversations/{Uri.EscapeDataString(conversationId)}/messages?after={after}&limit=100"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", client.UserId);
            using var response = await server.Http.SendAsync(request, ct).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            var page = await response.Content.ReadFromJsonAsync<MessagePageDto>(ct).ConfigureAwait(false);
            if (page is null || page.Items.Count == 0)
            {
                return count;
            }

            foreach (var m in page.Items)
            {
                client.MarkSeen(conversationId, m.Seq);
                after = Math.Max(after, m.Seq);
                count++;
            }

            if (!page.HasMore)
            {
                return count;
            }
        }
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
