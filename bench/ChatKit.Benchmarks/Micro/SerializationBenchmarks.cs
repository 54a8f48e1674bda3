using System.Buffers;
using BenchmarkDotNet.Attributes;
using ChatKit.Benchmarks.Wire;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Options;

namespace ChatKit.Benchmarks.Micro;

/// <summary>
/// One <c>newMessage</c> frame through SignalR's JSON hub protocol with its default options: what the server does
/// once per message (the serialised frame is cached and written to every recipient's connection).
/// </summary>
public class SerializationBenchmarks
{
    private readonly JsonHubProtocol _protocol = new(Options.Create(new JsonHubProtocolOptions()));
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private InvocationMessage _newMessage = null!;
    private byte[] _frame = [];

    [GlobalSetup]
    public void Setup()
    {
        var now = new DateTime(2026, 11, 24, 10, 0, 0, DateTimeKind.Utc);
        var message = new MessageDto(
            "m_0193a5b0c1d2e3f405162738495a6b7c",
            "c_0193a5b0c1d2e3f405162738495a6b7d",
            42,
            new SenderDto("alice", "Alice"),
            "Are we still on for lunch today at noon?",
            "text",
            "tmp-7f3a9c",
            now,
            null,
            null);
        _newMessage = new InvocationMessage("newMessage", [new NewMessageEvent(message, message.ConversationId)]);
        _frame = _protocol.GetMessageBytes(_newMessage).ToArray();
    }

    [Benchmark]
    public int WriteNewMessage()
    {
        _buffer.ResetWrittenCount();
        _protocol.WriteMessage(_newMessage, _buffer);
        return _buffer.WrittenCount;
    }

    /// <summary>The receiving side, as the .NET client does it: frame to typed event.</summary>
    [Benchmark]
    public object? ReadNewMessage()
    {
        var sequence = new ReadOnlySequence<byte>(_frame);
        _protocol.TryParseMessage(ref sequence, OneArgumentBinder<NewMessageEvent>.Instance, out var message);
        return message;
    }
}

/// <summary>Binds every invocation's single argument as <typeparamref name="T"/>, as a hub or client would for one method.</summary>
internal sealed class OneArgumentBinder<T> : IInvocationBinder
{
    public static readonly OneArgumentBinder<T> Instance = new();

    public IReadOnlyList<Type> GetParameterTypes(string methodName) => [typeof(T)];

    public Type GetReturnType(string invocationId) => typeof(object);

    public Type GetStreamItemType(string streamId) => typeof(object);
}
