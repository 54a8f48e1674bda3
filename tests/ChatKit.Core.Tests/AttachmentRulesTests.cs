using ChatKit.Attachments;
using ChatKit.Internal;
using ChatKit.Core.Tests.Support;
using Microsoft.Extensions.Options;
using static ChatKit.Core.Tests.Support.ChatHarness;

namespace ChatKit.Core.Tests;

/// <summary>The upload rules of Core: media types, file names, the file-system store's keys, and the sweep.</summary>
public sealed class AttachmentRulesTests
{
    private static readonly string[] Allowed = ["image/png", "image/jpeg", "text/plain", "application/x-custom/*", "audio/*"];

    [Theory]
    [InlineData("text/plain; charset=utf-8", null, "text/plain")]
    [InlineData("TEXT/PLAIN", null, "text/plain")]
    [InlineData("application/octet-stream", "image/png", "image/png")]
    [InlineData("text/plain", "image/jpeg", "image/jpeg")]
    [InlineData("audio/ogg", null, "audio/ogg")]
    public void ResolveContentType_Allowed(string declared, string? detected, string expected) =>
        Assert.Equal(expected, AttachmentRules.ResolveContentType(declared, detected, Allowed));

    [Theory]
    [InlineData("text/html", null)]
    [InlineData("image/svg+xml", null)]
    [InlineData("image/png", null)] // declared PNG whose bytes are no image
    [InlineData("image/jpeg", null)]
    [InlineData("not a type", null)]
    [InlineData(null, null)]
    [InlineData("text/plain", "image/gif")] // a GIF is not allowed here, whatever it was declared as
    public void ResolveContentType_Refused_IsUnsupportedMediaType(string? declared, string? detected)
    {
        var error = Assert.Throws<ChatException>(() => AttachmentRules.ResolveContentType(declared, detected, Allowed));
        Assert.Equal(ChatErrorCode.UnsupportedMediaType, error.Error);
    }

    [Theory]
    [InlineData("photo.png", "photo.png")]
    [InlineData("../../etc/passwd", "passwd")]
    [InlineData("C:\\Users\\me\\report.pdf", "report.pdf")]
    [InlineData("a\u0000b\u202Ec\"d<e>f|g?h*i:j.txt", "abcdefghij.txt")]
    [InlineData("  ..hidden.. ", "hidden")]
    [InlineData("", "file.png")]
    [InlineData(null, "file.png")]
    [InlineData("\u0007", "file.png")]
    [InlineData("日本語のファイル.png", "日本語のファイル.png")]
    public void SanitizeFileName(string? name, string expected) =>
        Assert.Equal(expected, AttachmentRules.SanitizeFileName(name, "image/png", 255));

    [Fact]
    public void SanitizeFileName_TooLong_KeepsTheExtension()
    {
        var name = AttachmentRules.SanitizeFileName(new string('x', 300) + ".jpeg", "image/jpeg", 32);

        Assert.Equal(32, name.Length);
        Assert.EndsWith(".jpeg", name, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData("")]
    [InlineData("a.b")]
    public async Task FileSystemStore_RefusesKeysThatAreNotPlainNames(string key)
    {
        var store = new FileSystemAttachmentBlobStore(Options.Create(new ChatKitAttachmentOptions { FileSystemPath = Path.GetTempPath() }));

        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.PutAsync(key, new MemoryStream([1]), "text/plain", Ct));
    }

    [Fact]
    public async Task Sweep_DeletesOnlyUnsentUploadsOlderThanTheirLifetime()
    {
        await using var chat = new ChatHarness();
        var id = (await chat.CreateDirectAsync(Alice, Bob)).Conversation.Id;
        var old = await chat.Attachments.UploadAsync(Alice, id, "old.txt", "text/plain", new MemoryStream("old"u8.ToArray()), Ct);
        var sent = await chat.Attachments.UploadAsync(Alice, id, "sent.txt", "text/plain", new MemoryStream("sent"u8.ToArray()), Ct);
        await chat.Chat.SendMessageAsync(Alice, new SendMessageRequest { ConversationId = id, Content = "", AttachmentIds = [sent.Id] }, Ct);
        chat.Time.Advance(TimeSpan.FromHours(23));
        var recent = await chat.Attachments.UploadAsync(Alice, id, "recent.txt", "text/plain", new MemoryStream("recent"u8.ToArray()), Ct);
        chat.Time.Advance(TimeSpan.FromHours(2));

        Assert.Equal(1, await chat.Attachments.SweepExpiredAsync(Ct));

        Assert.Null(await chat.Store.FindAttachmentAsync(old.Id, Ct));
        Assert.Null(await chat.Attachments.OpenReadAsync(old, Ct));
        Assert.NotNull(await chat.Store.FindAttachmentAsync(sent.Id, Ct));
        Assert.NotNull(await chat.Store.FindAttachmentAsync(recent.Id, Ct));
        await using var bytes = await chat.Attachments.OpenReadAsync(sent, Ct);
        Assert.NotNull(bytes);
    }
}
