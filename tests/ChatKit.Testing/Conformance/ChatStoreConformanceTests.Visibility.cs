using ChatKit.Storage;

namespace ChatKit.Testing.Conformance;

// What a reader that follows after= sees while writers append: every seq once, in order, and never a seq whose
// predecessor shows up later (a client that has seen N+1 asks after=N+1 next and would never get N).
public abstract partial class ChatStoreConformanceTests
{
    /// <summary>
    /// The seam to fail an append between its steps, for stores whose append has steps; <see langword="null"/> (the
    /// default) for stores that append in one atomic operation.
    /// </summary>
    protected virtual IAppendStepFaults? AppendStepFaults => null;

    [Fact]
    public async Task GetMessagesAfter_FollowedInALoopWhileFourWritersAppend_SeesEverySeqExactlyOnceInOrder()
    {
        var store = await CreateStoreAsync();
        var second = await CreateSecondStoreAsync();
        var group = await CreateGroupAsync(store, memberCount: 3);
        const int writers = 4;
        const int perWriter = 40;

        var writes = Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(
            async () =>
            {
                var writerStore = w % 2 == 0 ? store : second;
                var sender = group.Participants[w % group.Participants.Count].UserId;
                for (var i = 0; i < perWriter; i++)
                {
                    await writerStore.AppendMessageAsync(NewMessage(group.Id, sender, content: $"w{w} #{i}", tempId: i % 2 == 0 ? NewTempId() : null), Ct);
                }
            },
            Ct)));

        var seen = await FollowAsync(second, group.Id, writes, expected: writers * perWriter);

        Assert.Equal(Seqs(1, writers * perWriter), seen);
    }

    [Fact]
    public async Task AppendMessage_AfterAnAppendFailedBetweenItsSteps_LeavesNoGapVisibleAndIsNotBlocked()
    {
        var store = await CreateStoreAsync();
        var second = await CreateSecondStoreAsync();
        var group = await CreateGroupAsync(store, memberCount: 2);
        var sender = group.Participants[1].UserId;
        var first = await store.AppendMessageAsync(NewMessage(group.Id, sender, content: "before"), Ct);

        // A store with steps: the failed append took the next seq and never stored its message. A store that appends in
        // one atomic step can only fail whole: an append cancelled before it ran must throw and take nothing. Then two
        // writers go on, one per instance, while a reader follows after=.
        var stepped = AppendStepFaults;
        if (stepped is not null)
        {
            await stepped.AbandonAppendAfterFirstStepAsync(group.Id, Ct);
        }
        else
        {
            using var cancelled = new CancellationTokenSource();
            await cancelled.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(
                () => store.AppendMessageAsync(NewMessage(group.Id, sender, content: "never stored"), cancelled.Token));
        }

        var writes = Task.WhenAll(
            Task.Run(() => store.AppendMessageAsync(NewMessage(group.Id, sender, content: "after 1", tempId: NewTempId()), Ct), Ct),
            Task.Run(() => second.AppendMessageAsync(NewMessage(group.Id, group.Participants[0].UserId, content: "after 2"), Ct), Ct));
        var seen = await FollowAsync(second, group.Id, writes, expected: 3);
        var appended = await writes;

        // Every acknowledged message is readable, the reader saw each once, in seq order, and nothing appeared behind it.
        var all = await store.GetMessagesAsync(group.Id, null, 0, 100, Ct);
        Assert.Equal(all.Items.Select(m => m.Seq), seen);
        Assert.Equal(
            new[] { first.Value.Id }.Concat(appended.Select(a => a.Value.Id)).Order(StringComparer.Ordinal),
            all.Items.Select(m => m.Id).Order(StringComparer.Ordinal));
        Assert.Equal(1, seen[0]);
        if (stepped is not null)
        {
            Assert.All(appended, a => Assert.True(a.Value.Seq > 2, "an append reused the seq the failed one took"));
        }
        else
        {
            Assert.Equal([2L, 3L], appended.Select(a => a.Value.Seq).Order());
        }

        var conversation = await second.FindConversationAsync(group.Id, Ct);
        Assert.True(conversation!.LastSeq >= appended.Max(a => a.Value.Seq), "the conversation's last seq is behind an acknowledged message");
    }

    /// <summary>
    /// Reads <c>after=</c> in a loop, 7 at a time, until <paramref name="writes"/> is done and <paramref name="expected"/>
    /// messages were read; asserts along the way that no page overlaps or goes back behind what was read.
    /// </summary>
    private static async Task<List<long>> FollowAsync(IChatStore reader, string conversationId, Task writes, int expected)
    {
        var seen = new List<long>();
        var after = 0L;
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            var writesDone = writes.IsCompleted;
            var page = await reader.GetMessagesAsync(conversationId, null, after, 7, Ct);
            foreach (var message in page.Items)
            {
                Assert.True(message.Seq > after, $"after={after} returned seq {message.Seq}");
                after = message.Seq;
                seen.Add(message.Seq);
            }

            if (writesDone && page.Items.Count == 0)
            {
                await writes; // surfaces a writer's failure
                Assert.Equal(expected, seen.Count);
                return seen;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the reader is stuck after seq {after}");
            if (page.Items.Count == 0)
            {
                await Task.Delay(2, Ct); // poll, as a client would
            }
        }
    }
}
