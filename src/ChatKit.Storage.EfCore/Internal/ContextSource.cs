using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.Storage.EfCore.Internal;

/// <summary>Where the store gets a short-lived DbContext for each call: ChatKit's own pooled one, or the host's.</summary>
internal interface IChatKitContextSource
{
    /// <summary>The DbContext type.</summary>
    Type ContextType { get; }

    /// <summary>Whether the context is <see cref="ChatKitDbContext"/>, whose model holds only ChatKit's tables.</summary>
    bool IsChatKitContext { get; }

    /// <summary>Returns a fresh context; dispose the lease when the call is done.</summary>
    ValueTask<ContextLease> LeaseAsync(CancellationToken cancellationToken);
}

/// <summary>A context for one store call, and what to dispose afterwards.</summary>
internal readonly struct ContextLease : IAsyncDisposable
{
    private readonly AsyncServiceScope? _scope;

    public ContextLease(DbContext context, AsyncServiceScope? scope)
    {
        Context = context;
        _scope = scope;
    }

    public DbContext Context { get; }

    public ValueTask DisposeAsync() =>
        // A context resolved from a scope belongs to the scope; a factory's context belongs to the caller.
        _scope is { } scope ? scope.DisposeAsync() : Context.DisposeAsync();
}

/// <summary>ChatKit's own context from its pooled factory.</summary>
internal sealed class ChatKitContextSource(IDbContextFactory<ChatKitDbContext> factory) : IChatKitContextSource
{
    public Type ContextType => typeof(ChatKitDbContext);

    public bool IsChatKitContext => true;

    public async ValueTask<ContextLease> LeaseAsync(CancellationToken cancellationToken) =>
        new(await factory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false), null);
}

/// <summary>
/// The host's context: from its <see cref="IDbContextFactory{TContext}"/> when one is registered
/// (<c>AddDbContextFactory</c>, <c>AddPooledDbContextFactory</c>), otherwise from a new scope per call (<c>AddDbContext</c>,
/// <c>AddDbContextPool</c>).
/// </summary>
internal sealed class HostContextSource<TContext> : IChatKitContextSource
    where TContext : DbContext
{
    private readonly IDbContextFactory<TContext>? _factory;
    private readonly IServiceScopeFactory? _scopes;

    public HostContextSource(IServiceProvider services)
    {
        _factory = services.GetService<IDbContextFactory<TContext>>();
        if (_factory is null)
        {
            var isService = services.GetService<IServiceProviderIsService>();
            if (isService is not null && !isService.IsService(typeof(TContext)))
            {
                throw new InvalidOperationException(
                    $"UseEntityFrameworkCore<{typeof(TContext).Name}>() needs {typeof(TContext).Name} registered: call "
                    + $"services.AddDbContext<{typeof(TContext).Name}>(…) or services.AddDbContextFactory<{typeof(TContext).Name}>(…).");
            }

            _scopes = services.GetRequiredService<IServiceScopeFactory>();
        }
    }

    public Type ContextType => typeof(TContext);

    public bool IsChatKitContext => false;

    public async ValueTask<ContextLease> LeaseAsync(CancellationToken cancellationToken)
    {
        if (_factory is not null)
        {
            return new ContextLease(await _factory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false), null);
        }

        var scope = _scopes!.CreateAsyncScope();
        try
        {
            return new ContextLease(scope.ServiceProvider.GetRequiredService<TContext>(), scope);
        }
        catch
        {
            await scope.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
