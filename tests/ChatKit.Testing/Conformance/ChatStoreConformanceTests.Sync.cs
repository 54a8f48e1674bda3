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
        if (await FeedEndAsync(store) is not { } start)
        {
            return;
        }

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
        if (await FeedEndAsync(store) is not { } start)
        {
            return;
        }

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
        if (await FeedEndAsync(store) is not { } start)
        {
            return;
        }

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

    [Fact]
    public async Task EventFeed_ConcurrentWritersOnTwoInstances_ReaderNeverSeesALaterPositionBeforeAnEarlierOne()
    {
        var store = await CreateStoreAsync();
        var second = await CreateSecondStoreAsync();
        if (await FeedEndAsync(store) is not { } start)
        {
            return;
        }

        var groups = new List<Conversation>();
        for (var i = 0; i < 3; i++)
        {
            groups.Add(await CreateGroupAsync(store));
        }

        var ids = groups.Select(g => g.Id).ToArray();
        const int Writers = 6;
        const int PerWriter = 20;
        using var done = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var violations = new List<string>();
        var seen = new List<StoredChatEvent>();

        // The reader polls the feed while the writers run. Per conversation, messages must come as seq 1, 2, 3… (never
        // N+1 before N), and recorded read positions, which only grow in commit order, must never go down.
        var reader = Task.Run(
            async () =>
            {
                var cursor = start;
                var lastSeq = ids.ToDictionary(id => id, _ => 0L);
                var lastPosition = ids.ToDictionary(id => id, _ => 0L);
                while (true)
                {
                    var finished = done.IsCancellationRequested;
                    var page = await store.ReadEventFeedAsync(cursor, 50, Ct);
                    foreach (var e in page.Events)
                    {
                        var conversationId = ChatEventAudience.ConversationOf(e.Event);
                        if (conversationId is null || !lastSeq.ContainsKey(conversationId))
                        {
                            continue;
                        }

                        seen.Add(e);
                        switch (e.Event)
                        {
                            case MessageCreatedEvent created when created.Message.Seq != lastSeq[conversationId] + 1:
                                violations.Add($"{conversationId}: seq {created.Message.Seq} after {lastSeq[conversationId]}");
                                break;
                            case MessageCreatedEvent created:
                                lastSeq[conversationId] = created.Message.Seq;
                                break;
                            case MessageDeliveredEvent moved when moved.Seq < lastPosition[conversationId]:
                                violations.Add($"{conversationId}: position {moved.Seq} after {lastPosition[conversationId]}");
                                break;
                            case MessageDeliveredEvent moved:
                                lastPosition[conversationId] = moved.Seq;
                                break;
                        }
                    }

                    cursor = page.Cursor;
                    if (finished && !page.HasMore && seen.Count >= Writers * PerWriter)
                    {
                        return;
                    }

                    if (!page.HasMore)
                    {
                        await Task.Delay(5, Ct);
                    }
                }
            },
            Ct);

        // Writers, half on each instance: appends (which record their own events) and recorded read-position moves of one
        // shared reader, whose event carries the position the store returned (so commit order is position order).
        var reading = NewUserId();
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(
            async () =>
            {
                var target = w % 2 == 0 ? store : second;
                var random = new Random(w);
                for (var i = 0; i < PerWriter; i++)
                {
                    var group = groups[random.Next(groups.Count)];
                    if (i % 2 == 0)
                    {
                        await target.AppendMessageAsync(NewMessage(group.Id, group.Participants[0].UserId, $"w{w} {i}"), Ct);
                    }
                    else
                    {
                        var seq = random.Next(1, 1_000);
                        await target.RecordEventsAsync(
                            group.Id,
                            Now(),
                            ct => target.AdvanceReadPositionAsync(group.Id, reading, seq, ct),
                            position => [new MessageDeliveredEvent(group.Id, reading, position, [reading])],
                            Ct);
                    }
                }
            },
            Ct)));
        await done.CancelAsync();
        try
        {
            await reader.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"the reader saw {seen.Count} of {Writers * PerWriter} events (a skipped event never comes back); {string.Join("; ", violations)}");
        }


        Assert.Empty(violations);
        Assert.Equal(Writers * PerWriter, seen.Count);
        Assert.Equal(seen.Count, seen.Select(e => e.Id).Distinct().Count());
        Assert.Equal(
            (await ReadFeedOfAsync(store, start, Writers * PerWriter, ids)).Select(e => e.Id),
            (await ReadFeedOfAsync(second, start, Writers * PerWriter, ids)).Select(e => e.Id));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task UserEvents_AfterRandomChanges_AreExactlyWhatEachUserReceivedWhenTheyHappened(int seed)
    {
        var store = await CreateStoreAsync();
        if (await FeedEndAsync(store) is not { } start)
        {
            return;
        }

        var random = new Random(seed);
        var users = Enumerable.Range(0, 4).Select(_ => NewUserId()).ToArray();
        var group = NewGroup(users[0], [users[1]]);
        await store.RecordEventsAsync(group.Id, Now(), async ct => { await store.CreateConversationAsync(group, ct); return group; }, c => [new ConversationCreatedEvent(new ConversationView(c, null, 0))], Ct);

        // What each operation's events were, in order: what a connected client of each user in the audience received.
        var happened = new List<StoredChatEvent>();
        var messages = new List<ChatMessage>();
        var log = new List<string>();
        for (var i = 0; i < 60; i++)
        {
            var conversation = (await store.FindConversationAsync(group.Id, Ct))!;
            var participants = conversation.Participants.Select(p => p.UserId).ToList();
            var user = users[random.Next(users.Length)];
            var op = random.Next(6);
            log.Add($"{op}:{Array.IndexOf(users, user)}");
            switch (op)
            {
                case 0 or 1 when participants.Count > 0:
                    var sent = (await store.AppendMessageAsync(NewMessage(group.Id, participants[random.Next(participants.Count)], $"m{i}"), Ct)).Value;
                    messages.Add(sent);
                    happened.Add(new StoredChatEvent(sent.Id, new MessageCreatedEvent(sent, participants), sent.CreatedAt));
                    break;
                case 2 when messages.Count > 0:
                    var target = messages[random.Next(messages.Count)];
                    var at = Now();
                    happened.AddRange((await store.RecordEventsAsync(
                        group.Id, at, ct => store.EditMessageAsync(target.Id, $"e{i}", at, ct), m => m is { IsDeleted: false } ? [new MessageUpdatedEvent(m, participants)] : [], Ct)).Events);
                    break;
                case 3 when !participants.Contains(user):
                    happened.AddRange((await store.RecordEventsAsync(
                        group.Id,
                        Now(),
                        ct => store.AddParticipantsAsync(group.Id, [new Participant(user, ParticipantRole.Member, Now())], 100, ct),
                        r => [new ParticipantsAddedEvent(group.Id, [user], [.. r.Conversation!.Participants.Select(p => p.UserId)])],
                        Ct)).Events);
                    break;
                case 4 when participants.Contains(user) && participants.Count > 1:
                    happened.AddRange((await store.RecordEventsAsync(
                        group.Id,
                        Now(),
                        ct => store.RemoveParticipantAsync(group.Id, user, null, ct),
                        c => [new ParticipantRemovedEvent(group.Id, user, [.. c!.Participants.Select(p => p.UserId)])],
                        Ct)).Events);
                    break;
                case 5 when participants.Contains(user):
                    happened.AddRange((await store.RecordEventsAsync(
                        group.Id, Now(), ct => store.AdvanceReadPositionAsync(group.Id, user, random.Next(1, 20), ct), _ => [new ConversationReadEvent(group.Id, user, Now(), participants)], Ct)).Events);
                    break;
            }
        }

        var feed = await ReadFeedOfAsync(store, start, happened.Count + 1, group.Id);
        Assert.Equal(happened.Select(e => e.Id), feed.Skip(1).Select(e => e.Id));
        foreach (var user in users)
        {
            var received = happened.Where(e => ChatEventAudience.Includes(e.Event, user)).Select(e => e.Id).ToList();
            var synced = await ReadUserEventsOfAsync(store, user, start, group.Id, limit: 1 + random.Next(7), expected: received.Count + (user == users[0] || user == users[1] ? 1 : 0));
            Assert.True(
                received.SequenceEqual(synced.Select(e => e.Id).Where(id => id != feed[0].Id)),
                $"seed {seed}, user {Array.IndexOf(users, user)}: ops [{string.Join(", ", log)}]");
        }
    }

    /// <summary>
    /// Declares that the store keeps no event log yet, and why; <see langword="null"/> (the default): it does, and every
    /// event test must pass on it.
    /// </summary>
    protected virtual string? MissingEventLog => null;

    /// <summary>
    /// The feed's end. For a store that declares <see cref="MissingEventLog"/>, asserts instead that its feed members
    /// refuse with <see cref="NotSupportedException"/> (the contract's defaults, which sync's <c>limited</c> answer and
    /// the outbox rely on) and returns <see langword="null"/>, ending the test there.
    /// </summary>
    private async Task<string?> FeedEndAsync(IChatStore store)
    {
        if (MissingEventLog is null)
        {
            return await store.GetEventFeedEndAsync(Ct);
        }

        await Assert.ThrowsAsync<NotSupportedException>(async () => await store.GetEventFeedEndAsync(Ct));
        await Assert.ThrowsAsync<NotSupportedException>(async () => await store.ReadEventFeedAsync(null, 10, Ct));
        return null;
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
