using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using ChatKit.Attachments;
using Microsoft.Extensions.Options;

namespace ChatKit.Blobs.S3.Internal;

/// <summary>Attachments as objects of one bucket, under <see cref="S3BlobStoreOptions.ObjectKeyPrefix"/> plus the attachment id.</summary>
internal sealed class S3AttachmentBlobStore(S3ClientHolder holder, IOptions<S3BlobStoreOptions> options) : IAttachmentBlobStore
{
    private readonly IAmazonS3 _s3 = holder.Client;
    private readonly S3BlobStoreOptions _options = options.Value;

    public async Task PutAsync(string key, Stream content, string contentType, CancellationToken cancellationToken)
    {
        var request = new PutObjectRequest
        {
            BucketName = _options.BucketName,
            Key = ObjectKey(key),
            InputStream = content,
            ContentType = contentType,
            AutoCloseStream = false,

            // One signed payload rather than aws-chunked streaming: every S3-compatible server understands it, and the
            // content is a seekable temporary file.
            UseChunkEncoding = false,
        };
        await _s3.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
    }

    public async Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _s3.GetObjectAsync(_options.BucketName, ObjectKey(key), cancellationToken).ConfigureAwait(false);
            return new OwnedStream(response.ResponseStream, response);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken) =>
        await _s3.DeleteObjectAsync(_options.BucketName, ObjectKey(key), cancellationToken).ConfigureAwait(false);

    public async ValueTask<Uri?> GetDownloadUrlAsync(string key, BlobDownload download, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(download);
        var request = new GetPreSignedUrlRequest
        {
            BucketName = _options.BucketName,
            Key = ObjectKey(key),
            Verb = HttpVerb.GET,
            Expires = download.ExpiresAt.UtcDateTime,
            Protocol = _s3.Config.ServiceURL?.StartsWith("http://", StringComparison.OrdinalIgnoreCase) == true ? Protocol.HTTP : Protocol.HTTPS,
        };
        request.ResponseHeaderOverrides.ContentType = download.ContentType;
        request.ResponseHeaderOverrides.ContentDisposition = download.ContentDisposition;
        request.ResponseHeaderOverrides.CacheControl = "private, no-store";
        return new Uri(await _s3.GetPreSignedURLAsync(request).ConfigureAwait(false));
    }

    private string ObjectKey(string key) => _options.ObjectKeyPrefix + key;

    /// <summary>The object's body, disposing the response with it.</summary>
    private sealed class OwnedStream(Stream inner, IDisposable owner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                owner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

/// <summary>The S3 client ChatKit uses, disposed with the container when ChatKit created it.</summary>
internal sealed class S3ClientHolder(IAmazonS3 client, bool owned) : IDisposable
{
    public IAmazonS3 Client { get; } = client;

    public static IAmazonS3 Create(S3BlobStoreOptions options)
    {
        var config = new AmazonS3Config { ForcePathStyle = options.ForcePathStyle };
        if (options.ServiceUrl is not null)
        {
            config.ServiceURL = options.ServiceUrl;
        }

        if (options.Region is not null)
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
        }

        return new AmazonS3Client(config);
    }

    public void Dispose()
    {
        if (owned)
        {
            Client.Dispose();
        }
    }
}

/// <summary>Checks <see cref="S3BlobStoreOptions"/> at start-up.</summary>
internal sealed class S3BlobStoreOptionsValidator : IValidateOptions<S3BlobStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, S3BlobStoreOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.BucketName))
        {
            failures.Add("S3BlobStoreOptions.BucketName is required.");
        }

        if (options.ObjectKeyPrefix is null || options.ObjectKeyPrefix.Length > 512)
        {
            failures.Add("S3BlobStoreOptions.ObjectKeyPrefix must be at most 512 characters (it may be empty).");
        }

        if (options.ServiceUrl is not null && !Uri.TryCreate(options.ServiceUrl, UriKind.Absolute, out _))
        {
            failures.Add($"S3BlobStoreOptions.ServiceUrl must be an absolute URL; it is {options.ServiceUrl}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
