using ChatKit.Storage;

namespace ChatKit.Testing.Conformance;

// v2: metadata, system messages, delivery positions, renames, roles and ownership.
public abstract partial class ChatStoreConformanceTests
{
    private const string SampleMetadata = "{\"topic\":\"launch\",\"n\":3,\"tags\":[\"a\",\"b\"],\"nested\":{\"ok\":true}}";

    private static ChatMessage NewSystemMessage(string conversationId, string actorId, SystemMessageInfo info) =>
        NewMessage(conversationId, actorId, content: "Name of " + actorId + " did something") with { Type = MessageType.System, System = info };

    [Fact]
    public async Task Metadata_OfConversationAndMessage_RoundTrips()
    {
        var store = await CreateStoreAsync();
        var group = NewGroup(NewUserId(), [NewUserId()]) with { Metadata = SampleMetadata };
        await store.CreateConversationAsync(group, Ct);
        var direct = NewDirect(NewUserId(), NewUserId()) with { Metadata = "{\"x\":1}" };
        await store.GetOrCreateDirectConversationAsync(direct, Ct);
        var message = NewMessage(group.Id, group.Participants[1].UserId) with { Metadata = "{\"k\":\"v\"}" };
        var stored = (await store.AppendMessageAsync(message, Ct)).Value;

        Assert.Equal(SampleMetadata, (await store.FindConversationAsync(group.Id, Ct))!.Metadata);
        Assert.Equal("{\"x\":1}", (await store.FindConversationAsync(direct.Id, Ct))!.Metadata);
        Assert.Equal("{\"k\":\"v\"}", stored.Metadata);
        AssertMessage(stored, await store.FindMessageAsync(message.Id, Ct));
        AssertMessage(stored, Assert.Single((await store.GetMessagesAsync(group.Id, null, null, 10, Ct)).Items));
        Assert.Null((await store.FindConversationAsync((await CreateGroupAsync(store)).Id, Ct))!.Metadata);
    }

    [Fact]
    public async Task SystemMessage_TakesTheNextSeq_RoundTrips_AndIsNeverUnread()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store, memberCount: 2);
        var (owner, reader) = (group.Participants[0].UserId, group.Participants[2].UserId);
        await AppendManyAsync(store, group.Id, 2, owner);
        var info = new SystemMessageInfo(SystemEventKind.ParticipantsAdded, owner, [reader, "someone"]);
        var notice = (await store.AppendMessageAsync(NewSystemMessage(group.Id, owner, info), Ct)).Value;
        var rename = new SystemMessageInfo(SystemEventKind.ConversationRenamed, owner, [], "New name");
        var role = new SystemMessageInfo(SystemEventKind.RoleChanged, owner, [reader], null, ParticipantRole.Admin);
        await store.AppendMessageAsync(NewSystemMessage(group.Id, owner, rename), Ct);
        var last = (await store.AppendMessageAsync(NewSystemMessage(group.Id, owner, role), Ct)).Value;

        Assert.Equal(3, notice.Seq);
        Assert.Equal(5, last.Seq);
        Assert.Equal(MessageType.System, notice.Type);
        AssertMessage(notice, await store.FindMessageAsync(notice.Id, Ct));
        var page = await store.GetMessagesAsync(group.Id, null, null, 10, Ct);
        Assert.Equal([info, rename, role], page.Items.Skip(2).Select(m => m.System));
        Assert.All(page.Items.Take(2), m => Assert.Null(m.System));

        // The newest message is the system one; only the two text messages count as unread.
        var view = await store.FindConversationViewAsync(group.Id, reader, Ct);
        Assert.Equal(last.Id, view!.LastMessage!.Id);
        Assert.Equal(2, view.UnreadCount);
        var listed = Assert.Single(await store.ListConversationsAsync(reader, null, 10, Ct), v => v.Conversation.Id == group.Id);
        Assert.Equal(2, listed.UnreadCount);
    }

    [Fact]
    public async Task UpdateConversation_ChangesOnlyWhatIsGiven()
    {
        var store = await CreateStoreAsync();
        var group = NewGroup(NewUserId(), [NewUserId()]) with { Metadata = "{\"a\":1}" };
        await store.CreateConversationAsync(group, Ct);

        var renamed = await store.UpdateConversationAsync(group.Id, new ConversationChange("Renamed", false, null), Ct);
        Assert.Equal("Renamed", renamed!.Name);
        Assert.Equal("{\"a\":1}", renamed.Metadata);

        var changed = await store.UpdateConversationAsync(group.Id, new ConversationChange(null, true, "{\"b\":2}"), Ct);
        Assert.Equal("Renamed", changed!.Name);
        Assert.Equal("{\"b\":2}", changed.Metadata);

        await store.UpdateConversationAsync(group.Id, new ConversationChange(null, true, null), Ct);
        var found = await store.FindConversationAsync(group.Id, Ct);
        Assert.Equal("Renamed", found!.Name);
        Assert.Null(found.Metadata);
        AssertParticipants(group.Participants, found.Participants);
        Assert.Null(await store.UpdateConversationAsync(NewConversationId(), new ConversationChange("x", false, null), Ct));
    }

    [Fact]
    public async Task DeliveryPosition_MovesOnlyForward_AndReadingImpliesDelivery()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store, memberCount: 2);
        var (owner, first, second) = (group.Participants[0].UserId, group.Participants[1].UserId, group.Participants[2].UserId);
        await AppendManyAsync(store, group.Id, 6, owner);

        Assert.Equal(3, await store.AdvanceDeliveryPositionAsync(group.Id, first, 3, Ct));
        Assert.Null(await store.AdvanceDeliveryPositionAsync(group.Id, first, 3, Ct));
        Assert.Null(await store.AdvanceDeliveryPositionAsync(group.Id, first, 2, Ct));
        Assert.Equal(5, await store.AdvanceDeliveryPositionAsync(group.Id, first, 5, Ct));

        // Read up to 4: delivery is at least 4, so delivering 4 moves nothing, 6 moves it.
        await store.AdvanceReadPositionAsync(group.Id, second, 4, Ct);
        Assert.Null(await store.AdvanceDeliveryPositionAsync(group.Id, second, 4, Ct));
        Assert.Equal(6, await store.AdvanceDeliveryPositionAsync(group.Id, second, 6, Ct));

        var positions = (await store.GetReceiptPositionsAsync([group.Id], Ct)).ToDictionary(p => p.UserId);
        Assert.Equal(new ReceiptPosition(group.Id, owner, 6, 6), positions[owner]);
        Assert.Equal(new ReceiptPosition(group.Id, first, 0, 5), positions[first]);
        Assert.Equal(new ReceiptPosition(group.Id, second, 4, 6), positions[second]);

        // Reading beyond the delivery position shows as delivered too.
        await store.AdvanceReadPositionAsync(group.Id, first, 6, Ct);
        Assert.Equal(new ReceiptPosition(group.Id, first, 6, 6), Assert.Single(await store.GetReceiptPositionsAsync([group.Id], Ct), p => p.UserId == first));
        Assert.Null(await store.AdvanceDeliveryPositionAsync(group.Id, first, 6, Ct));
    }

    [Fact]
    public async Task ReceiptPositions_OfSeveralConversations_ComeInOneCall()
    {
        var store = await CreateStoreAsync();
        var a = await CreateGroupAsync(store);
        var b = await CreateGroupAsync(store);
        var c = await CreateGroupAsync(store);
        await AppendManyAsync(store, a.Id, 2, a.Participants[0].UserId);
        await AppendManyAsync(store, b.Id, 3, b.Participants[1].UserId);
        await store.AdvanceDeliveryPositionAsync(b.Id, b.Participants[2].UserId, 2, Ct);

        var positions = await store.GetReceiptPositionsAsync([a.Id, b.Id, c.Id, NewConversationId()], Ct);
        Assert.Equal(
            new[] { (a.Id, a.Participants[0].UserId, 2L, 2L), (b.Id, b.Participants[1].UserId, 3L, 3L), (b.Id, b.Participants[2].UserId, 0L, 2L) }.Order().ToList(),
            positions.Select(p => (p.ConversationId, p.UserId, p.LastReadSeq, p.LastDeliveredSeq)).Order().ToList());
        Assert.Empty(await store.GetReceiptPositionsAsync([], Ct));
    }

    [Fact]
    public async Task ConcurrentDeliveryAndReadAdvances_KeepTheMaximum()
    {
        var first = await CreateStoreAsync();
        var second = await CreateSecondStoreAsync();
        var group = await CreateGroupAsync(first, memberCount: 1);
        var (owner, member) = (group.Participants[0].UserId, group.Participants[1].UserId);
        await AppendManyAsync(first, group.Id, 40, owner);

        var seqs = Enumerable.Range(1, 40).OrderBy(_ => Random.Shared.Next()).ToList();
        var moves = await Task.WhenAll(seqs.Select((seq, i) => Task.Run(async () =>
        {
            var store = i % 2 == 0 ? first : second;
            if (i % 3 == 0)
            {
                await store.AdvanceReadPositionAsync(group.Id, member, seq / 2, Ct);
            }

            return await store.AdvanceDeliveryPositionAsync(group.Id, member, seq, Ct);
        })));

        var position = Assert.Single(await first.GetReceiptPositionsAsync([group.Id], Ct), p => p.UserId == member);
        Assert.Equal(40, position.LastDeliveredSeq);
        Assert.True(position.LastReadSeq is > 0 and <= 20);

        // Every reported move is distinct: two calls never both claim to have moved the position to the same seq.
        var moved = moves.OfType<long>().ToList();
        Assert.Contains(40L, moved);
        Assert.Equal(moved.Count, moved.Distinct().Count());
        Assert.Null(await second.AdvanceDeliveryPositionAsync(group.Id, member, 40, Ct));
    }

    [Fact]
    public async Task ChangeRole_ByTheOwner_PromotesDemotesAndTransfers()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store, memberCount: 2);
        var (owner, first, second) = (group.Participants[0].UserId, group.Participants[1].UserId, group.Participants[2].UserId);

        var promoted = await store.ChangeRoleAsync(group.Id, owner, first, ParticipantRole.Admin, Ct);
        Assert.Equal(RoleChangeOutcome.Changed, promoted.Outcome);
        Assert.Equal(ParticipantRole.Admin, promoted.Conversation!.FindParticipant(first)!.Role);
        Assert.Equal(RoleChangeOutcome.Unchanged, (await store.ChangeRoleAsync(group.Id, owner, first, ParticipantRole.Admin, Ct)).Outcome);

        // Only the owner may: an admin's attempt changes nothing.
        Assert.Equal(RoleChangeOutcome.NotOwner, (await store.ChangeRoleAsync(group.Id, first, second, ParticipantRole.Admin, Ct)).Outcome);
        Assert.Equal(RoleChangeOutcome.TargetNotFound, (await store.ChangeRoleAsync(group.Id, owner, NewUserId(), ParticipantRole.Admin, Ct)).Outcome);
        Assert.Equal(RoleChangeOutcome.NotFound, (await store.ChangeRoleAsync(group.Id, NewUserId(), first, ParticipantRole.Admin, Ct)).Outcome);
        Assert.Equal(RoleChangeOutcome.NotFound, (await store.ChangeRoleAsync(NewConversationId(), owner, first, ParticipantRole.Admin, Ct)).Outcome);

        var transferred = await store.ChangeRoleAsync(group.Id, owner, second, ParticipantRole.Owner, Ct);
        Assert.Equal(RoleChangeOutcome.Changed, transferred.Outcome);
        var found = await store.FindConversationAsync(group.Id, Ct);
        Assert.Equal(
            [(owner, ParticipantRole.Admin), (first, ParticipantRole.Admin), (second, ParticipantRole.Owner)],
            found!.Participants.Select(p => (p.UserId, p.Role)));
        AssertParticipants(transferred.Conversation!.Participants, found.Participants);
        Assert.Equal(RoleChangeOutcome.NotOwner, (await store.ChangeRoleAsync(group.Id, owner, first, ParticipantRole.Member, Ct)).Outcome);

        var demoted = await store.ChangeRoleAsync(group.Id, second, first, ParticipantRole.Member, Ct);
        Assert.Equal(ParticipantRole.Member, demoted.Conversation!.FindParticipant(first)!.Role);
        Assert.Equal(ParticipantRole.Member, (await store.FindConversationAsync(group.Id, Ct))!.FindParticipant(first)!.Role);
    }

    [Fact]
    public async Task RemovePassingOwnership_GivesTheGroupToTheFirstAdmin_OrElseTheFirstMember()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store, memberCount: 3);
        var ids = group.Participants.Select(p => p.UserId).ToList();
        await store.ChangeRoleAsync(group.Id, ids[0], ids[3], ParticipantRole.Admin, Ct);

        // A member leaving passes nothing on.
        var afterMember = await store.RemoveParticipantPassingOwnershipAsync(group.Id, ids[1], Ct);
        Assert.Equal([ids[0]], afterMember!.Participants.Where(p => p.Role == ParticipantRole.Owner).Select(p => p.UserId));

        // The owner leaving: the admin who joined first, before earlier members.
        var afterOwner = await store.RemoveParticipantPassingOwnershipAsync(group.Id, ids[0], Ct);
        Assert.Equal([(ids[2], ParticipantRole.Member), (ids[3], ParticipantRole.Owner)], afterOwner!.Participants.Select(p => (p.UserId, p.Role)));
        AssertParticipants(afterOwner.Participants, (await store.FindConversationAsync(group.Id, Ct))!.Participants);

        // With no admin left, the member who joined first.
        var last = await store.RemoveParticipantPassingOwnershipAsync(group.Id, ids[3], Ct);
        Assert.Equal([(ids[2], ParticipantRole.Owner)], last!.Participants.Select(p => (p.UserId, p.Role)));
        Assert.Equal([(ids[2], ParticipantRole.Owner)], (await store.RemoveParticipantPassingOwnershipAsync(group.Id, NewUserId(), Ct))!.Participants.Select(p => (p.UserId, p.Role)));
        Assert.Null(await store.RemoveParticipantPassingOwnershipAsync(NewConversationId(), ids[2], Ct));
    }

    [Fact]
    public async Task OwnershipTransfer_RacingTheOwnerLeaving_LeavesExactlyOneOwner()
    {
        var first = await CreateStoreAsync();
        var second = await CreateSecondStoreAsync();
        for (var round = 0; round < 12; round++)
        {
            var group = await CreateGroupAsync(first, memberCount: 3);
            var ids = group.Participants.Select(p => p.UserId).ToList();
            var (transferStore, leaveStore) = round % 2 == 0 ? (first, second) : (second, first);
            var transfer = Task.Run(() => transferStore.ChangeRoleAsync(group.Id, ids[0], ids[3], ParticipantRole.Owner, Ct));
            var promote = Task.Run(() => leaveStore.ChangeRoleAsync(group.Id, ids[0], ids[2], ParticipantRole.Admin, Ct));
            var leave = Task.Run(() => leaveStore.RemoveParticipantPassingOwnershipAsync(group.Id, ids[0], Ct));
            await Task.WhenAll(transfer, promote, leave);

            var found = await first.FindConversationAsync(group.Id, Ct);
            Assert.DoesNotContain(found!.Participants, p => p.UserId == ids[0]);
            Assert.Single(found.Participants, p => p.Role == ParticipantRole.Owner);
            if ((await transfer).Outcome == RoleChangeOutcome.Changed)
            {
                // The transfer came first: the leaver was an admin by then, and ownership stayed with the new owner.
                Assert.Equal(ParticipantRole.Owner, found.FindParticipant(ids[3])!.Role);
            }
        }
    }

    [Fact]
    public async Task SystemMessages_InterleavedWithConcurrentSends_KeepSeqGapless()
    {
        var first = await CreateStoreAsync();
        var second = await CreateSecondStoreAsync();
        var group = await CreateGroupAsync(first, memberCount: 2);
        var ids = group.Participants.Select(p => p.UserId).ToList();
        const int Count = 60;
        var results = await Task.WhenAll(Enumerable.Range(0, Count).Select(i => Task.Run(async () =>
        {
            var store = i % 2 == 0 ? first : second;
            var message = i % 3 == 0
                ? NewSystemMessage(group.Id, ids[0], new SystemMessageInfo(SystemEventKind.ConversationRenamed, ids[0], [], "Name " + i))
                : NewMessage(group.Id, ids[i % ids.Count]);
            return (await store.AppendMessageAsync(message, Ct)).Value;
        })));

        Assert.Equal(Seqs(1, Count), results.Select(m => m.Seq).Order());
        var page = await first.GetMessagesAsync(group.Id, null, 0, 100, Ct);
        AssertSeqs(Seqs(1, Count), page, hasMore: false);
        Assert.Equal(Count / 3, page.Items.Count(m => m.Type == MessageType.System && m.System is not null));
        Assert.Equal(Count, (await first.FindConversationAsync(group.Id, Ct))!.LastSeq);
    }
}
