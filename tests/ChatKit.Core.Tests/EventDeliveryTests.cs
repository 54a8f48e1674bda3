using ChatKit.Core.Tests.Support;
using ChatKit.Events;
using static ChatKit.Core.Tests.Support.ChatHarness;

namespace ChatKit.Core.Tests;

public sealed class EventDeliveryTests
{
    [Fact]
    public async Task FailedPublishing_DoesNotFailTheCallThatStoredTheChange()
    {
        var publisher = new FailingPublisher();
        await using var chat = new ChatHarness(publisher: publisher);

        var direct = await chat.CreateDirectAsync(Alice, Bob);
        var message = await chat.SendAsync(Alice, direct.Conversation.Id, "stored anyway");
        await chat.Chat.DeleteMessageAsync(Alice, message.Id, Ct);

        Assert.True((await chat.Store.FindMessageAsync(message.Id, Ct))!.IsDeleted);
        Assert.Equal(3, publisher.Attempts);
    }

    [Fact]
    public async Task Publishing_IsNotCancelledByTheCallersToken()
    {
        var publisher = new TokenCapturingPublisher();
        await using var chat = new ChatHarness(publisher: publisher);
        using var cts = new CancellationTokenSource();

        await chat.Chat.CreateConversationAsync(Alice, new CreateConversationRequest { Type = ConversationType.Direct, ParticipantIds = [Bob.Id] }, cts.Token);

        Assert.False(publisher.LastToken.CanBeCanceled);
    }

    private sealed class FailingPublisher : IChatEventPublisher
    {
        public int Attempts { get; private set; }

        public ValueTask PublishAsync(ChatEvent chatEvent, CancellationToken cancellationToken)
        {
            Attempts++;
            throw new InvalidOperationException("the transport is down");
        }
    }

    private sealed class TokenCapturingPublisher : IChatEventPublisher
    {
        public CancellationToken LastToken { get; private set; }

        public ValueTask PublishAsync(ChatEvent chatEvent, CancellationToken cancellationToken)
        {
            LastToken = cancellationToken;
            return ValueTask.CompletedTask;
        }
    }
}
