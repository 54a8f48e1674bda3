using System.Buffers;
using BenchmarkDotNet.Attributes;
using ChatKit.AspNetCore.Internal;
using ChatKit.AspNetCore.Wire;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Options;

namespace ChatKit.Benchmarks.Micro;

/// <summary>
/// ChatKit's hub protocols on ChatKit's own wire types: JSON (SignalR's, default options) and ChatKit's MessagePack
/// (<c>EnableMessagePack</c>). Writing a <c>newMessage</c> is what the server does once per message (the frame is cached
/// and sent to every recipient); reading a <c>sendMessage</c> is what it does once per send. The frames' sizes are
/// printed at set-up.
/// </summary>
public class HubProtocolBenchmarks
{
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private IHubProtocol _protocol = null!;
    private InvocationMessage _newMessage = null!;
    private byte[] _sendFrame = [];

    [Params("json", "messagepack")]
    public string Protocol { get; set; } = "json";

    [GlobalSetup]
    public void Setup()
    {
        _protocol = Protocol == "json" ? new JsonHubProtocol(Options.Create(new JsonHubProtocolOptions())) : ChatKitMessagePack.CreateProtocol();
        var message = new MessageDto
        {
            Id = "m_0193a5b0c1d2e3f405162738495a6b7c",
            ConversationId = "c_0193a5b0c1d2e3f405162738495a6b7d",
            Seq = 42,
            Sender = new SenderDto { Id = "alice", Name = "Alice" },
            Content = "Are we still on for lunch today at noon?",
            Type = "text",
            TempId = "tmp-7f3a9c",
            CreatedAt = new DateTime(2026, 11, 24, 10, 0, 0, DateTimeKind.Utc),
        };
        _newMessage = new InvocationMessage("newMessage", [new NewMessagePayload(message, message.ConversationId)]);
        var send = new InvocationMessage("1", "sendMessage", [new SendMessageArgs { ConversationId = message.ConversationId, Content = message.Content, TempId = message.TempId }]);
        _sendFrame = _protocol.GetMessageBytes(send).ToArray();
        Console.WriteLine($"// {Protocol}: newMessage frame {_protocol.GetMessageBytes(_newMessage).Length} bytes, sendMessage frame {_sendFrame.Length} bytes");
    }

    [Benchmark]
    public int WriteNewMessage()
    {
        _buffer.ResetWrittenCount();
        _protocol.WriteMessage(_newMessage, _buffer);
        return _buffer.WrittenCount;
    }

    [Benchmark]
    public object? ReadSendMessage()
    {
        var sequence = new ReadOnlySequence<byte>(_sendFrame);
        _protocol.TryParseMessage(ref sequence, OneArgumentBinder<SendMessageArgs>.Instance, out var message);
        return message;
    }
}
