using ChatKit.AspNetCore.Internal;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace ChatKit.AspNetCore.Tests;

/// <summary>
/// SignalR prefixes a HubException's message with "An unexpected error occurred invoking …"; ChatKit's protocol wrapper
/// removes that prefix from ChatKit's coded errors, and from nothing else (other hubs of the host keep SignalR's text).
/// </summary>
public sealed class HubErrorFormatTests
{
    [Theory]
    [InlineData("not_found: conversation c_1 does not exist")]
    [InlineData("validation_failed: content is empty")]
    [InlineData("rate_limited: too many messages; slow down")]
    [InlineData("internal_error: the server could not complete the call")]
    public void Rewrite_ChatKitCode_LeavesCodeAndSentence(string text)
    {
        var message = CompletionMessage.WithError("7", $"An unexpected error occurred invoking 'SendMessage' on the server. HubException: {text}");

        var rewritten = Assert.IsType<CompletionMessage>(CodeFirstErrorProtocol.Rewrite(message));

        Assert.Equal(text, rewritten.Error);
        Assert.Equal("7", rewritten.InvocationId);
        Assert.False(rewritten.HasResult);
    }

    [Theory]
    [InlineData("An unexpected error occurred invoking 'Other' on the server. HubException: something went wrong")]
    [InlineData("An unexpected error occurred invoking 'Other' on the server.")]
    [InlineData("An unexpected error occurred invoking 'Other' on the server. InvalidOperationException: not_found: x")]
    [InlineData("Failed to invoke 'SendMessage' due to an error on the server.")]
    [InlineData("not_found: already bare")]
    public void Rewrite_AnythingElse_IsLeftAlone(string error)
    {
        var message = CompletionMessage.WithError("7", error);

        Assert.Same(message, CodeFirstErrorProtocol.Rewrite(message));
    }

    [Fact]
    public void Rewrite_ResultsAndInvocations_AreLeftAlone()
    {
        HubMessage[] messages =
        [
            CompletionMessage.WithResult("1", "not_found: x"),
            new InvocationMessage("newMessage", ["An unexpected error occurred invoking 'X' on the server. HubException: not_found: x"]),
            PingMessage.Instance,
        ];

        Assert.All(messages, m => Assert.Same(m, CodeFirstErrorProtocol.Rewrite(m)));
    }
}
