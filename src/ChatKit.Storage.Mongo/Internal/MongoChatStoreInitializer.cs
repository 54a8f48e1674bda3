using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MongoDB.Driver;

namespace ChatKit.Storage.Mongo.Internal;

/// <summary>
/// Creates ChatKit's collections and indexes when the host starts, unless
/// <see cref="MongoChatStoreOptions.CreateIndexesOnStart"/> is off. Idempotent: <c>createIndexes</c> creates a missing
/// collection and keeps an index that already exists with the same definition, so every node can run it at every start.
/// An index of the same name with another definition fails the start rather than leaving a guarantee unenforced.
/// </summary>
internal sealed class MongoChatStoreInitializer : IHostedService
{
    private readonly MongoChatContext _context;
    private readonly MongoChatStoreOptions _options;
    private readonly ILogger<MongoChatStoreInitializer> _logger;

    public MongoChatStoreInitializer(MongoChatContext context, IOptions<MongoChatStoreOptions> options, ILogger<MongoChatStoreInitializer> logger)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _context = context;
        _options = options.Value;
        _logger = logger;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.CreateIndexesOnStart)
        {
            Log.IndexCreationSkipped(_logger);
            return;
        }

        Log.CreatingIndexes(_logger, _context.Database.DatabaseNamespace.DatabaseName, _options.CollectionPrefix);
        var count = 0;
        count += await CreateAsync(_context.Conversations, MongoDefinitions.ConversationIndexes, cancellationToken).ConfigureAwait(false);
        count += await CreateAsync(_context.Messages, MongoDefinitions.MessageIndexes, cancellationToken).ConfigureAwait(false);
        count += await CreateAsync(_context.ReadPositions, MongoDefinitions.ReadPositionIndexes, cancellationToken).ConfigureAwait(false);
        count += await CreateAsync(_context.TempIds, MongoDefinitions.TempIdIndexes, cancellationToken).ConfigureAwait(false);
        count += await CreateAsync(_context.OutboxRetries, MongoOutboxDefinitions.RetryIndexes, cancellationToken).ConfigureAwait(false);
        count += await CreateAsync(_context.Attachments, MongoDefinitions.AttachmentIndexes, cancellationToken).ConfigureAwait(false);
        count += await CreateAsync(_context.Events, MongoEventDefinitions.RecordingIndexes, cancellationToken).ConfigureAwait(false);
        count += await CreateAsync(_context.Messages, MongoEventDefinitions.UnloggedMessageIndexes, cancellationToken).ConfigureAwait(false);
        count += await CreateAsync(_context.PushRegistrations, MongoPushDefinitions.RegistrationIndexes, cancellationToken).ConfigureAwait(false);
        Log.IndexesCreated(_logger, count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task<int> CreateAsync<TDocument>(IMongoCollection<TDocument> collection, IReadOnlyList<CreateIndexModel<TDocument>> indexes, CancellationToken cancellationToken)
    {
        try
        {
            var names = await collection.Indexes.CreateManyAsync(indexes, cancellationToken).ConfigureAwait(false);
            return names.Count();
        }
        catch (MongoCommandException exception)
        {
            Log.IndexCreationFailed(_logger, collection.CollectionNamespace.CollectionName, exception);
            throw;
        }
    }
}
