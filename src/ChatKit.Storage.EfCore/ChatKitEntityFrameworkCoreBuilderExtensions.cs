using ChatKit.Storage;
using ChatKit.Storage.EfCore;
using ChatKit.Storage.EfCore.Internal;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Stores ChatKit's conversations and messages with Entity Framework Core (SQLite, PostgreSQL).</summary>
public static class ChatKitEntityFrameworkCoreBuilderExtensions
{
    /// <summary>
    /// Stores ChatKit's data in ChatKit's own <see cref="ChatKitDbContext"/>, replacing the in-memory store. The context
    /// comes from a pooled <see cref="IDbContextFactory{TContext}"/>, so the store is a singleton and every call uses its
    /// own short-lived context. At start-up a hosted service creates the database and ChatKit's tables when they are
    /// missing (see <see cref="EfCoreChatStoreOptions.CreateSchemaOnStartup"/>). SQLite connections get write-ahead
    /// logging, a busy timeout and foreign keys. The context logs the SQL it executes at Debug rather than EF Core's
    /// Information, so a host's logs stay quiet. Several processes may share the database: every guarantee of the store
    /// comes from the database.
    /// </summary>
    /// <param name="builder">The builder <c>AddChatKit()</c> returned.</param>
    /// <param name="configure">Chooses the provider and connection, for example
    /// <c>o => o.UseSqlite("Data Source=chat.db")</c> or <c>o => o.UseNpgsql(connectionString)</c>.</param>
    /// <param name="options">Changes the store's options, or <see langword="null"/>.</param>
    /// <returns>The builder.</returns>
    public static ChatKitBuilder UseEntityFrameworkCore(
        this ChatKitBuilder builder,
        Action<DbContextOptionsBuilder> configure,
        Action<EfCoreChatStoreOptions>? options = null)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return builder.UseEntityFrameworkCore((_, o) => configure(o), options);
    }

    /// <summary>
    /// Stores ChatKit's data in ChatKit's own <see cref="ChatKitDbContext"/> (see the other overload), with access to
    /// the application's services while choosing the provider, for example to read a connection string from
    /// <c>IConfiguration</c>.
    /// </summary>
    /// <param name="builder">The builder <c>AddChatKit()</c> returned.</param>
    /// <param name="configure">Chooses the provider and connection.</param>
    /// <param name="options">Changes the store's options, or <see langword="null"/>.</param>
    /// <returns>The builder.</returns>
    public static ChatKitBuilder UseEntityFrameworkCore(
        this ChatKitBuilder builder,
        Action<IServiceProvider, DbContextOptionsBuilder> configure,
        Action<EfCoreChatStoreOptions>? options = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var services = builder.Services;
        Register(services, ownContext: true, options);

        services.RemoveAll<DbContextOptions<ChatKitDbContext>>();
        services.AddSingleton(sp =>
        {
            var optionsBuilder = new DbContextOptionsBuilder<ChatKitDbContext>();
            optionsBuilder.UseApplicationServiceProvider(sp);

            // EF Core logs every executed command at Information; ChatKit's own statements belong at Debug so a host's
            // logs stay quiet. Only this context's options change, and the host's configure below may still override it.
            optionsBuilder.ConfigureWarnings(w => w.Log((RelationalEventId.CommandExecuted, LogLevel.Debug)));
            configure(sp, optionsBuilder);
            var busyTimeout = sp.GetRequiredService<IOptions<EfCoreChatStoreOptions>>().Value.SqliteBusyTimeout;
            optionsBuilder.AddInterceptors(new SqliteConnectionInterceptor(busyTimeout), new PreparingCommandInterceptor());
            return optionsBuilder.Options;
        });
        services.RemoveAll<IDbContextFactory<ChatKitDbContext>>();
        services.AddSingleton<IDbContextFactory<ChatKitDbContext>>(
            sp => new PooledDbContextFactory<ChatKitDbContext>(sp.GetRequiredService<DbContextOptions<ChatKitDbContext>>()));
        services.RemoveAll<IChatKitContextSource>();
        services.AddSingleton<IChatKitContextSource, ChatKitContextSource>();
        return builder;
    }

    /// <summary>
    /// Stores ChatKit's data in the host's own DbContext, whose <c>OnModelCreating</c> calls
    /// <c>modelBuilder.AddChatKit()</c>, so the host's migrations create and evolve ChatKit's tables next to its own.
    /// The context must be registered: the store takes short-lived instances from its
    /// <see cref="IDbContextFactory{TContext}"/> when there is one (<c>AddDbContextFactory</c>,
    /// <c>AddPooledDbContextFactory</c>), otherwise from a new scope per call (<c>AddDbContext</c>). Schema creation at
    /// start-up is off by default here; with SQLite, add <c>UseChatKitSqliteSettings()</c> to the context's options.
    /// </summary>
    /// <typeparam name="TContext">The host's context.</typeparam>
    /// <param name="builder">The builder <c>AddChatKit()</c> returned.</param>
    /// <param name="options">Changes the store's options, or <see langword="null"/>.</param>
    /// <returns>The builder.</returns>
    public static ChatKitBuilder UseEntityFrameworkCore<TContext>(this ChatKitBuilder builder, Action<EfCoreChatStoreOptions>? options = null)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        Register(services, ownContext: false, options);
        services.RemoveAll<IChatKitContextSource>();
        services.AddSingleton<IChatKitContextSource>(sp => new HostContextSource<TContext>(sp));
        return builder;
    }

    private static void Register(IServiceCollection services, bool ownContext, Action<EfCoreChatStoreOptions>? options)
    {
        services.AddOptions<EfCoreChatStoreOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EfCoreChatStoreOptions>, EfCoreChatStoreOptionsValidator>());

        // The mode's default first, then the caller's changes: the last Use… call decides.
        services.Configure<EfCoreChatStoreOptions>(o => o.CreateSchemaOnStartup = ownContext);
        if (options is not null)
        {
            services.Configure(options);
        }

        // The last storage adapter called wins.
        services.RemoveAll<IChatStore>();
        services.AddSingleton<IChatStore, EfCoreChatStore>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ChatKitSchemaInitializer>());
    }
}
