namespace ChatKit.Testing.Conformance;

// Guarantees under concurrent calls, half of them through a second store instance (another node's view of the data).
public abstract partial class ChatStoreConformanceTests
{
    [Fact]
    public async Task AppendMessage_HundredInParallel_AssignsSeqOneToHundredWithoutGapsOrDuplicates()
    {
        var store = await CreateStoreAsync();
        var second = await CreateSecondStoreAsync();
        var group = await CreateGroupAsync(store, memberCount: 3);
        var at = Now();

        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => Task.Run(
            () => (i % 2 == 0 ? store : second).AppendMessageAsync(
                NewMessage(group.Id, group.Participants[i % group.Participants.Count].UserId, content: $"parallel {i}", at: at),
                Ct),
            Ct)));

        Assert.All(results, r => Assert.True(r.Created));
        Assert.Equal(Seqs(1, 100), results.Select(r => r.Value.Seq).Order());
        var page = await store.GetMessagesAsync(group.Id, null, 0, 100, Ct);
        AssertSeqs(Seqs(1, 100), page, hasMore: false);
        Assert.Equal(results.Select(r => r.Value.Id).Order(StringComparer.Ordinal), page.Items.Select(m => m.Id).Order(StringComparer.Ordinal));
        foreach (var item in page.Items)
        {
            AssertMessage(results.Single(r => r.Value.Id == item.Id).Value, item);
        }

        var conversation = await second.FindConversationAsync(group.Id, Ct);
        Assert.Equal(100, conversation!.LastSeq);
        AssertTime(at, conversation.LastActivityAt);
    }

    [Fact]
    public async Task AppendMessage_TwentyInParallelWithOneTempId_StoresOneMessage()
    {
        var store = await CreateStoreAsync();
        var second = await CreateSecondStoreAsync();
        var group = await CreateGroupAsync(store);
        var sender = group.Participants[1].UserId;
        var tempId = NewTempId();

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(
            () => (i % 2 == 0 ? store : second).AppendMessageAsync(NewMessage(group.Id, sender, content: $"attempt {i}", tempId: tempId), Ct),
            Ct)));

        Assert.Single(results, r => r.Created);
        var stored = results.Single(r => r.Created).Value;
        Assert.All(results, r => Assert.Equal(stored.Id, r.Value.Id));
        Assert.All(results, r => Assert.Equal(1, r.Value.Seq));
        Assert.All(results, r => Assert.Equal(stored.Content, r.Value.Content));
        var page = await store.GetMessagesAsync(group.Id, null, null, 100, Ct);
        Assert.Equal(stored.Id, Assert.Single(page.Items).Id);
        Assert.Equal(1, (await second.FindConversationAsync(group.Id, Ct))!.LastSeq);
    }

    [Fact]
    public async Task GetOrCreateDirect_TwentyInParallelForOnePair_CreatesOneConversation()
    {
        var store = await CreateStoreAsync();
        var second = await CreateSecondStoreAsync();
        var (alice, bob) = (NewUserId(), NewUserId());

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(
            () => (i % 2 == 0 ? store : second).GetOrCreateDirectConversationAsync(i % 4 < 2 ? NewDirect(alice, bob) : NewDirect(bob, alice), Ct),
            Ct)));

        Assert.Single(results, r => r.Created);
        var created = results.Single(r => r.Created).Value;
        Assert.All(results, r => Assert.Equal(created.Id, r.Value.Id));
        Assert.Equal(created.Id, Assert.Single(await store.ListConversationsAsync(alice, null, 10, Ct)).Conversation.Id);
        Assert.Equal(created.Id, Assert.Single(await second.ListConversationsAsync(bob, null, 10, Ct)).Conversation.Id);
    }

    [Fact]
    public async Task AdvanceReadPosition_FiftyInParallelWithShuffledSeqs_KeepsTheMaximum()
    {
        var store = await CreateStoreAsync();
        var second = await CreateSecondStoreAsync();
        var group = await CreateGroupAsync(store);
        await AppendManyAsync(store, group.Id, 50, group.Participants[0].UserId);
        var reader = group.Participants[1].UserId;
        var seqs = Enumerable.Range(1, 50).Select(i => (long)i).ToArray();
        Random.Shared.Shuffle(seqs);

        var results = await Task.WhenAll(seqs.Select((seq, i) => Task.Run(
            async () => (Seq: seq, After: await (i % 2 == 0 ? store : second).AdvanceReadPositionAsync(group.Id, reader, seq, Ct)),
            Ct)));

        Assert.All(results, r => Assert.True(r.After >= r.Seq, $"advancing to {r.Seq} returned {r.After}"));
        Assert.Equal(50, await store.GetReadPositionAsync(group.Id, reader, Ct));
        Assert.Equal(50, await second.GetReadPositionAsync(group.Id, reader, Ct));
        Assert.Equal(0, (await second.FindConversationViewAsync(group.Id, reader, Ct))!.UnreadCount);
    }

    [Fact]
    public async Task AppendAndAdvance_InParallel_NeverMoveAReadPositionBackward()
    {
        var store = await CreateStoreAsync();
        var second = await CreateSecondStoreAsync();
        var group = await CreateGroupAsync(store);
        var sender = group.Participants[1].UserId;
        await AppendManyAsync(store, group.Id, 10, group.Participants[0].UserId);

        // The sender's own appends (which move its position to 11..30) race with it marking old messages read.
        var appends = Enumerable.Range(0, 20).Select(i => Task.Run(
            async () => (await (i % 2 == 0 ? store : second).AppendMessageAsync(NewMessage(group.Id, sender), Ct)).Value.Seq,
            Ct));
        var advances = Enumerable.Range(1, 10).Select(seq => Task.Run(
            () => (seq % 2 == 0 ? store : second).AdvanceReadPositionAsync(group.Id, sender, seq, Ct),
            Ct));
        await Task.WhenAll(Task.WhenAll(appends), Task.WhenAll(advances));

        Assert.Equal(30, await store.GetReadPositionAsync(group.Id, sender, Ct));
    }

    [Fact]
    public async Task AddParticipants_TenInParallelOf998_NeverExceedTheLimit()
    {
        const int Limit = 1_000;
        var store = await CreateStoreAsync();
        var second = await CreateSecondStoreAsync();
        var group = NewGroup(NewUserId(), [NewUserId()]);
        await store.CreateConversationAsync(group, Ct);
        var batches = Enumerable.Range(0, 10)
            .Select(_ => (IReadOnlyList<Participant>)[.. Enumerable.Range(0, 998).Select(_ => new Participant(NewUserId(), ParticipantRole.Member, Now()))])
            .ToList();

        var results = await Task.WhenAll(batches.Select((batch, i) => Task.Run(
            () => (i % 2 == 0 ? store : second).AddParticipantsAsync(group.Id, batch, Limit, Ct),
            Ct)));

        // 2 + 998 = 1,000: exactly one batch fits, whichever came first; every other one adds nobody.
        var accepted = Assert.Single(results, r => !r.LimitExceeded);
        Assert.Equal(Limit, accepted.Conversation!.Participants.Count);
        Assert.All(results.Where(r => r.LimitExceeded), r => Assert.True(r.Conversation!.Participants.Count <= Limit));
        var stored = (await second.FindConversationAsync(group.Id, Ct))!;
        Assert.Equal(Limit, stored.Participants.Count);
        var winner = batches[Array.IndexOf(results, accepted)].Select(p => p.UserId).ToHashSet(StringComparer.Ordinal);
        Assert.All(stored.Participants.Skip(2), p => Assert.Contains(p.UserId, winner));
    }
}
