using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatKit.Storage.EfCore.Internal;

/// <summary>
/// At start-up, checks that the context holds ChatKit's tables and, when <see cref="EfCoreChatStoreOptions.CreateSchemaOnStartup"/>
/// is on, creates them. With ChatKit's own context it creates the database when it does not exist and ChatKit's tables
/// when they are missing, even in a database that has other tables (where <c>EnsureCreated</c> would do nothing), and
/// tolerates another node doing the same at the same moment; then it upgrades a database an older ChatKit created (missing
/// tables, columns and indexes of the model are added, see <see cref="ChatKitSchemaUpgrade"/>). With a host's context it
/// calls <c>EnsureCreated</c>.
/// </summary>
internal sealed class ChatKitSchemaInitializer : IHostedService
{
    private readonly IServiceProvider _services;
    private readonly IOptions<EfCoreChatStoreOptions> _options;
    private readonly ILogger<ChatKitSchemaInitializer> _logger;

    public ChatKitSchemaInitializer(IServiceProvider services, IOptions<EfCoreChatStoreOptions> options, ILogger<ChatKitSchemaInitializer> logger)
    {
        _services = services;
        _options = options;
        _logger = logger;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Another storage adapter registered after this one wins: then there is nothing to do here.
        if (_services.GetService<IChatStore>() is not EfCoreChatStore)
        {
            return;
        }

        var source = _services.GetRequiredService<IChatKitContextSource>();
        var lease = await source.LeaseAsync(cancellationToken).ConfigureAwait(false);
        await using (lease.ConfigureAwait(false))
        {
            var db = lease.Context;
            var sql = ChatKitSql.Create(db); // fails with a clear sentence when AddChatKit() is missing from the model
            var name = source.ContextType.Name;
            if (!_options.Value.CreateSchemaOnStartup)
            {
                Log.SchemaCreationOff(_logger, name);
                return;
            }

            if (!source.IsChatKitContext)
            {
                var created = await db.Database.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
                Log.HostContextEnsured(_logger, name, created);
                return;
            }

            await CreateMissingAsync(db, sql, name, cancellationToken).ConfigureAwait(false);
            foreach (var step in await ChatKitSchemaUpgrade.UpgradeAsync(db, cancellationToken).ConfigureAwait(false))
            {
                Log.SchemaUpgraded(_logger, name, step);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task CreateMissingAsync(DbContext db, ChatKitSql sql, string name, CancellationToken cancellationToken)
    {
        var creator = db.GetService<IRelationalDatabaseCreator>();
        if (!await creator.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                await creator.CreateAsync(cancellationToken).ConfigureAwait(false);
                Log.DatabaseCreated(_logger, name);
            }
            catch (DbException) when (creator.Exists())
            {
                // Another node created the database a moment ago.
            }
        }

        if (await TablesExistAsync(db, sql, cancellationToken).ConfigureAwait(false))
        {
            Log.TablesExist(_logger, name);
            return;
        }

        try
        {
            await creator.CreateTablesAsync(cancellationToken).ConfigureAwait(false);
            Log.TablesCreated(_logger, name);
        }
        catch (DbException ex)
        {
            // Several nodes starting together all find the tables missing; the first one creates them (in a transaction)
            // and the others fail here. Anything else is a real failure.
            if (!await TablesExistAsync(db, sql, cancellationToken).ConfigureAwait(false))
            {
                throw;
            }

            Log.TablesCreatedConcurrently(_logger, name, ex);
        }
    }

    /// <summary>Probes for ChatKit's tables on the raw connection, so a missing table is not logged as a failed command.</summary>
    private static async Task<bool> TablesExistAsync(DbContext db, ChatKitSql sql, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var command = db.Database.GetDbConnection().CreateCommand();
            await using (command.ConfigureAwait(false))
            {
#pragma warning disable CA2100 // Identifiers from the model, delimited by the provider; no input.
                command.CommandText = sql.Probe;
#pragma warning restore CA2100
                try
                {
                    await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                    return true;
                }
                catch (DbException)
                {
                    return false;
                }
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }
}
