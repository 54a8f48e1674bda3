using ChatKit;
using ChatKit.Attachments;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Configures ChatKit's attachments: their limits and where their bytes are kept.</summary>
public static class ChatKitBuilderAttachmentExtensions
{
    /// <summary>Changes the attachment limits (size, types, count per message, expiry of unsent uploads, the folder).</summary>
    /// <param name="builder">The ChatKit builder.</param>
    /// <param name="configure">Changes the options.</param>
    /// <returns>The builder.</returns>
    public static ChatKitBuilder ConfigureAttachments(this ChatKitBuilder builder, Action<ChatKitAttachmentOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>Keeps attachments' bytes in the host's own blob store (a singleton) instead of the file-system default.</summary>
    /// <typeparam name="TStore">The blob store.</typeparam>
    /// <param name="builder">The ChatKit builder.</param>
    /// <returns>The builder.</returns>
    public static ChatKitBuilder UseAttachmentBlobStore<TStore>(this ChatKitBuilder builder)
        where TStore : class, IAttachmentBlobStore
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Replace(ServiceDescriptor.Singleton<IAttachmentBlobStore, TStore>());
        return builder;
    }
}
