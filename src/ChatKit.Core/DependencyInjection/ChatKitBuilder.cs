using System.ComponentModel;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Configures ChatKit. Returned by <c>AddChatKit()</c>; storage and scale-out packages add their <c>Use…</c> methods to
/// it (<c>UseEntityFrameworkCore</c>, <c>UseMongo</c>, <c>UseRedis</c>). Calling none of them keeps the in-memory
/// store and presence tracker. When two adapters of one kind are called, the last one wins.
/// </summary>
public sealed class ChatKitBuilder
{
    /// <summary>Creates a builder over a service collection.</summary>
    /// <param name="services">The host's services.</param>
    public ChatKitBuilder(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        Services = services;
    }

    /// <summary>The host's services, for adapter packages that add their registrations.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public IServiceCollection Services { get; }

    /// <summary>Changes ChatKit's options (limits, timeouts, rate limits).</summary>
    /// <param name="configure">Changes the options.</param>
    /// <returns>This builder.</returns>
    public ChatKitBuilder Configure(Action<ChatKit.ChatKitOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.Configure(configure);
        return this;
    }
}
