using System.Text;
using ChatKit.AspNetCore.Tests.Support;
using ChatKit.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.AspNetCore.Tests;

/// <summary>
/// Webhooks from the outbox to a real local receiver that verifies every signature: a receiver that answers 503 for a
/// while, one that is not listening while the host that stored the messages stops (another host on the same database
/// delivers them), and two hosts on one SQLite file that never deliver at the same time.
/// </summary>
public sealed class WebhookTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("chatkit-webhooks-");

    private string Database => $"Data Source={Path.Combine(_folder.FullName, "chat.db")}";

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            _folder.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A host's background work that outlived its shutdown timeout can still be using the SQLite file: a leftover
            // temp folder is harmless.
        }
    }

    [Fact]
    public async Task ReceiverDownForAWhile_LosesNothing_AndItsDedupSeesEachEventOnce()
    {
        await using var receiver = new WebhookReceiver { Down = true };
        await receiver.StartAsync();
        await using var host = await StartHostAsync(receiver.Url);
        var (group, alice) = await CreateGroupAsync(host);

        var sent = await SendAsync(host, group, alice, 5);
        await receiver.WaitForRefusalsAsync(5); // every message was tried and refused at least once
        receiver.Down = false;
        await receiver.WaitForAsync(sent.Select(m => m.Id));

        Assert.Equal(0, receiver.BadSignatures);
        foreach (var message in sent)
        {
            var body = receiver.Processed[message.Id];
            Assert.Equal("newMessage", body.GetProperty("type").GetString());
            Assert.Equal(message.Content, body.GetProperty("data").GetProperty("message").GetProperty("content").GetString());
            Assert.Equal(group, body.GetProperty("data").GetProperty("conversationId").GetString());
            Assert.Equal(message.Id, body.GetProperty("data").GetProperty("eventId").GetString()); // the live event's eventId
            Assert.Equal(message.CreatedAt, body.GetProperty("occurredAt").GetDateTimeOffset());
        }
    }

    [Fact]
    public async Task AHostStoppedBeforeDelivering_LeavesItToTheNextHostOnTheDatabase()
    {
        await using var receiver = new WebhookReceiver();
        await receiver.StartAsync();
        var url = receiver.Url;
        await receiver.StopAsync(); // not listening: every attempt fails to connect

        IReadOnlyList<ChatMessage> sent;
        string group;
        await using (var first = await StartHostAsync(url))
        {
            (group, var alice) = await CreateGroupAsync(first);
            sent = await SendAsync(first, group, alice, 5);
        }

        await receiver.StartAsync(url.Port);
        await using var second = await StartHostAsync(url);
        await receiver.WaitForAsync(sent.Select(m => m.Id));

        Assert.Equal(0, receiver.BadSignatures);
        Assert.All(sent, m => Assert.Equal(1, receiver.Accepted[m.Id]));
    }

    [Fact]
    public async Task TwoHostsOnOneDatabase_NeverDeliverAtTheSameTime_AndDeliverEachEventOnce()
    {
        await using var receiver = new WebhookReceiver { Hold = TimeSpan.FromMilliseconds(20) };
        await receiver.StartAsync();
        await using var first = await StartHostAsync(receiver.Url);
        await using var second = await StartHostAsync(receiver.Url);
        var (group, alice) = await CreateGroupAsync(first);

        var sent = new List<ChatMessage>();
        for (var i = 0; i < 10; i++)
        {
            sent.AddRange(await SendAsync(i % 2 == 0 ? first : second, group, alice, 2));
        }

        await receiver.WaitForAsync(sent.Select(m => m.Id));

        Assert.Equal(1, receiver.MostAtOnce);
        Assert.All(sent, m => Assert.Equal(1, receiver.Accepted[m.Id]));
        Assert.Equal(0, receiver.BadSignatures);
    }

    [Fact]
    public void Signature_VerifiesOnlyTheSignedBody_WithTheSecret_WithinTheWindow()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1_764_000_000);
        var body = Encoding.UTF8.GetBytes("""{"id":"e_1","type":"newMessage"}""");
        var header = ChatKitWebhookSignature.Create("s3cret-s3cret-s3cret", now, body);
        var window = TimeSpan.FromMinutes(5);

        Assert.StartsWith("t=1764000000,v1=", header, StringComparison.Ordinal);
        Assert.True(ChatKitWebhookSignature.Verify("s3cret-s3cret-s3cret", header, body, now.AddMinutes(4), window));
        Assert.True(ChatKitWebhookSignature.Verify("s3cret-s3cret-s3cret", "v1=" + new string('0', 64) + "," + header, body, now, window)); // one of several v1
        Assert.False(ChatKitWebhookSignature.Verify("another-secret-entirely", header, body, now, window));
        Assert.False(ChatKitWebhookSignature.Verify("s3cret-s3cret-s3cret", header, Encoding.UTF8.GetBytes("""{"id":"e_2","type":"newMessage"}"""), now, window));
        Assert.False(ChatKitWebhookSignature.Verify("s3cret-s3cret-s3cret", header, body, now.AddMinutes(6), window)); // a replay
        Assert.False(ChatKitWebhookSignature.Verify("s3cret-s3cret-s3cret", header.Replace("t=1764000000", "t=1764000001", StringComparison.Ordinal), body, now, window));
        Assert.False(ChatKitWebhookSignature.Verify("s3cret-s3cret-s3cret", null, body, now, window));
        Assert.False(ChatKitWebhookSignature.Verify("s3cret-s3cret-s3cret", "t=abc,v1=xyz", body, now, window));
    }

    [Fact]
    public async Task WebhookOptions_AreCheckedAtStart()
    {
        var builder = ChatHost.CreateBuilder();
        builder.Services.AddChatKit().AddWebhooks(w => (w.Url, w.Secret) = (new Uri("ftp://example.com/"), "short"));
        await using var app = builder.Build();

        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("ChatKit:Webhooks:Url must be an absolute http or https URL", error.Message, StringComparison.Ordinal);
        Assert.Contains("ChatKit:Webhooks:Secret must have at least 16 characters.", error.Message, StringComparison.Ordinal);
    }

    private async Task<WebApplication> StartHostAsync(Uri url)
    {
        var builder = ChatHost.CreateBuilder();
        builder.Services.AddChatKit(StoreHost.Unlimited)
            .UseEntityFrameworkCore(o => o.UseSqlite(Database))
            .AddWebhooks(w => (w.Url, w.Secret) = (url, WebhookReceiver.Secret))
            .ConfigureOutbox(o =>
            {
                o.PollInterval = TimeSpan.FromMilliseconds(20);
                o.RetryBaseDelay = TimeSpan.FromMilliseconds(50);
                o.RetryMaxDelay = TimeSpan.FromMilliseconds(200);
                o.DeliveryTimeout = TimeSpan.FromSeconds(5);
            });
        var app = builder.Build();
        app.MapChatKit();
        await app.StartAsync();
        return app;
    }

    private static async Task<(string Group, ChatUser Alice)> CreateGroupAsync(WebApplication host)
    {
        var alice = new ChatUser(ChatHost.NewUser("alice"), "Alice");
        var created = await host.Services.GetRequiredService<ChatService>().CreateConversationAsync(
            alice,
            new CreateConversationRequest { Type = ConversationType.Group, Name = "Hooks", ParticipantIds = [ChatHost.NewUser("bob")] });
        return (created.Conversation.Conversation.Id, alice);
    }

    private static async Task<IReadOnlyList<ChatMessage>> SendAsync(WebApplication host, string group, ChatUser sender, int count)
    {
        var chat = host.Services.GetRequiredService<ChatService>();
        var sent = new List<ChatMessage>();
        for (var i = 0; i < count; i++)
        {
            sent.Add((await chat.SendMessageAsync(sender, new SendMessageRequest { ConversationId = group, Content = $"hook {Guid.NewGuid():N}" })).Message);
        }

        return sent;
    }
}
