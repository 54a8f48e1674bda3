using System.Reflection;
using ChatKit.Core.Tests.Support;
using ChatKit.Storage;
using static ChatKit.Core.Tests.Support.ChatHarness;

namespace ChatKit.Core.Tests;

/// <summary>
/// A store that reports a page of its feed <see cref="ChatEventFeedPage.Incomplete"/> (MongoDB, past a change whose events
/// were lost) makes sync answer limited, so the client re-reads instead of silently missing that change.
/// </summary>
public sealed class SyncIncompleteTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sync_OverAPageTheStoreReportsIncomplete_AnswersLimited()
    {
        var store = DispatchProxy.Create<IChatStore, IncompleteFeed>();
        var feed = (IncompleteFeed)(object)store;
        feed.Inner = new InMemoryChatStore();
        await using var chat = new ChatHarness(store: store);
        var first = await chat.Chat.SyncAsync(Alice, null, cancellationToken: Ct);
        var direct = await chat.CreateDirectAsync(Alice, Bob);
        await chat.Chat.SendMessageAsync(Bob, new SendMessageRequest { ConversationId = direct.Conversation.Id, Content = "hi" }, Ct);

        var complete = await chat.Chat.SyncAsync(Alice, first.Cursor, cancellationToken: Ct);
        Assert.False(complete.Limited);
        Assert.NotEmpty(complete.Events);

        feed.Incomplete = true;
        var incomplete = await chat.Chat.SyncAsync(Alice, first.Cursor, cancellationToken: Ct);

        Assert.True(incomplete.Limited);
        Assert.Empty(incomplete.Events);
    }

    /// <summary>Forwards every call to the in-memory store; marks the pages of a user's feed incomplete when told to.</summary>
    public class IncompleteFeed : DispatchProxy
    {
        public IChatStore Inner { get; set; } = null!;

        public bool Incomplete { get; set; }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            var result = targetMethod.Invoke(Inner, args);
            return targetMethod.Name == nameof(IChatStore.ReadUserEventsAsync) && result is ValueTask<ChatEventFeedPage> page ? MarkAsync(page) : result;
        }

        private async ValueTask<ChatEventFeedPage> MarkAsync(ValueTask<ChatEventFeedPage> page) =>
            (await page) with { Incomplete = Incomplete };
    }
}
