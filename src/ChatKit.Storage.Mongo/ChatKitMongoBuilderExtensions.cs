using ChatKit.Storage;
using ChatKit.Storage.Mongo;
using ChatKit.Storage.Mongo.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MongoDB.Driver;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Keeps ChatKit's data in MongoDB.</summary>
public static class ChatKitMongoBuilderExtensions
{
    /// <summary>
    /// Stores ChatKit's conversations, messages and read positions in MongoDB, replacing the current
    /// <see cref="IChatStore"/> (the last <c>Use…</c> storage call wins). The collections and their indexes are created when
    /// the host starts (see <see cref="MongoChatStoreOptions.CreateIndexesOnStart"/>). Every node of a cluster may point
    /// at the same database: the store's guarantees hold across processes. Needs MongoDB 4.2 or later.
    /// </summary>
    /// <param name="builder">The builder <c>AddChatKit()</c> returned.</param>
    /// <param name="connectionString">A MongoDB connection string, for example <c>mongodb://localhost:27017</c>. ChatKit
    /// opens its own client from it and disposes it when the host stops.</param>
    /// <param name="databaseName">The database that holds ChatKit's collections.</param>
    /// <param name="configure">Changes the options (collection prefix, index creation), or <see langword="null"/>.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="MongoConfigurationException">The connection string is not a valid MongoDB connection string.</exception>
    public static ChatKitBuilder UseMongo(this ChatKitBuilder builder, string connectionString, string databaseName, Action<MongoChatStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        CheckDatabaseName(databaseName);

        // Parsed now, so a malformed string fails at registration; the client itself connects lazily.
        var url = MongoUrl.Create(connectionString);
        return Register(builder, configure, options =>
        {
            var client = new MongoClient(url);
            return new MongoChatContext(client.GetDatabase(databaseName), options.CollectionPrefix, client);
        });
    }

    /// <summary>
    /// Stores ChatKit's data in a database of a client the host already has (see the connection string overload).
    /// ChatKit never disposes the client.
    /// </summary>
    /// <param name="builder">The builder <c>AddChatKit()</c> returned.</param>
    /// <param name="client">The client to share.</param>
    /// <param name="databaseName">The database that holds ChatKit's collections.</param>
    /// <param name="configure">Changes the options, or <see langword="null"/>.</param>
    /// <returns>The builder.</returns>
    public static ChatKitBuilder UseMongo(this ChatKitBuilder builder, IMongoClient client, string databaseName, Action<MongoChatStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(client);
        CheckDatabaseName(databaseName);
        return Register(builder, configure, options => new MongoChatContext(client.GetDatabase(databaseName), options.CollectionPrefix));
    }

    /// <summary>
    /// Stores ChatKit's data in a database the host already has (see the connection string overload). ChatKit reads
    /// from its primary whatever read preference the database has, and never disposes its client.
    /// </summary>
    /// <param name="builder">The builder <c>AddChatKit()</c> returned.</param>
    /// <param name="database">The database that holds ChatKit's collections.</param>
    /// <param name="configure">Changes the options, or <see langword="null"/>.</param>
    /// <returns>The builder.</returns>
    public static ChatKitBuilder UseMongo(this ChatKitBuilder builder, IMongoDatabase database, Action<MongoChatStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(database);
        return Register(builder, configure, options => new MongoChatContext(database, options.CollectionPrefix));
    }

    private static ChatKitBuilder Register(ChatKitBuilder builder, Action<MongoChatStoreOptions>? configure, Func<MongoChatStoreOptions, MongoChatContext> context)
    {
        var services = builder.Services;
        services.AddOptions<MongoChatStoreOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MongoChatStoreOptions>, MongoChatStoreOptionsValidator>());
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.AddLogging();
        services.TryAddSingleton(TimeProvider.System);

        // The last UseMongo wins: one context, built from the validated options.
        services.RemoveAll<MongoChatContext>();
        services.AddSingleton(sp => context(sp.GetRequiredService<IOptions<MongoChatStoreOptions>>().Value));
        services.TryAddSingleton<MongoChatStore>();

        // The last Use… storage call wins.
        services.RemoveAll<IChatStore>();
        services.AddSingleton<IChatStore>(sp => sp.GetRequiredService<MongoChatStore>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, MongoChatStoreInitializer>());
        return builder;
    }

    private static void CheckDatabaseName(string databaseName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databaseName);

        // MongoDB's rules for database names (the strictest platform's): no / \ . " $ * < > : | ? or space, under 64 bytes.
        if (databaseName.IndexOfAny(['/', '\\', '.', '"', '$', '*', '<', '>', ':', '|', '?', ' ', '\0']) >= 0
            || System.Text.Encoding.UTF8.GetByteCount(databaseName) >= 64)
        {
            throw new ArgumentException($"'{databaseName}' is not a valid MongoDB database name: it must be under 64 bytes without / \\ . \" $ * < > : | ? or spaces.", nameof(databaseName));
        }
    }
}
