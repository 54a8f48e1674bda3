using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ChatKit.AspNetCore.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ChatKit.AspNetCore.Tests;

/// <summary>A host whose attachments go to a temp folder, with small limits and a clock the tests move.</summary>
public sealed class AttachmentHost : ChatHost
{
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public string Folder { get; } = Directory.CreateTempSubdirectory("chatkit-attachments-").FullName;

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton<TimeProvider>(Clock);
        services.Configure<ChatKitAttachmentOptions>(o =>
        {
            o.MaxSize = 64 * 1024;
            o.FileSystemPath = Folder;
            o.UnsentLifetime = TimeSpan.FromMinutes(1);
            o.SweepInterval = TimeSpan.FromMinutes(1);
            o.MaxAttachmentsPerMessage = 3;
        });
        services.Configure<ChatKitServerOptions>(o => o.AttachmentUrlLifetime = TimeSpan.FromMinutes(10));
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(Folder, recursive: true);
    }
}

/// <summary>Issue 16 section 2 through the real host: upload, send, download by bearer and by signed link, limits, the sweep.</summary>
public sealed class AttachmentTests(AttachmentHost host) : IClassFixture<AttachmentHost>
{
    public static byte[] Png(int width, int height)
    {
        using var image = new Image<Rgba32>(width, height, new Rgba32(200, 30, 30));
        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        return stream.ToArray();
    }

    internal static async Task<(HttpResponseMessage Response, JsonElement Body)> UploadAsync(HttpClient http, string conversationId, byte[] bytes, string contentType, string fileName)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        // The name as RFC 5987 filename*, so any name a browser could send reaches the server unchanged.
        file.Headers.TryAddWithoutValidation("Content-Disposition", "form-data; name=\"file\"; filename*=UTF-8''" + Uri.EscapeDataString(fileName));
        form.Add(file);
        return await http.PostJsonAsync($"/chats/conversations/{conversationId}/attachments", form);
    }

    [Fact]
    public async Task UploadedImage_SentWithEmptyContent_ReachesTheOtherParticipant_AndItsSignedUrlWorksWithoutToken()
    {
        var (alice, bob) = (ChatHost.NewUser("alice"), ChatHost.NewUser("bob"));
        var id = await host.DirectAsync(alice, bob);
        await using var aliceConnection = await host.ConnectAsync(alice);
        await using var bobConnection = await host.ConnectAsync(bob);
        using var aliceHttp = host.Http(alice);
        var png = Png(40, 30);

        var (uploaded, attachment) = await UploadAsync(aliceHttp, id, png, "image/png", "holiday.png");

        Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);
        Assert.StartsWith("a_", attachment.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("holiday.png", attachment.GetProperty("name").GetString());
        Assert.Equal("image/png", attachment.GetProperty("contentType").GetString());
        Assert.Equal(png.Length, attachment.GetProperty("size").GetInt64());
        Assert.Equal(40, attachment.GetProperty("width").GetInt32());
        Assert.Equal(30, attachment.GetProperty("height").GetInt32());

        var attachmentId = attachment.GetProperty("id").GetString()!;
        var ack = await aliceConnection.InvokeAsync("sendMessage", new { conversationId = id, content = "", attachmentIds = new[] { attachmentId } });
        var received = await bobConnection.WaitForAsync("newMessage");

        var sent = received.Payload.GetProperty("message");
        Assert.Equal("", sent.GetProperty("content").GetString());
        Assert.Equal(attachmentId, sent.GetProperty("attachments")[0].GetProperty("id").GetString());
        Assert.Equal(40, sent.GetProperty("attachments")[0].GetProperty("width").GetInt32());
        Assert.Equal(attachmentId, ack.GetProperty("message").GetProperty("attachments")[0].GetProperty("id").GetString());
        using var bobHttp = host.Http(bob);
        var (_, page) = await bobHttp.GetJsonAsync($"/chats/conversations/{id}/messages");
        Assert.Equal(attachmentId, page.GetProperty("items")[0].GetProperty("attachments")[0].GetProperty("id").GetString());

        using var anonymous = host.Http();
        using var download = await anonymous.GetAsync(sent.GetProperty("attachments")[0].GetProperty("url").GetString());
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(png, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal("image/png", download.Content.Headers.ContentType!.MediaType);
        Assert.Equal("nosniff", download.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("inline", download.Content.Headers.ContentDisposition!.DispositionType);

        using var byBearer = await bobHttp.GetAsync($"/chats/attachments/{attachmentId}");
        Assert.Equal(HttpStatusCode.OK, byBearer.StatusCode);
        Assert.Equal(png, await byBearer.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Outsiders_CannotUploadOrDownload_AndOthersCannotSeeAnUnsentUpload()
    {
        var (alice, bob, outsider) = (ChatHost.NewUser("alice"), ChatHost.NewUser("bob"), ChatHost.NewUser("outsider"));
        var id = await host.GroupAsync(alice, bob);
        using var aliceHttp = host.Http(alice);
        using var bobHttp = host.Http(bob);
        using var outsiderHttp = host.Http(outsider);
        var (_, attachment) = await UploadAsync(aliceHttp, id, Png(4, 4), "image/png", "a.png");
        var attachmentId = attachment.GetProperty("id").GetString()!;

        var (refusedUpload, problem) = await UploadAsync(outsiderHttp, id, Png(4, 4), "image/png", "b.png");
        var (unsentForBob, _) = await bobHttp.GetJsonAsync($"/chats/attachments/{attachmentId}");
        var (forOutsider, _) = await outsiderHttp.GetJsonAsync($"/chats/attachments/{attachmentId}");
        using var anonymous = host.Http();
        using var noToken = await anonymous.GetAsync($"/chats/attachments/{attachmentId}");

        Assert.Equal(HttpStatusCode.NotFound, refusedUpload.StatusCode);
        Assert.Equal("not_found", problem.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, unsentForBob.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, forOutsider.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);

        await using var aliceConnection = await host.ConnectAsync(alice);
        await aliceConnection.InvokeAsync("sendMessage", new { conversationId = id, content = "look", attachmentIds = new[] { attachmentId } });
        using var sentForBob = await bobHttp.GetAsync($"/chats/attachments/{attachmentId}");
        using var sentForOutsider = await outsiderHttp.GetAsync($"/chats/attachments/{attachmentId}");
        Assert.Equal(HttpStatusCode.OK, sentForBob.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, sentForOutsider.StatusCode);
    }

    [Fact]
    public async Task Limits_TooLargeIs413_DisallowedOrFakeTypeIs415()
    {
        var (alice, bob) = (ChatHost.NewUser("alice"), ChatHost.NewUser("bob"));
        var id = await host.DirectAsync(alice, bob);
        using var http = host.Http(alice);

        var (tooLarge, tooLargeProblem) = await UploadAsync(http, id, new byte[(64 * 1024) + 1], "application/pdf", "big.pdf");
        var (html, htmlProblem) = await UploadAsync(http, id, Encoding.UTF8.GetBytes("<script>alert(1)</script>"), "text/html", "x.html");
        var (svg, _) = await UploadAsync(http, id, Encoding.UTF8.GetBytes("<svg xmlns='http://www.w3.org/2000/svg'/>"), "image/svg+xml", "x.svg");
        var (fakePng, _) = await UploadAsync(http, id, Encoding.UTF8.GetBytes("<html>not a png</html>"), "image/png", "x.png");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Equal("payload_too_large", tooLargeProblem.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, html.StatusCode);
        Assert.Equal("unsupported_media_type", htmlProblem.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, svg.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, fakePng.StatusCode);
        Assert.DoesNotContain(Directory.GetFiles(host.Folder), f => new FileInfo(f).Length > 64 * 1024);
    }

    [Fact]
    public async Task NonImage_IsServedAsAnAttachment_WithASanitisedName()
    {
        var (alice, bob) = (ChatHost.NewUser("alice"), ChatHost.NewUser("bob"));
        var id = await host.DirectAsync(alice, bob);
        using var http = host.Http(alice);

        var (_, attachment) = await UploadAsync(http, id, Encoding.UTF8.GetBytes("<html><script>alert(1)</script></html>"), "text/plain", "../../évil\u0007\"name.txt");
        using var download = await http.GetAsync($"/chats/attachments/{attachment.GetProperty("id").GetString()}");

        Assert.Equal("évil\"name.txt".Replace("\"", "", StringComparison.Ordinal), attachment.GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("text/plain", download.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("évilname.txt", download.Content.Headers.ContentDisposition.FileNameStar);
        Assert.Equal("nosniff", download.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task SignedUrl_Tampered_OrExpired_IsRefused_WhileTheBearerDownloadStillWorks()
    {
        var (alice, bob) = (ChatHost.NewUser("alice"), ChatHost.NewUser("bob"));
        var id = await host.DirectAsync(alice, bob);
        using var http = host.Http(alice);
        var (_, attachment) = await UploadAsync(http, id, Png(8, 8), "image/png", "p.png");
        var attachmentId = attachment.GetProperty("id").GetString()!;
        var url = attachment.GetProperty("url").GetString()!;
        using var anonymous = host.Http();
        await using (var connection = await host.ConnectAsync(alice))
        {
            // Sent, so the sweep of unsent uploads leaves it alone while the clock moves.
            await connection.InvokeAsync("sendMessage", new { conversationId = id, content = "p", attachmentIds = new[] { attachmentId } });
        }

        var otherId = (await UploadAsync(http, id, Png(9, 9), "image/png", "q.png")).Body.GetProperty("id").GetString()!;
        var forOther = url.Replace(attachmentId, otherId, StringComparison.Ordinal);
        var laterExpiry = System.Text.RegularExpressions.Regex.Replace(url, "exp=([0-9]+)", m => "exp=" + (long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) + 3600));
        using (var ok = await anonymous.GetAsync(url))
        using (var swapped = await anonymous.GetAsync(forOther))
        using (var extended = await anonymous.GetAsync(laterExpiry))
        using (var unsigned = await anonymous.GetAsync($"/chats/attachments/{attachmentId}/content"))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, swapped.StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, extended.StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, unsigned.StatusCode);
        }

        host.Clock.Advance(TimeSpan.FromSeconds(9 * 60));
        using (var stillValid = await anonymous.GetAsync(url))
        {
            Assert.Equal(HttpStatusCode.OK, stillValid.StatusCode);
        }

        host.Clock.Advance(TimeSpan.FromSeconds(62));
        using var expired = await anonymous.GetAsync(url);
        using var bearer = await http.GetAsync($"/chats/attachments/{attachmentId}");
        Assert.Equal(HttpStatusCode.NotFound, expired.StatusCode);
        Assert.Equal(HttpStatusCode.OK, bearer.StatusCode);
    }

    [Fact]
    public async Task UnsentUpload_IsSweptAfterItsLifetime_BlobAndRecord_AndCannotBeSentThen()
    {
        var (alice, bob) = (ChatHost.NewUser("alice"), ChatHost.NewUser("bob"));
        var id = await host.DirectAsync(alice, bob);
        using var http = host.Http(alice);
        await using var connection = await host.ConnectAsync(alice);
        var sentId = (await UploadAsync(http, id, Png(5, 5), "image/png", "kept.png")).Body.GetProperty("id").GetString()!;
        await connection.InvokeAsync("sendMessage", new { conversationId = id, content = "kept", attachmentIds = new[] { sentId } });
        var unsentId = (await UploadAsync(http, id, Png(6, 6), "image/png", "dropped.png")).Body.GetProperty("id").GetString()!;
        Assert.True(File.Exists(Path.Combine(host.Folder, unsentId)));

        host.Clock.Advance(TimeSpan.FromMinutes(2));

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (File.Exists(Path.Combine(host.Folder, unsentId)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.False(File.Exists(Path.Combine(host.Folder, unsentId)), "the unsent upload's blob was not swept");
        var (gone, _) = await http.GetJsonAsync($"/chats/attachments/{unsentId}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.True(File.Exists(Path.Combine(host.Folder, sentId)));
        await InteractionHubTests.AssertRefusedAsync("validation_failed", () =>
            connection.InvokeAsync("sendMessage", new { conversationId = id, content = "late", attachmentIds = new[] { unsentId } }));
    }

    [Fact]
    public async Task DeletingTheMessage_DeletesItsAttachments()
    {
        var (alice, bob) = (ChatHost.NewUser("alice"), ChatHost.NewUser("bob"));
        var id = await host.DirectAsync(alice, bob);
        using var aliceHttp = host.Http(alice);
        using var bobHttp = host.Http(bob);
        await using var connection = await host.ConnectAsync(alice);
        var attachment = (await UploadAsync(aliceHttp, id, Png(7, 7), "image/png", "gone.png")).Body;
        var attachmentId = attachment.GetProperty("id").GetString()!;
        var ack = await connection.InvokeAsync("sendMessage", new { conversationId = id, content = "soon gone", tempId = "del-1", attachmentIds = new[] { attachmentId } });
        using (var before = await bobHttp.GetAsync($"/chats/attachments/{attachmentId}"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        await aliceHttp.DeleteJsonAsync($"/chats/messages/{ack.GetProperty("messageId").GetString()}");

        using var byId = await bobHttp.GetAsync($"/chats/attachments/{attachmentId}");
        using var anonymous = host.Http();
        using var byLink = await anonymous.GetAsync(attachment.GetProperty("url").GetString());
        var (_, page) = await bobHttp.GetJsonAsync($"/chats/conversations/{id}/messages");
        Assert.Equal(HttpStatusCode.NotFound, byId.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, byLink.StatusCode);
        Assert.False(File.Exists(Path.Combine(host.Folder, attachmentId)));
        Assert.Equal(0, page.GetProperty("items")[page.GetProperty("items").GetArrayLength() - 1].GetProperty("attachments").GetArrayLength());
    }

    [Fact]
    public async Task SendMessage_AttachmentRules_AreValidationFailures()
    {
        var (alice, bob) = (ChatHost.NewUser("alice"), ChatHost.NewUser("bob"));
        var id = await host.DirectAsync(alice, bob);
        var otherId = await host.DirectAsync(alice, ChatHost.NewUser("carol"));
        using var aliceHttp = host.Http(alice);
        using var bobHttp = host.Http(bob);
        await using var alicea = await host.ConnectAsync(alice);
        await using var bobc = await host.ConnectAsync(bob);
        var mine = (await UploadAsync(aliceHttp, id, Png(3, 3), "image/png", "m.png")).Body.GetProperty("id").GetString()!;
        var bobs = (await UploadAsync(bobHttp, id, Png(3, 3), "image/png", "b.png")).Body.GetProperty("id").GetString()!;
        var elsewhere = (await UploadAsync(aliceHttp, otherId, Png(3, 3), "image/png", "e.png")).Body.GetProperty("id").GetString()!;

        await InteractionHubTests.AssertRefusedAsync("validation_failed", () => alicea.InvokeAsync("sendMessage", new { conversationId = id, content = "", attachmentIds = new[] { bobs } }));
        await InteractionHubTests.AssertRefusedAsync("validation_failed", () => alicea.InvokeAsync("sendMessage", new { conversationId = id, content = "", attachmentIds = new[] { elsewhere } }));
        await InteractionHubTests.AssertRefusedAsync("validation_failed", () => alicea.InvokeAsync("sendMessage", new { conversationId = id, content = "", attachmentIds = new[] { mine, mine } }));
        await InteractionHubTests.AssertRefusedAsync("validation_failed", () => alicea.InvokeAsync("sendMessage", new { conversationId = id, content = "", attachmentIds = new[] { mine, bobs, elsewhere, "a_x" } }));
        await InteractionHubTests.AssertRefusedAsync("validation_failed", () => alicea.InvokeAsync("sendMessage", new { conversationId = id, content = "" }));

        var first = await alicea.InvokeAsync("sendMessage", new { conversationId = id, content = "once", tempId = "t1", attachmentIds = new[] { mine } });
        var retry = await alicea.InvokeAsync("sendMessage", new { conversationId = id, content = "once", tempId = "t1", attachmentIds = new[] { mine } });
        Assert.Equal(first.GetProperty("messageId").GetString(), retry.GetProperty("messageId").GetString());
        await InteractionHubTests.AssertRefusedAsync("validation_failed", () => alicea.InvokeAsync("sendMessage", new { conversationId = id, content = "twice", attachmentIds = new[] { mine } }));
    }
}
