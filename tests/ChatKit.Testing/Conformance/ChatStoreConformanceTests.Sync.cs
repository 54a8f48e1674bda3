using ChatKit.Events;
using ChatKit.Storage;

namespace ChatKit.Testing.Conformance;

// The event log: every durable event recorded atomically with its change, read back in feed order exactly once, per
// conversation in the order the changes happened, never a later position before an earlier one, and per user only within
// their membership windows. Tests share a store with others, so each reads from the feed's end and looks only at its own
// conversations.
public abstract partial class ChatStoreConformanceTests
{
    [Fact]
    public async Task EventFeed_AppendAndRecordedChanges_ReadBackInOrderOnce()
    {
        var store = await CreateStoreAsync();
        var start = await FeedEndOrSkipAsync(store);
        var group = await CreateGroupAsync(store);
        var owner = group.Participants[0].UserId;
        var members = group.Participants.Select(p => p.UserId).ToList();
        var first = (await store.AppendMessageAsync(NewMessage(group.Id, owner, "first"), Ct)).Value;
        var at = Now();
        var edit = await store.RecordEventsAsync(
            group.Id,
            at,
            ct => store.EditMessageAsync(first.Id, "edited", at, ct),
            m => m is null ? [] : [new MessageUpdatedEvent(m, members)],
            Ct);
        var second = (await store.AppendMessageAsync(NewMessage(group.Id, owner, "second"), Ct)).Value;

        var recorded = Assert.Single(edit.Events);
        Assert.Equal("edited", edit.Value!.Content);
        var events = await ReadFeedOfAsync(store, start, 3, group.Id);
        Assert.Equal([first.Id, recorded.Id, second.Id], events.Select(e => e.Id));
        var created = Assert.IsType<MessageCreatedEvent>(events[0].Event);
        Assert.Equal(first.Id, created.Message.Id);
        Assert.Equal(1, created.Message.Seq);
        Assert.Equal(members.Order(StringComparer.Ordinal), created.ParticipantIds.Order(StringComparer.Ordinal));
        AssertTime(first.CreatedAt, events[0].OccurredAt);
        var updated = Assert.IsType<MessageUpdatedEvent>(events[1].Event);
        Assert.Equal("edited", updated.Message.Content);
        AssertTime(at, events[1].OccurredAt);
        Assert.Equal(2, Assert.IsType<MessageCreatedEvent>(events[2].Event).Message.Seq);
    }

    [Fact]
    public async Task EventFeed_ChangeThatThrows_RecordsNothing()
    {
        var store = await CreateStoreAsync();
        var start = await FeedEndOrSkipAsync(store);
        var group = await CreateGroupAsync(store);

        await Assert.ThrowsAnyAsync<InvalidOperationException>(() => store.RecordEventsAsync<bool>(
            group.Id,
            Now(),
            _ => throw new InvalidOperationException("refused"),
            _ => [new ConversationReadEvent(group.Id, group.Participants[0].UserId, Now(), [])],
            Ct));
        var message = (await store.AppendMessageAsync(NewMessage(group.Id, group.Participants[0].UserId), Ct)).Value;

        Assert.Equal([message.Id], (await ReadFeedOfAsync(store, start, 1, group.Id)).Select(e => e.Id));
    }

    [Fact]
    public async Task UserEvents_OutsideMembershipWindows_AreNotReturned()
    {
        var store = await CreateStoreAsync();
        var start = await FeedEndOrSkipAsync(store);
        var group = await CreateGroupAsync(store, memberCount: 1);
        var owner = group.Participants[0].UserId;
        var late = NewUserId();
        var before = (await store.AppendMessageAsync(NewMessage(group.Id, owner, "before"), Ct)).Value;
        var added = await RecordAddAsync(store, group.Id, owner, late);
        var during = (await store.AppendMessageAsync(NewMessage(group.Id, owner, "during"), Ct)).Value;
        var removed = await RecordRemoveAsync(store, group.Id, late);
        var after = (await store.AppendMessageAsync(NewMessage(group.Id, owner, "after"), Ct)).Value;
        var rejoined = await RecordAddAsync(store, group.Id, owner, late);
        var again = (await store.AppendMessageAsync(NewMessage(group.Id, owner, "again"), Ct)).Value;

        var seen = await ReadUserEventsOfAsync(store, late, start, group.Id, limit: 2, expected: 5);
        Assert.Equal([added, during.Id, removed, rejoined, again.Id], seen.Select(e => e.Id));
        var ownerSees = await ReadUserEventsOfAsync(store, owner, start, group.Id, limit: 100, expected: 7);
        Assert.Equal([before.Id, added, during.Id, removed, after.Id, rejoined, again.Id], ownerSees.Select(e => e.Id));
    }

    /// <summary>The feed's end, or skips the test for a store that records no events (the contract's default).</summary>
    private static async Task<string> FeedEndOrSkipAsync(IChatStore store)
    {
        try
        {
            return await store.GetEventFeedEndAsync(Ct);
        }
        catch (NotSupportedException ex)
        {
            Assert.Skip(ex.Message);
            throw;
        }
    }

    /// <summary>
    /// Reads the feed from <paramref name="after"/> in small pages, keeping the events of the given conversations, until
    /// <paramref name="expected"/> of them arrived (a store may serve a committed event only once every transaction that
    /// could still commit before it has finished), then to the feed's current end.
    /// </summary>
    private static Task<List<StoredChatEvent>> ReadFeedOfAsync(IChatStore store, string after, int expected, params string[] conversationIds) =>
        ReadUntilAsync((cursor, ct) => store.ReadEventFeedAsync(cursor, 3, ct), after, expected, e => conversationIds.Contains(ChatEventAudience.ConversationOf(e.Event)));

    private static Task<List<StoredChatEvent>> ReadUserEventsOfAsync(IChatStore store, string userId, string after, string conversationId, int limit, int expected) =>
        ReadUntilAsync(
            async (cursor, ct) =>
            {
                var page = await store.ReadUserEventsAsync(userId, cursor, limit, ct);
                Assert.True(page.Events.Count <= limit);
                Assert.All(page.Events, e => Assert.True(ChatEventAudience.Includes(e.Event, userId)));
                return page;
            },
            after,
            expected,
            e => ChatEventAudience.ConversationOf(e.Event) == conversationId);

    private static async Task<List<StoredChatEvent>> ReadUntilAsync(
        Func<string, CancellationToken, ValueTask<ChatEventFeedPage>> read, string after, int expected, Func<StoredChatEvent, bool> keep)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        var found = new List<StoredChatEvent>();
        var cursor = after;
        while (true)
        {
            var page = await read(cursor, timeout.Token);
            found.AddRange(page.Events.Where(keep));
            cursor = page.Cursor;
            if (!page.HasMore)
            {
                if (found.Count >= expected)
                {
                    return found;
                }

                // Not visible yet: a transaction that started earlier is still running. Poll until it has finished.
                await Task.Delay(20, timeout.Token);
            }
        }
    }

    private static async Task<string> RecordAddAsync(IChatStore store, string conversationId, string actorId, string userId)
    {
        var at = Now();
        var result = await store.RecordEventsAsync(
            conversationId,
            at,
            ct => store.AddParticipantsAsync(conversationId, [new Participant(userId, ParticipantRole.Member, at)], 100, ct),
            r => [new ParticipantsAddedEvent(conversationId, [userId], [.. r.Conversation!.Participants.Select(p => p.UserId)])],
            Ct);
        return Assert.Single(result.Events).Id;
    }

    private static async Task<string> RecordRemoveAsync(IChatStore store, string conversationId, string userId)
    {
        var result = await store.RecordEventsAsync(
            conversationId,
            Now(),
            ct => store.RemoveParticipantAsync(conversationId, userId, null, ct),
            c => [new ParticipantRemovedEvent(conversationId, userId, [.. c!.Participants.Select(p => p.UserId)])],
            Ct);
        return Assert.Single(result.Events).Id;
    }
}
