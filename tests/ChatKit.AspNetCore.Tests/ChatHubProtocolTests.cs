using System.Buffers;
using System.Text;
using ChatKit.AspNetCore.Internal;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace ChatKit.AspNetCore.Tests;

/// <summary>ChatHub's protocol wrapper writes a refusal as the contract's error and leaves every other message alone.</summary>
public sealed class ChatHubProtocolTests
{
    private static readonly ChatHubProtocol Protocol = new(new JsonHubProtocol());

    [Fact]
    public void Refusal_IsWrittenAsAnErrorCompletion()
    {
        var written = Write(CompletionMessage.WithResult("7", new HubRefusal("not_found: conversation c_1 does not exist")));

        Assert.Equal("""{"type":3,"invocationId":"7","error":"not_found: conversation c_1 does not exist"}""", written);
    }

    [Fact]
    public void OtherMessages_AreWrittenAsTheHostsProtocolWritesThem()
    {
        HubMessage[] messages =
        [
            CompletionMessage.WithResult("1", "not_found: x"),
            CompletionMessage.WithError("2", "An unexpected error occurred invoking 'X' on the server. HubException: not_found: x"),
            CompletionMessage.Empty("3"),
            new InvocationMessage("newMessage", ["not_found: x"]),
            PingMessage.Instance,
        ];

        Assert.All(messages, m => Assert.Same(m, ChatHubProtocol.AsError(m)));
        Assert.All(messages, m => Assert.Equal(Encoding.UTF8.GetString(new JsonHubProtocol().GetMessageBytes(m).Span).TrimEnd('\u001e'), Write(m)));
    }

    private static string Write(HubMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Protocol.WriteMessage(message, buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan).TrimEnd('\u001e');
    }
}
