using BenchmarkDotNet.Attributes;
using ChatKit.Services;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.Benchmarks.Micro;

/// <summary>
/// ChatService.SendMessageAsync on the in-memory store, resolved from AddChatKitCore with the send rate limit off:
/// validation, normalisation, membership, the store's append and the (no-op) event publication. A fresh provider and
/// conversation each iteration keep the store from growing without bound.
/// </summary>
[InvocationCount(8192)]
public class SendPathBenchmarks
{
    private const int Invocations = 8192;
    private readonly ChatUser _sender = new("u0", "User 0");
    private SendMessageRequest[] _requests = [];
    private ServiceProvider? _provider;
    private ChatService _service = null!;
    private int _next;

    /// <summary>Conversation size: 2 is a direct conversation, more is a group.</summary>
    [Params(2, 100, 1000)]
    public int Participants { get; set; }

    [IterationSetup]
    public void Setup()
    {
        _provider?.Dispose();
        var services = new ServiceCollection();
        services.AddChatKitCore(o =>
        {
            // Load generators call far faster than people: every per-user limit is off for the measurement.
            foreach (var operation in Enum.GetValues<ChatKit.Services.ChatOperation>())
            {
                o.RateLimitFor(operation).Enabled = false;
            }

            o.MaxGroupParticipants = Math.Max(1000, Participants);
        });
        _provider = services.BuildServiceProvider();
        _service = _provider.GetRequiredService<ChatService>();
        var others = Enumerable.Range(1, Participants - 1).Select(i => "u" + i).ToArray();
        var created = _service.CreateConversationAsync(
                _sender,
                new CreateConversationRequest { Type = Participants == 2 ? ConversationType.Direct : ConversationType.Group, ParticipantIds = others, Name = "bench" })
            .GetAwaiter().GetResult();
        var id = created.Conversation.Conversation.Id;
        _requests = [.. Enumerable.Range(0, Invocations).Select(i => new SendMessageRequest { ConversationId = id, Content = "Are we still on for lunch today at noon?", TempId = "t" + i })];
        _next = 0;
    }

    [GlobalCleanup]
    public void Cleanup() => _provider?.Dispose();

    [Benchmark]
    public Task<SendMessageResult> SendMessage() => _service.SendMessageAsync(_sender, _requests[_next++ % Invocations]);
}
