using System.Net;
using System.Net.Http.Headers;
using ChatKit.AspNetCore.Tests.Support;
using ChatKit.Testing;
using ChatKit.Testing.Servers;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.AspNetCore.Tests;

/// <summary>A host whose attachments go to a real S3-compatible server (s3rver) through ChatKit.Blobs.S3.</summary>
public sealed class S3AttachmentHost : ChatHost
{
    public S3rverServer? S3 { get; private set; }

    public override async ValueTask InitializeAsync()
    {
        S3 = await S3rverServer.TryStartAsync("chatkit-host");
        if (S3 is not null)
        {
            await base.InitializeAsync();
        }
    }

    protected override void ConfigureServices(IServiceCollection services) =>
        new ChatKitBuilder(services).UseS3Attachments(s3 => s3.BucketName = S3!.Bucket, _ => S3!.CreateClient());

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (S3 is not null)
        {
            await S3.DisposeAsync();
        }
    }
}

/// <summary>Attachments stored in S3: upload, send, and downloads redirected to a pre-signed URL of the bucket.</summary>
public sealed class S3AttachmentTests(S3AttachmentHost host) : IClassFixture<S3AttachmentHost>
{
    [Fact]
    public async Task Upload_Send_Download_GoesThroughS3_WithAShortLivedPresignedRedirect()
    {
        if (host.S3 is null)
        {
            ServiceAvailability.Missing(S3rverServer.MissingMessage);
        }

        var (alice, bob) = (ChatHost.NewUser("alice"), ChatHost.NewUser("bob"));
        var id = await host.DirectAsync(alice, bob);
        using var aliceHttp = host.Http(alice);
        var png = AttachmentTests.Png(12, 7);
        var (created, attachment) = await AttachmentTests.UploadAsync(aliceHttp, id, png, "image/png", "s3.png");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var attachmentId = attachment.GetProperty("id").GetString()!;
        await using (var connection = await host.ConnectAsync(alice))
        {
            await connection.InvokeAsync("sendMessage", new { conversationId = id, content = "from s3", attachmentIds = new[] { attachmentId } });
        }

        using var noRedirects = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = host.Address };
        noRedirects.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestAuth.Token(bob));
        using var redirect = await noRedirects.GetAsync($"/chats/attachments/{attachmentId}");
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        var location = redirect.Headers.Location!;
        Assert.Equal(host.S3!.Port, location.Port);
        Assert.Contains("X-Amz-Expires=", location.Query, StringComparison.Ordinal);

        using var anonymous = new HttpClient();
        using var fromS3 = await anonymous.GetAsync(location);
        Assert.Equal(HttpStatusCode.OK, fromS3.StatusCode);
        Assert.Equal(png, await fromS3.Content.ReadAsByteArrayAsync());
        Assert.Equal("inline", fromS3.Content.Headers.ContentDisposition!.DispositionType);

        using var bySignedUrl = await noRedirects.GetAsync(attachment.GetProperty("url").GetString());
        Assert.Equal(HttpStatusCode.Redirect, bySignedUrl.StatusCode);
        using var s3Client = host.S3.CreateClient();
        var stored = await s3Client.GetObjectMetadataAsync(host.S3.Bucket, "chatkit/" + attachmentId);
        Assert.Equal(png.Length, stored.ContentLength);
    }
}
