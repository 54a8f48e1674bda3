using ChatKit.Events;
using ChatKit.Storage;

namespace ChatKit.Testing.Conformance;

// The audience of a newMessage event: the participants when the message was appended, whichever instance appended it and
// however the membership changed before and after, and still after the retention purge removed older events of the room.
// (A store may keep the audience once per membership state rather than per message: these fail if it names the wrong one.)
public abstract partial class ChatStoreConformanceTests
{
    [Fact]
    public async Task EventFeed_MembershipChangesBetweenAppendsOnTwoInstances_EachMessageHasTheAudienceOfItsTime()
    {
        if (await AudienceRoomAsync() is not { } room)
        {
            return;
        }

        var (store, second, start, group, owner, member, late) = room;

        // Both instances append at the first membership (each then knows it), then the membership changes on one instance
        // and the other appends, and the other way round.
        var a1 = (await store.AppendMessageAsync(NewMessage(group.Id, owner, "a1"), Ct)).Value;
        var a2 = (await second.AppendMessageAsync(NewMessage(group.Id, member, "a2"), Ct)).Value;
        await RecordAddAsync(second, group.Id, owner, late);
        var b1 = (await store.AppendMessageAsync(NewMessage(group.Id, owner, "b1"), Ct)).Value;
        var b2 = (await second.AppendMessageAsync(NewMessage(group.Id, late, "b2"), Ct)).Value;
        await RecordRemoveAsync(store, group.Id, member);
        var c1 = (await second.AppendMessageAsync(NewMessage(group.Id, late, "c1"), Ct)).Value;
        var c2 = (await store.AppendMessageAsync(NewMessage(group.Id, owner, "c2"), Ct)).Value;
        var c3 = (await store.AppendMessageAsync(NewMessage(group.Id, owner, "c3"), Ct)).Value;

        string[] first = [owner, member], added = [owner, member, late], removed = [owner, late];
        var expected = new Dictionary<string, string[]>
        {
            [a1.Id] = first, [a2.Id] = first, [b1.Id] = added, [b2.Id] = added, [c1.Id] = removed, [c2.Id] = removed, [c3.Id] = removed,
        };
        foreach (var reader in new[] { store, second })
        {
            var audiences = (await ReadFeedOfAsync(reader, start, 9, group.Id))
                .Select(e => e.Event)
                .OfType<MessageCreatedEvent>()
                .ToDictionary(e => e.Message.Id, e => e.ParticipantIds.Order(StringComparer.Ordinal).ToArray());
            Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), audiences.Keys.Order(StringComparer.Ordinal));
            Assert.All(expected, e => Assert.Equal(e.Value.Order(StringComparer.Ordinal), audiences[e.Key]));
        }

        // Each user's own feed: exactly the messages they received.
        Assert.Equal(
            [b1.Id, b2.Id, c1.Id, c2.Id, c3.Id],
            (await ReadUserEventsOfAsync(second, late, start, group.Id, limit: 2, expected: 7)).Where(e => e.Event is MessageCreatedEvent).Select(e => e.Id));
        Assert.Equal(
            [a1.Id, a2.Id, b1.Id, b2.Id],
            (await ReadUserEventsOfAsync(store, member, start, group.Id, limit: 2, expected: 6)).Where(e => e.Event is MessageCreatedEvent).Select(e => e.Id));
    }

    [Fact]
    public async Task PurgeEvents_EveryMessageOfARoomPurged_LaterMessagesOnBothInstancesKeepTheirAudience()
    {
        if (await AudienceRoomAsync() is not { } room)
        {
            return;
        }

        var (store, second, start, group, owner, member, late) = room;
        var longAgo = Now() - LongAgo;

        // Old messages at two memberships, on both instances; the purge then removes every event of the room.
        await store.AppendMessageAsync(NewMessage(group.Id, owner, "old 1", at: longAgo), Ct);
        await second.AppendMessageAsync(NewMessage(group.Id, owner, "old 2", at: longAgo), Ct);
        await RecordAddAsync(store, group.Id, owner, late);
        await store.AppendMessageAsync(NewMessage(group.Id, owner, "old 3", at: longAgo), Ct);
        await second.AppendMessageAsync(NewMessage(group.Id, owner, "old 4", at: longAgo), Ct);
        Assert.Equal(5, (await ReadFeedOfAsync(store, start, 5, group.Id)).Count);
        await PurgeAllAsync(store, Now() - TimeSpan.FromDays(300), []);
        var added = Assert.Single(await ReadFeedOfAsync(store, start, 1, group.Id));
        Assert.IsType<ParticipantsAddedEvent>(added.Event);

        // The room goes on at the same membership on both instances, then at a new one.
        var quiet1 = (await store.AppendMessageAsync(NewMessage(group.Id, owner, "after 1"), Ct)).Value;
        var quiet2 = (await second.AppendMessageAsync(NewMessage(group.Id, late, "after 2"), Ct)).Value;
        await RecordRemoveAsync(second, group.Id, member);
        var changed = (await store.AppendMessageAsync(NewMessage(group.Id, late, "after 3"), Ct)).Value;
        await PurgeAllAsync(second, Now() - TimeSpan.FromDays(300), []);

        foreach (var reader in new[] { store, second })
        {
            var messages = (await ReadFeedOfAsync(reader, start, 5, group.Id)).Select(e => e.Event).OfType<MessageCreatedEvent>().ToList();
            Assert.Equal([quiet1.Id, quiet2.Id, changed.Id], messages.Select(e => e.Message.Id));
            Assert.Equal(new[] { owner, member, late }.Order(StringComparer.Ordinal), messages[0].ParticipantIds.Order(StringComparer.Ordinal));
            Assert.Equal(new[] { owner, member, late }.Order(StringComparer.Ordinal), messages[1].ParticipantIds.Order(StringComparer.Ordinal));
            Assert.Equal(new[] { owner, late }.Order(StringComparer.Ordinal), messages[2].ParticipantIds.Order(StringComparer.Ordinal));
        }
    }

    /// <summary>
    /// Both instances, the feed's end, and a group of an owner and a member, with a user to add later; <see langword="null"/>
    /// for a store without an event log (see <see cref="FeedEndAsync"/>).
    /// </summary>
    private async Task<(IChatStore Store, IChatStore Second, string Start, Conversation Group, string Owner, string Member, string Late)?> AudienceRoomAsync()
    {
        var store = await CreateStoreAsync();
        var second = await CreateSecondStoreAsync();
        if (await FeedEndAsync(store) is not { } start)
        {
            return null;
        }

        var group = await CreateGroupAsync(store, memberCount: 1);
        return (store, second, start, group, group.Participants[0].UserId, group.Participants[1].UserId, NewUserId());
    }
}
