using BenchmarkDotNet.Attributes;
using ChatKit.Events;
using ChatKit.Filters;
using ChatKit.Services;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.Benchmarks.Micro;

/// <summary>
/// What the host's extension points add to ChatService.SendMessageAsync in a direct conversation on the in-memory
/// store: nothing registered, one filter that answers at once, or one handler that does nothing.
/// </summary>
[InvocationCount(8192)]
public class ExtensibilityBenchmarks
{
    private const int Invocations = 8192;
    private readonly ChatUser _sender = new("u0", "User 0");
    private SendMessageRequest[] _requests = [];
    private ServiceProvider? _provider;
    private ChatService _service = null!;
    private int _next;

    /// <summary>What the host registered.</summary>
    [Params("none", "filter", "handler")]
    public string Extension { get; set; } = "none";

    [IterationSetup]
    public void Setup()
    {
        _provider?.Dispose();
        var services = new ServiceCollection();
        var chat = services.AddChatKitCore(o =>
        {
            foreach (var operation in Enum.GetValues<ChatOperation>())
            {
                o.RateLimitFor(operation).Enabled = false;
            }
        });
        _ = Extension switch
        {
            "filter" => chat.AddMessageFilter<AcceptingFilter>(),
            "handler" => chat.AddEventHandler<IdleHandler>(),
            _ => chat,
        };
        _provider = services.BuildServiceProvider();
        _service = _provider.GetRequiredService<ChatService>();
        var created = _service.CreateConversationAsync(_sender, new CreateConversationRequest { Type = ConversationType.Direct, ParticipantIds = ["u1"] })
            .GetAwaiter().GetResult();
        var id = created.Conversation.Conversation.Id;
        _requests = [.. Enumerable.Range(0, Invocations).Select(i => new SendMessageRequest { ConversationId = id, Content = "Are we still on for lunch today at noon?", TempId = "t" + i })];
        _next = 0;
    }

    [GlobalCleanup]
    public void Cleanup() => _provider?.Dispose();

    [Benchmark]
    public Task<SendMessageResult> SendMessage() => _service.SendMessageAsync(_sender, _requests[_next++ % Invocations]);

    private sealed class AcceptingFilter : IMessageFilter
    {
        public ValueTask<MessageFilterResult> FilterAsync(MessageFilterContext context, CancellationToken cancellationToken) =>
            ValueTask.FromResult(MessageFilterResult.Accept);
    }

    private sealed class IdleHandler : IChatEventHandler
    {
        public ValueTask HandleAsync(ChatEvent chatEvent, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
