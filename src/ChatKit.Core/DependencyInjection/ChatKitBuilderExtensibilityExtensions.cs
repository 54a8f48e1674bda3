using ChatKit.Events;
using ChatKit.Filters;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the host's message filters and event handlers to ChatKit.</summary>
public static class ChatKitBuilderExtensibilityExtensions
{
    /// <summary>
    /// Adds a filter that sees every message before it is stored and may rewrite or refuse it. Filters run in the order
    /// they are added; adding the same type twice adds it once. The filter is a singleton.
    /// </summary>
    /// <typeparam name="TFilter">The filter.</typeparam>
    /// <param name="builder">The ChatKit builder.</param>
    /// <returns>The builder.</returns>
    public static ChatKitBuilder AddMessageFilter<TFilter>(this ChatKitBuilder builder)
        where TFilter : class, IMessageFilter
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IMessageFilter, TFilter>());
        return builder;
    }

    /// <summary>
    /// Adds a handler that receives every event after its change is stored, in the background and isolated from
    /// delivery and from other handlers. Adding the same type twice adds it once. The handler is a singleton.
    /// </summary>
    /// <typeparam name="THandler">The handler.</typeparam>
    /// <param name="builder">The ChatKit builder.</param>
    /// <returns>The builder.</returns>
    public static ChatKitBuilder AddEventHandler<THandler>(this ChatKitBuilder builder)
        where THandler : class, IChatEventHandler
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IChatEventHandler, THandler>());
        return builder;
    }
}
