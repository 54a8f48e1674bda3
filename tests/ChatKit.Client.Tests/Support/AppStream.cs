using System.Collections.Concurrent;

namespace ChatKit.Client.Tests.Support;

/// <summary>
/// What the app sees of a <see cref="ChatClient"/>'s messages, per conversation, in the order raised. Anything that is
/// not the next seq (a gap, a repeat, a step back) is recorded as a violation.
/// </summary>
public sealed class AppStream
{
    private readonly ConcurrentDictionary<string, List<ChatMessage>> _messages = new();
    private readonly ConcurrentQueue<string> _violations = new();
    private readonly Lock _lock = new();
    private readonly List<(Func<bool> Done, TaskCompletionSource Signal)> _waiters = [];

    public AppStream(ChatClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        client.MessageReceived += (_, message) =>
        {
            lock (_lock)
            {
                var list = _messages.GetOrAdd(message.ConversationId, _ => []);
                var expected = list.Count == 0 ? 1 : list[^1].Seq + 1;
                if (message.Seq != expected)
                {
                    _violations.Enqueue($"{message.ConversationId}: got #{message.Seq} ({message.Content}) where #{expected} was next");
                }

                list.Add(message);
                foreach (var waiter in _waiters.Where(w => w.Done()).ToList())
                {
                    waiter.Signal.TrySetResult();
                    _waiters.Remove(waiter);
                }
            }
        };
    }

    public IReadOnlyCollection<string> Violations => _violations;

    public IReadOnlyList<ChatMessage> Messages(string conversationId)
    {
        lock (_lock)
        {
            return _messages.TryGetValue(conversationId, out var list) ? [.. list] : [];
        }
    }

    /// <summary>Waits until a message with <paramref name="content"/> reached the app in <paramref name="conversationId"/>.</summary>
    public Task WaitForAsync(string conversationId, string content, TimeSpan timeout) =>
        WaitForAsync(conversationId, m => m.Content == content, timeout);

    /// <summary>Waits until a message that matches reached the app in <paramref name="conversationId"/>.</summary>
    public Task WaitForAsync(string conversationId, Func<ChatMessage, bool> match, TimeSpan timeout)
    {
        lock (_lock)
        {
            bool Done() => _messages.TryGetValue(conversationId, out var list) && list.Any(match);
            if (Done())
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((Done, signal));
            return signal.Task.WaitAsync(timeout);
        }
    }
}
