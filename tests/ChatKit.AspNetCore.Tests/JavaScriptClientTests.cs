using System.Text.Json;
using ChatKit.AspNetCore.Tests.Support;

namespace ChatKit.AspNetCore.Tests;

/// <summary>The official JavaScript client (@microsoft/signalr from npm) under node, against the real host.</summary>
public sealed class JavaScriptClientTests(ChatHost host) : IClassFixture<ChatHost>
{
    private const string Script = """
        const signalR = require("@microsoft/signalr");
        const [baseUrl, token, peer] = process.argv.slice(2);
        (async () => {
          const connection = new signalR.HubConnectionBuilder()
            .withUrl(baseUrl + "chat", { accessTokenFactory: () => token, transport: signalR.HttpTransportType.WebSockets })
            .configureLogging(signalR.LogLevel.Error)
            .build();
          const received = new Promise((resolve) => connection.on("newMessage", resolve));
          await connection.start();
          const conversation = await connection.invoke("createConversation", { type: "direct", participantIds: [peer] });
          const ack = await connection.invoke("sendMessage", { conversationId: conversation.id, content: "hello from node", tempId: "js-1" });
          const newMessage = await received;
          let error = null;
          try {
            await connection.invoke("sendMessage", { conversationId: "c_nope", content: "x" });
          } catch (e) {
            error = e.message;
          }
          console.log(JSON.stringify({ conversation, ack, newMessage, error }));
          await connection.stop();
        })().catch((e) => { console.error(e); process.exit(1); });
        """;

    [Fact]
    public async Task JavaScriptClient_CreatesConversationSendsAndReceivesNewMessage()
    {
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        var (exit, stdout, stderr) = await NodeClient.RunScriptAsync(Script, [host.Address.ToString(), TestAuth.Token(alice, "Alice"), bob]);

        Assert.True(exit == 0, $"node exited with {exit}: {stderr}");
        var result = JsonDocument.Parse(stdout).RootElement;
        var conversation = result.GetProperty("conversation");
        var id = conversation.GetProperty("id").GetString();
        Assert.Equal("direct", conversation.GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.Null, conversation.GetProperty("lastMessage").ValueKind);
        var ack = result.GetProperty("ack");
        Assert.Equal("js-1", ack.GetProperty("tempId").GetString());
        Assert.Equal(1, ack.GetProperty("seq").GetInt64());
        var newMessage = result.GetProperty("newMessage");
        Assert.Equal(id, newMessage.GetProperty("conversationId").GetString());
        var message = newMessage.GetProperty("message");
        Assert.Equal(ack.GetProperty("messageId").GetString(), message.GetProperty("id").GetString());
        Assert.Equal("hello from node", message.GetProperty("content").GetString());
        Assert.Equal("Alice", message.GetProperty("sender").GetProperty("name").GetString());
        Assert.EndsWith("Z", message.GetProperty("createdAt").GetString(), StringComparison.Ordinal);
        Assert.Equal("not_found: conversation c_nope does not exist", result.GetProperty("error").GetString());
    }
}
