using MongoDB.Driver;

namespace ChatKit.Storage.Mongo.Internal;

// v2 operations: each a single-document conditional update on the message, so it is atomic across nodes. When a
// conditional update matches nothing, one read of the message says why (gone, deleted, already so, or full).
internal sealed partial class MongoChatStore
{
    /// <inheritdoc/>
    public async Task<IReadOnlyList<ChatMessage>> FindMessagesAsync(IReadOnlyCollection<string> messageIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messageIds);
        var documents = await _context.Messages.Find(MongoDefinitions.RealMessagesByIds(messageIds.Distinct(StringComparer.Ordinal)))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. documents.Select(DocumentMapper.ToModel)];
    }

    /// <inheritdoc/>
    public async Task<ChatMessage?> EditMessageAsync(string messageId, string content, DateTimeOffset editedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        ArgumentNullException.ThrowIfNull(content);
        var options = new FindOneAndUpdateOptions<MessageDocument> { ReturnDocument = ReturnDocument.After };
        var edited = await _context.Messages.FindOneAndUpdateAsync(
            MongoDefinitions.LiveMessageById(messageId),
            MongoDefinitions.Edit(content, DocumentMapper.ToStored(editedAt)),
            options,
            cancellationToken).ConfigureAwait(false);

        // No live message matched: a tombstone (returned unchanged) or nothing.
        edited ??= await _context.Messages.Find(MongoDefinitions.RealMessageById(messageId)).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return edited is null ? null : DocumentMapper.ToModel(edited);
    }

    /// <inheritdoc/>
    public async Task<ReactionChange> AddReactionAsync(string messageId, string userId, string emoji, DateTimeOffset reactedAt, int maxDistinctEmoji, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(emoji);
        var result = await _context.Messages.UpdateOneAsync(
            MongoDefinitions.CanAddReaction(messageId, userId, emoji, maxDistinctEmoji),
            MongoDefinitions.PushReaction(userId, emoji, DocumentMapper.ToStored(reactedAt)),
            cancellationToken: cancellationToken).ConfigureAwait(false);
        if (result.ModifiedCount > 0)
        {
            return ReactionChange.Changed;
        }

        return await WhyUnchangedAsync(messageId, userId, emoji, adding: true, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<ReactionChange> RemoveReactionAsync(string messageId, string userId, string emoji, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(emoji);
        var result = await _context.Messages.UpdateOneAsync(
            MongoDefinitions.HasReaction(messageId, userId, emoji),
            MongoDefinitions.PullReaction(userId, emoji),
            cancellationToken: cancellationToken).ConfigureAwait(false);
        if (result.ModifiedCount > 0)
        {
            return ReactionChange.Changed;
        }

        return await WhyUnchangedAsync(messageId, userId, emoji, adding: false, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<MessageReaction>>> GetReactionsAsync(IReadOnlyCollection<string> messageIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messageIds);
        var documents = await _context.Messages.Find(MongoDefinitions.RealMessagesByIds(messageIds.Distinct(StringComparer.Ordinal)))
            .Project<MessageDocument>(MongoDefinitions.ReactionsOnly)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return Aggregate(documents);
    }

    /// <summary>Each message's reactions, each emoji once in first-use order with its users in the order they reacted.</summary>
    internal static IReadOnlyDictionary<string, IReadOnlyList<MessageReaction>> Aggregate(IEnumerable<MessageDocument> documents)
    {
        var result = new Dictionary<string, IReadOnlyList<MessageReaction>>(StringComparer.Ordinal);
        foreach (var document in documents)
        {
            if (document.Reactions is { Count: > 0 } reactions)
            {
                result[document.Id] =
                [
                    .. reactions.GroupBy(r => r.Emoji, StringComparer.Ordinal)
                        .Select(e => new MessageReaction(e.Key, [.. e.Select(r => r.UserId).Distinct(StringComparer.Ordinal)])),
                ];
            }
        }

        return result;
    }

    private async Task<Dictionary<string, int>> MentionCountsAsync(
        string userId, List<(string ConversationId, long ReadSeq, long LastSeq)> ranges, CancellationToken cancellationToken)
    {
        var mentioned = new Dictionary<string, int>(StringComparer.Ordinal);
        if (ranges.Count == 0)
        {
            return mentioned;
        }

        var counts = await _context.Messages.Aggregate(MongoDefinitions.UnreadMentionCounts(userId, ranges), cancellationToken: cancellationToken)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var count in counts)
        {
            mentioned[count.ConversationId] = count.Count;
        }

        return mentioned;
    }

    /// <summary>Why a conditional reaction update matched nothing: one read of the message.</summary>
    private async Task<ReactionChange> WhyUnchangedAsync(string messageId, string userId, string emoji, bool adding, CancellationToken cancellationToken)
    {
        var document = await _context.Messages.Find(MongoDefinitions.RealMessageById(messageId))
            .Project<MessageDocument>(MongoDefinitions.ReactionsOnly)
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        var has = document?.Reactions?.Exists(r => r.UserId == userId && r.Emoji == emoji) == true;
        return document switch
        {
            null => ReactionChange.MessageNotFound,
            { DeletedAt: not null } => ReactionChange.MessageDeleted,
            _ when !adding || has => ReactionChange.Unchanged,
            _ => ReactionChange.LimitExceeded,
        };
    }
}
