using ChatKit;
using ChatKit.Events;
using ChatKit.Internal.Outbox;
using ChatKit.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the host's event sinks, fed from the durable outbox.</summary>
public static class ChatKitBuilderOutboxExtensions
{
    /// <summary>
    /// Adds a sink that receives every durable event at least once, from the store's event log, through a background
    /// dispatcher that starts when the first sink is added (one node at a time per sink, retries with backoff,
    /// dead letters). Adding the same type twice adds it once. The sink is a singleton.
    /// </summary>
    /// <typeparam name="TSink">The sink.</typeparam>
    /// <param name="builder">The ChatKit builder.</param>
    /// <returns>The builder.</returns>
    public static ChatKitBuilder AddEventSink<TSink>(this ChatKitBuilder builder)
        where TSink : class, IChatEventSink
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IChatEventSink, TSink>());
        services.AddOptions<ChatKitOutboxOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChatKitOutboxOptions>, ChatKitOutboxOptionsValidator>());
        services.TryAddSingleton(sp => new ChatKitOutbox(sp.GetRequiredService<IChatStore>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, OutboxDispatcher>());
        return builder;
    }

    /// <summary>Changes how the outbox delivers to the sinks (lease, timeouts, retries).</summary>
    /// <param name="builder">The ChatKit builder.</param>
    /// <param name="configure">Changes the options.</param>
    /// <returns>The builder.</returns>
    public static ChatKitBuilder ConfigureOutbox(this ChatKitBuilder builder, Action<ChatKitOutboxOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure(configure);
        return builder;
    }
}
