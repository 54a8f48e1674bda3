namespace ChatKit.Blobs.S3;

/// <summary>Where ChatKit keeps attachments in S3. Validated at start-up.</summary>
public sealed class S3BlobStoreOptions
{
    /// <summary>The bucket. Required; it must exist.</summary>
    public string? BucketName { get; set; }

    /// <summary>Prepended to each attachment id to make its object key. Default <c>chatkit/</c>; may be empty.</summary>
    public string ObjectKeyPrefix { get; set; } = "chatkit/";

    /// <summary>
    /// An S3-compatible endpoint (MinIO, s3rver, another cloud's S3 API), e.g. <c>http://127.0.0.1:9000</c>.
    /// <see langword="null"/> (the default): AWS, with the SDK's region resolution. Ignored when the host supplies its own client.
    /// </summary>
    public string? ServiceUrl { get; set; }

    /// <summary>The AWS region (e.g. <c>eu-west-1</c>); <see langword="null"/>: the SDK's default chain. Ignored when the host supplies its own client.</summary>
    public string? Region { get; set; }

    /// <summary>Path-style URLs (<c>https://host/bucket/key</c>), as most S3-compatible servers need. Default <see langword="false"/>. Ignored when the host supplies its own client.</summary>
    public bool ForcePathStyle { get; set; }
}
