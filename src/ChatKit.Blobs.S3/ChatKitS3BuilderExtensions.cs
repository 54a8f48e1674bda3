using Amazon.S3;
using ChatKit.Attachments;
using ChatKit.Blobs.S3;
using ChatKit.Blobs.S3.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Keeps ChatKit's attachments in S3.</summary>
public static class ChatKitS3BuilderExtensions
{
    /// <summary>
    /// Keeps attachments' bytes in an S3 bucket instead of the file-system default; downloads are redirected to
    /// short-lived pre-signed URLs. Credentials come from the AWS SDK's default chain unless <paramref name="client"/>
    /// gives the client to use.
    /// </summary>
    /// <param name="builder">The ChatKit builder.</param>
    /// <param name="configure">Sets the bucket and, for an S3-compatible server, its endpoint.</param>
    /// <param name="client">Creates the S3 client, or <see langword="null"/> for one built from the options (owned by ChatKit).</param>
    /// <returns>The builder.</returns>
    public static ChatKitBuilder UseS3Attachments(this ChatKitBuilder builder, Action<S3BlobStoreOptions> configure, Func<IServiceProvider, IAmazonS3>? client = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var services = builder.Services;
        services.AddOptions<S3BlobStoreOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<S3BlobStoreOptions>, S3BlobStoreOptionsValidator>());
        services.RemoveAll<S3ClientHolder>();
        services.AddSingleton(sp => client is null
            ? new S3ClientHolder(S3ClientHolder.Create(sp.GetRequiredService<IOptions<S3BlobStoreOptions>>().Value), owned: true)
            : new S3ClientHolder(client(sp), owned: false));
        services.Replace(ServiceDescriptor.Singleton<IAttachmentBlobStore, S3AttachmentBlobStore>());
        return builder;
    }
}
