using System.Threading.RateLimiting;
using ChatKit.Services;
using ChatKit.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ChatKit.Scaleout.Redis.Tests.Support;

/// <summary>Sets up conversations directly in a store, so presence has contacts to notify.</summary>
public static class TestChat
{
    public static async Task BefriendAsync(IChatStore store, string userId, string otherId, CancellationToken cancellationToken)
    {
        var chat = new ChatService(
            store,
            new RecordingPublisher(),
            new Unlimited(),
            TimeProvider.System,
            Options.Create(new ChatKitOptions()),
            NullLogger<ChatService>.Instance);
        await chat.CreateConversationAsync(new ChatUser(userId), new CreateConversationRequest { Type = ConversationType.Direct, ParticipantIds = [otherId] }, cancellationToken);
    }

    private sealed class Unlimited : IChatRateLimiter
    {
        public ValueTask<RateLimitLease> AcquireSendPermitAsync(string userId, CancellationToken cancellationToken) =>
            throw new NotSupportedException("no messages here");
    }
}
