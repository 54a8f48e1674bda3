using System.Net;
using System.Text;
using ChatKit.Attachments;
using ChatKit.Blobs.S3;
using ChatKit.Testing;
using ChatKit.Testing.Servers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatKit.Blobs.S3.Tests;

/// <summary>Starts one s3rver for the class.</summary>
public sealed class S3rverFixture : IAsyncLifetime
{
    private S3rverServer? _server;

    /// <summary>The server; skips the calling test (fails it in CI) when s3rver could not be found.</summary>
    public S3rverServer Server
    {
        get
        {
            if (_server is null)
            {
                ServiceAvailability.Missing(S3rverServer.MissingMessage);
            }

            return _server!;
        }
    }

    public async ValueTask InitializeAsync() => _server = await S3rverServer.TryStartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>The S3 blob store against a real S3-compatible server (s3rver).</summary>
public sealed class S3AttachmentBlobStoreTests(S3rverFixture fixture) : IClassFixture<S3rverFixture>
{
    private IAttachmentBlobStore Store(out ServiceProvider services)
    {
        var server = fixture.Server;
        services = new ServiceCollection()
            .AddChatKitCore()
            .UseS3Attachments(
                s3 =>
                {
                    s3.BucketName = server.Bucket;
                    s3.ObjectKeyPrefix = "test/";
                },
                _ => server.CreateClient())
            .Services.BuildServiceProvider();
        return services.GetRequiredService<IAttachmentBlobStore>();
    }

    [Fact]
    public async Task Put_ThenOpenRead_ReturnsTheBytes_AndDeleteRemovesThem()
    {
        var store = Store(out var services);
        await using var _ = services;
        var key = "a_" + Guid.NewGuid().ToString("N");
        var bytes = Encoding.UTF8.GetBytes("hello s3 " + key);

        await store.PutAsync(key, new MemoryStream(bytes), "text/plain", TestContext.Current.CancellationToken);
        await using (var read = await store.OpenReadAsync(key, TestContext.Current.CancellationToken))
        {
            using var copy = new MemoryStream();
            await read!.CopyToAsync(copy, TestContext.Current.CancellationToken);
            Assert.Equal(bytes, copy.ToArray());
        }

        await store.DeleteAsync(key, TestContext.Current.CancellationToken);
        Assert.Null(await store.OpenReadAsync(key, TestContext.Current.CancellationToken));
        await store.DeleteAsync(key, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task PresignedUrl_ServesTheBytesWithChatKitsHeaders_WithoutCredentials()
    {
        var store = Store(out var services);
        await using var _ = services;
        var key = "a_" + Guid.NewGuid().ToString("N");
        var bytes = Encoding.UTF8.GetBytes("<html>not to be rendered</html>");
        await store.PutAsync(key, new MemoryStream(bytes), "text/plain", TestContext.Current.CancellationToken);

        var url = await store.GetDownloadUrlAsync(
            key,
            new BlobDownload("text/plain", "attachment; filename=\"x.txt\"", DateTimeOffset.UtcNow.AddMinutes(5)),
            TestContext.Current.CancellationToken);

        using var http = new HttpClient();
        using var response = await http.GetAsync(url, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("test/" + key, url!.AbsolutePath, StringComparison.Ordinal);

        using var tampered = await http.GetAsync(new Uri(url.AbsoluteUri.Replace(key, key[..^1] + "0", StringComparison.Ordinal)), TestContext.Current.CancellationToken);
        Assert.NotEqual(HttpStatusCode.OK, tampered.StatusCode);
    }

    [Fact]
    public void Options_WithoutBucket_FailValidation()
    {
        using var services = new ServiceCollection().AddChatKitCore().UseS3Attachments(_ => { }).Services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<S3BlobStoreOptions>>().Value);
        Assert.Contains("BucketName", error.Message, StringComparison.Ordinal);
    }
}
