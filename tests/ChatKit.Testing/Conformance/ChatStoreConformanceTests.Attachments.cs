using ChatKit.Storage;

namespace ChatKit.Testing.Conformance;

// Attachments (v2): upload records, claims by one send (all or none, once), releases, the sweep's listing and its
// conditional delete, and the message's attachments kept by the append. Skipped by stores that keep no attachments.
public abstract partial class ChatStoreConformanceTests
{
    private static ChatAttachment NewAttachment(string conversationId, string uploaderId, DateTimeOffset? at = null) => new()
    {
        Id = "a_" + Guid.NewGuid().ToString("N"),
        ConversationId = conversationId,
        UploaderId = uploaderId,
        Name = "photo ü.png",
        ContentType = "image/png",
        Size = 1234,
        Width = 40,
        Height = 30,
        UploadedAt = at ?? Now(),
    };

    private async Task<IChatStore?> AttachmentStoreAsync()
    {
        var store = await CreateStoreAsync();
        Assert.SkipUnless(store.SupportsAttachments, "this store keeps no attachments");
        return store;
    }

    [Fact]
    public async Task CreateAttachment_FindReturnsItUnchanged()
    {
        var store = (await AttachmentStoreAsync())!;
        var group = await CreateGroupAsync(store);
        var attachment = NewAttachment(group.Id, group.Participants[1].UserId);

        await store.CreateAttachmentAsync(attachment, Ct);

        var found = await store.FindAttachmentAsync(attachment.Id, Ct);
        Assert.Equal(attachment, found);
        AssertTime(attachment.UploadedAt, found!.UploadedAt);
        Assert.Null(await store.FindAttachmentAsync("a_" + Guid.NewGuid().ToString("N"), Ct));
    }

    [Fact]
    public async Task ClaimAttachments_OwnUploads_MarksThemSent_AndARetryWithTheSameKeyClaimsAgain()
    {
        var store = (await AttachmentStoreAsync())!;
        var group = await CreateGroupAsync(store);
        var sender = group.Participants[1].UserId;
        var first = NewAttachment(group.Id, sender);
        var second = NewAttachment(group.Id, sender);
        await store.CreateAttachmentAsync(first, Ct);
        await store.CreateAttachmentAsync(second, Ct);

        var claimed = await store.ClaimAttachmentsAsync(group.Id, sender, [second.Id, first.Id], "key-1", Ct);
        var retried = await store.ClaimAttachmentsAsync(group.Id, sender, [second.Id, first.Id], "key-1", Ct);
        var other = await store.ClaimAttachmentsAsync(group.Id, sender, [first.Id], "key-2", Ct);

        Assert.Equal([second.Id, first.Id], claimed!.Select(a => a.Id));
        Assert.All(claimed!, a => Assert.Equal("key-1", a.SentKey));
        Assert.NotNull(retried);
        Assert.Null(other);
        Assert.Equal("key-1", (await store.FindAttachmentAsync(first.Id, Ct))!.SentKey);
    }

    [Fact]
    public async Task ClaimAttachments_AnyNotClaimable_ClaimsNone()
    {
        var store = (await AttachmentStoreAsync())!;
        var group = await CreateGroupAsync(store);
        var (sender, other) = (group.Participants[1].UserId, group.Participants[2].UserId);
        var own = NewAttachment(group.Id, sender);
        var someoneElses = NewAttachment(group.Id, other);
        var elsewhere = NewAttachment(NewConversationId(), sender);
        var otherGroup = await CreateGroupAsync(store);
        var inOtherGroup = NewAttachment(otherGroup.Id, sender);
        await store.CreateAttachmentAsync(own, Ct);
        await store.CreateAttachmentAsync(someoneElses, Ct);
        await store.CreateAttachmentAsync(inOtherGroup, Ct);

        Assert.Null(await store.ClaimAttachmentsAsync(group.Id, sender, [own.Id, someoneElses.Id], "k", Ct));
        Assert.Null(await store.ClaimAttachmentsAsync(group.Id, sender, [own.Id, inOtherGroup.Id], "k", Ct));
        Assert.Null(await store.ClaimAttachmentsAsync(group.Id, sender, [own.Id, elsewhere.Id], "k", Ct));

        Assert.Null((await store.FindAttachmentAsync(own.Id, Ct))!.SentKey);
        Assert.Null((await store.FindAttachmentAsync(someoneElses.Id, Ct))!.SentKey);
    }

    [Fact]
    public async Task ReleaseAttachments_OnlyThoseOfTheKey()
    {
        var store = (await AttachmentStoreAsync())!;
        var group = await CreateGroupAsync(store);
        var sender = group.Participants[1].UserId;
        var first = NewAttachment(group.Id, sender);
        var second = NewAttachment(group.Id, sender);
        await store.CreateAttachmentAsync(first, Ct);
        await store.CreateAttachmentAsync(second, Ct);
        await store.ClaimAttachmentsAsync(group.Id, sender, [first.Id], "a", Ct);
        await store.ClaimAttachmentsAsync(group.Id, sender, [second.Id], "b", Ct);

        await store.ReleaseAttachmentsAsync([first.Id, second.Id], "a", Ct);

        Assert.Null((await store.FindAttachmentAsync(first.Id, Ct))!.SentKey);
        Assert.Equal("b", (await store.FindAttachmentAsync(second.Id, Ct))!.SentKey);
    }

    [Fact]
    public async Task ListUnsentAttachments_OldUnsentOnly_AndDeleteUnsentSparesSentOnes()
    {
        var store = (await AttachmentStoreAsync())!;
        var group = await CreateGroupAsync(store);
        var sender = group.Participants[1].UserId;
        var cutoff = Now().AddDays(-300);
        var old = NewAttachment(group.Id, sender, cutoff.AddMinutes(-2));
        var oldSent = NewAttachment(group.Id, sender, cutoff.AddMinutes(-1));
        var recent = NewAttachment(group.Id, sender, cutoff.AddMinutes(1));
        foreach (var a in new[] { old, oldSent, recent })
        {
            await store.CreateAttachmentAsync(a, Ct);
        }

        await store.ClaimAttachmentsAsync(group.Id, sender, [oldSent.Id], "sent", Ct);

        var expired = await store.ListUnsentAttachmentsAsync(cutoff, 1000, Ct);
        Assert.Contains(expired, a => a.Id == old.Id);
        Assert.DoesNotContain(expired, a => a.Id == oldSent.Id || a.Id == recent.Id);

        Assert.True(await store.DeleteUnsentAttachmentAsync(old.Id, Ct));
        Assert.False(await store.DeleteUnsentAttachmentAsync(oldSent.Id, Ct));
        Assert.False(await store.DeleteUnsentAttachmentAsync(old.Id, Ct));
        Assert.Null(await store.FindAttachmentAsync(old.Id, Ct));
        Assert.NotNull(await store.FindAttachmentAsync(oldSent.Id, Ct));
    }

    [Fact]
    public async Task ClaimAttachments_ConcurrentSendsOfOneUpload_OneWins()
    {
        var store = (await AttachmentStoreAsync())!;
        var second = await CreateSecondStoreAsync();
        var group = await CreateGroupAsync(store);
        var sender = group.Participants[1].UserId;
        var uploads = Enumerable.Range(0, 10).Select(_ => NewAttachment(group.Id, sender)).ToList();
        foreach (var a in uploads)
        {
            await store.CreateAttachmentAsync(a, Ct);
        }

        var results = await Task.WhenAll(uploads.SelectMany(a => new[]
        {
            store.ClaimAttachmentsAsync(group.Id, sender, [a.Id], "left", Ct),
            second.ClaimAttachmentsAsync(group.Id, sender, [a.Id], "right", Ct),
        }));

        for (var i = 0; i < uploads.Count; i++)
        {
            var (left, right) = (results[2 * i], results[(2 * i) + 1]);
            Assert.True(left is null != (right is null), $"exactly one claim of upload {i} wins");
            Assert.Equal(left is null ? "right" : "left", (await store.FindAttachmentAsync(uploads[i].Id, Ct))!.SentKey);
        }
    }

    [Fact]
    public async Task AppendMessage_WithAttachments_KeepsThemInEveryRead()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);
        var attachments = new[]
        {
            new MessageAttachment("a_" + Guid.NewGuid().ToString("N"), "photo.png", "image/png", 1234, 800, 600),
            new MessageAttachment("a_" + Guid.NewGuid().ToString("N"), "notes ü.pdf", "application/pdf", 99, null, null),
        };

        var message = (await store.AppendMessageAsync(NewMessage(group.Id, group.Participants[1].UserId) with { Content = "", Attachments = attachments }, Ct)).Value;

        Assert.Equal(attachments, message.Attachments);
        AssertMessage(message, await store.FindMessageAsync(message.Id, Ct));
        AssertMessage(message, (await store.GetMessagesAsync(group.Id, null, null, 10, Ct)).Items[^1]);
        Assert.Equal(attachments, (await store.FindConversationViewAsync(group.Id, group.Participants[0].UserId, Ct))!.LastMessage!.Attachments);
    }
}
