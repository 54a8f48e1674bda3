namespace ChatKit.Storage;

// v2 operations of the in-memory store: edits and reactions, each under the store's one lock.
public sealed partial class InMemoryChatStore
{
    // Message id to its emoji in first-use order, each with its users in the order they reacted.
    private readonly Dictionary<string, List<(string Emoji, List<string> UserIds)>> _reactions = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public Task<IReadOnlyList<ChatMessage>> FindMessagesAsync(IReadOnlyCollection<string> messageIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messageIds);
        lock (_gate)
        {
            IReadOnlyList<ChatMessage> found =
            [
                .. messageIds.Distinct(StringComparer.Ordinal)
                    .Where(_messagesById.ContainsKey)
                    .Select(id => _messagesById[id])
                    .Select(entry => entry.Conversation.Messages[entry.Index]),
            ];
            return Task.FromResult(found);
        }
    }

    /// <inheritdoc/>
    public Task<ChatMessage?> EditMessageAsync(string messageId, string content, DateTimeOffset editedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        ArgumentNullException.ThrowIfNull(content);
        lock (_gate)
        {
            if (!_messagesById.TryGetValue(messageId, out var entry))
            {
                return Task.FromResult<ChatMessage?>(null);
            }

            var current = entry.Conversation.Messages[entry.Index];
            if (current.DeletedAt is null)
            {
                current = current with { Content = content, EditedAt = editedAt };
                entry.Conversation.Messages[entry.Index] = current;
            }

            return Task.FromResult<ChatMessage?>(current);
        }
    }

    /// <inheritdoc/>
    public Task<ReactionChange> AddReactionAsync(string messageId, string userId, string emoji, DateTimeOffset reactedAt, int maxDistinctEmoji, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(emoji);
        lock (_gate)
        {
            if (LiveMessage(messageId) is { } refused)
            {
                return Task.FromResult(refused);
            }

            if (!_reactions.TryGetValue(messageId, out var list))
            {
                _reactions[messageId] = list = [];
            }

            var index = list.FindIndex(r => string.Equals(r.Emoji, emoji, StringComparison.Ordinal));
            if (index < 0)
            {
                if (list.Count >= maxDistinctEmoji)
                {
                    return Task.FromResult(ReactionChange.LimitExceeded);
                }

                list.Add((emoji, [userId]));
                return Task.FromResult(ReactionChange.Changed);
            }

            var users = list[index].UserIds;
            if (users.Contains(userId, StringComparer.Ordinal))
            {
                return Task.FromResult(ReactionChange.Unchanged);
            }

            users.Add(userId);
            return Task.FromResult(ReactionChange.Changed);
        }
    }

    /// <inheritdoc/>
    public Task<ReactionChange> RemoveReactionAsync(string messageId, string userId, string emoji, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(emoji);
        lock (_gate)
        {
            if (LiveMessage(messageId) is { } refused)
            {
                return Task.FromResult(refused);
            }

            if (!_reactions.TryGetValue(messageId, out var list))
            {
                return Task.FromResult(ReactionChange.Unchanged);
            }

            var index = list.FindIndex(r => string.Equals(r.Emoji, emoji, StringComparison.Ordinal));
            if (index < 0 || !list[index].UserIds.Remove(userId))
            {
                return Task.FromResult(ReactionChange.Unchanged);
            }

            if (list[index].UserIds.Count == 0)
            {
                list.RemoveAt(index);
            }

            return Task.FromResult(ReactionChange.Changed);
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyDictionary<string, IReadOnlyList<MessageReaction>>> GetReactionsAsync(IReadOnlyCollection<string> messageIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messageIds);
        lock (_gate)
        {
            var result = new Dictionary<string, IReadOnlyList<MessageReaction>>(StringComparer.Ordinal);
            foreach (var id in messageIds)
            {
                if (_reactions.TryGetValue(id, out var list) && list.Count > 0)
                {
                    result[id] = [.. list.Select(r => new MessageReaction(r.Emoji, [.. r.UserIds]))];
                }
            }

            return Task.FromResult<IReadOnlyDictionary<string, IReadOnlyList<MessageReaction>>>(result);
        }
    }

    /// <summary>Why a reaction cannot change on the message, or <see langword="null"/> when it is live. Called under the lock.</summary>
    private ReactionChange? LiveMessage(string messageId)
    {
        if (!_messagesById.TryGetValue(messageId, out var entry))
        {
            return ReactionChange.MessageNotFound;
        }

        return entry.Conversation.Messages[entry.Index].IsDeleted ? ReactionChange.MessageDeleted : null;
    }
}
