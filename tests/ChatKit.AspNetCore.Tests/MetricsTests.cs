using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ChatKit.AspNetCore.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.AspNetCore.Tests;

/// <summary>The <c>ChatKit</c> meter, read through a MeterListener from the host's own IMeterFactory.</summary>
public sealed class MetricsTests(ChatHost host) : IClassFixture<ChatHost>, IDisposable
{
    private readonly ConcurrentDictionary<string, double> _totals = new();
    private readonly ConcurrentDictionary<string, int> _records = new();
    private MeterListener? _listener;

    [Fact]
    public async Task Meter_CountsConnectionsConversationsAndMessages_OfThisHostOnly()
    {
        Listen(host.Services.GetRequiredService<IMeterFactory>());
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");

        var connection = await host.ConnectAsync(alice);
        var id = await host.DirectAsync(alice, bob); // conversationCreated reaching alice proves OnConnected ran first
        await connection.WaitForAsync("conversationCreated", e => e.GetProperty("id").GetString() == id);
        var connectedCount = Total("chatkit.connections");
        var first = await connection.SendAsync(id, "one", tempId: "t-1");
        await connection.SendAsync(id, "one again", tempId: "t-1");
        using var http = host.Http(alice);
        using var deleted = await http.DeleteAsync($"/chats/messages/{first.GetProperty("messageId").GetString()}");
        var connectionId = connection.ConnectionId;
        await connection.DisposeAsync();
        await host.Disconnects.WaitAsync(connectionId);

        Assert.Equal(System.Net.HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(1, connectedCount);
        Assert.Equal(0, Total("chatkit.connections"));
        Assert.Equal(1, Total("chatkit.conversations.created|direct"));
        Assert.Equal(1, Total("chatkit.messages.sent|direct"));
        Assert.Equal(1, Total("chatkit.messages.deduplicated"));
        Assert.Equal(1, Total("chatkit.messages.deleted"));
        Assert.Equal(1, _records.GetValueOrDefault("chatkit.message.send.duration|direct"));
        Assert.InRange(Total("chatkit.message.send.duration|direct"), double.Epsilon, 10);
    }

    public void Dispose() => _listener?.Dispose();

    private double Total(string key) => _totals.GetValueOrDefault(key);

    private void Listen(IMeterFactory factory)
    {
        _listener = new MeterListener
        {
            // Only this host's meter: other test classes run their own hosts in parallel.
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "ChatKit" && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.Start();
    }

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var key = instrument.Name;
        foreach (var tag in tags)
        {
            key += "|" + tag.Value;
        }

        _totals.AddOrUpdate(key, value, (_, total) => total + value);
        _records.AddOrUpdate(key, 1, (_, count) => count + 1);
    }
}
