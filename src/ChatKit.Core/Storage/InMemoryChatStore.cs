using ChatKit.Events;

namespace ChatKit.Storage;

/// <summary>
/// A thread-safe store in this process's memory: the default when no storage adapter is configured. Everything is
/// lost when the process stops, and it cannot be shared by several nodes; use a database adapter for that.
/// </summary>
public sealed partial class InMemoryChatStore : IChatStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ConversationState> _conversations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _directKeys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _conversationsByUser = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (ConversationState Conversation, int Index)> _messagesById = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public Task CreateConversationAsync(Conversation conversation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        lock (_gate)
        {
            if (_conversations.ContainsKey(conversation.Id))
            {
                throw new InvalidOperationException($"Conversation {conversation.Id} already exists.");
            }

            Insert(conversation);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<StoreResult<Conversation>> GetOrCreateDirectConversationAsync(Conversation candidate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(candidate.DirectKey);
        lock (_gate)
        {
            if (_directKeys.TryGetValue(candidate.DirectKey, out var existingId))
            {
                return Task.FromResult(new StoreResult<Conversation>(_conversations[existingId].Conversation, false));
            }

            Insert(candidate);
            _directKeys[candidate.DirectKey] = candidate.Id;
            return Task.FromResult(new StoreResult<Conversation>(candidate, true));
        }
    }

    /// <inheritdoc/>
    public Task<Conversation?> FindConversationAsync(string conversationId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_conversations.TryGetValue(conversationId, out var state) ? state.Conversation : null);
        }
    }

    /// <inheritdoc/>
    public Task<ConversationView?> FindConversationViewAsync(string conversationId, string userId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_conversations.TryGetValue(conversationId, out var state) ? View(state, userId) : null);
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<ConversationView>> ListConversationsAsync(string userId, ConversationPosition? after, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        lock (_gate)
        {
            if (!_conversationsByUser.TryGetValue(userId, out var ids))
            {
                return Task.FromResult<IReadOnlyList<ConversationView>>([]);
            }

            IEnumerable<ConversationState> query = ids.Select(id => _conversations[id]);
            if (after is not null)
            {
                query = query.Where(s => IsAfter(s.Conversation, after));
            }

            var page = query
                .OrderByDescending(s => s.Conversation.LastActivityAt)
                .ThenByDescending(s => s.Conversation.Id, StringComparer.Ordinal)
                .Take(limit)
                .Select(s => View(s, userId))
                .ToList();
            return Task.FromResult<IReadOnlyList<ConversationView>>(page);
        }
    }

    /// <inheritdoc/>
    public Task<StoreResult<ChatMessage>> AppendMessageAsync(ChatMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_conversations.TryGetValue(message.ConversationId, out var state))
            {
                throw new InvalidOperationException($"Conversation {message.ConversationId} does not exist.");
            }

            if (message.TempId is not null
                && state.TempIds.TryGetValue((message.SenderId, message.TempId), out var firstIndex))
            {
                return Task.FromResult(new StoreResult<ChatMessage>(state.Messages[firstIndex], false));
            }

            var stored = message with { Seq = state.Messages.Count + 1 };
            state.Messages.Add(stored);
            var index = state.Messages.Count - 1;
            _messagesById[stored.Id] = (state, index);
            if (stored.TempId is not null)
            {
                state.TempIds[(stored.SenderId, stored.TempId)] = index;
            }

            state.Conversation = state.Conversation with { LastSeq = stored.Seq, LastActivityAt = stored.CreatedAt };
            Advance(state, stored.SenderId, stored.Seq);
            Record(new MessageCreatedEvent(stored, [.. state.Conversation.Participants.Select(p => p.UserId)]), stored.Id, stored.CreatedAt);
            return Task.FromResult(new StoreResult<ChatMessage>(stored, true));
        }
    }

    /// <inheritdoc/>
    public Task<ChatMessage?> FindMessageAsync(string messageId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_messagesById.TryGetValue(messageId, out var entry) ? entry.Conversation.Messages[entry.Index] : null);
        }
    }

    /// <inheritdoc/>
    public Task<ChatMessage?> FindMessageByTempIdAsync(string conversationId, string senderId, string tempId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_conversations.TryGetValue(conversationId, out var state) && state.TempIds.TryGetValue((senderId, tempId), out var index)
                ? state.Messages[index]
                : null);
        }
    }

    /// <inheritdoc/>
    public Task<MessagePage> GetMessagesAsync(string conversationId, long? beforeSeq, long? afterSeq, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        lock (_gate)
        {
            if (!_conversations.TryGetValue(conversationId, out var state) || state.Messages.Count == 0)
            {
                return Task.FromResult(new MessagePage([], false));
            }

            // Messages are stored at index seq - 1, so a page is a slice.
            var messages = state.Messages;
            int start, end; // [start, end)
            bool hasMore;
            if (afterSeq is { } after)
            {
                start = (int)Math.Clamp(after, 0, messages.Count);
                end = Math.Min(messages.Count, start + limit);
                hasMore = end < messages.Count;
            }
            else
            {
                end = beforeSeq is { } before ? (int)Math.Clamp(before - 1, 0, messages.Count) : messages.Count;
                start = Math.Max(0, end - limit);
                hasMore = start > 0;
            }

            return Task.FromResult(new MessagePage(messages.GetRange(start, end - start), hasMore));
        }
    }

    /// <inheritdoc/>
    public Task<ChatMessage?> DeleteMessageAsync(string messageId, DateTimeOffset deletedAt, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_messagesById.TryGetValue(messageId, out var entry))
            {
                return Task.FromResult<ChatMessage?>(null);
            }

            var current = entry.Conversation.Messages[entry.Index];
            if (current.DeletedAt is null)
            {
                current = current with { Content = string.Empty, DeletedAt = deletedAt };
                entry.Conversation.Messages[entry.Index] = current;
            }

            return Task.FromResult<ChatMessage?>(current);
        }
    }

    /// <inheritdoc/>
    public Task<long> AdvanceReadPositionAsync(string conversationId, string userId, long seq, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_conversations.TryGetValue(conversationId, out var state))
            {
                return Task.FromResult(0L);
            }

            return Task.FromResult(Advance(state, userId, seq));
        }
    }

    /// <inheritdoc/>
    public Task<long> GetReadPositionAsync(string conversationId, string userId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(
                _conversations.TryGetValue(conversationId, out var state) && state.ReadPositions.TryGetValue(userId, out var seq) ? seq : 0L);
        }
    }

    /// <inheritdoc/>
    public async Task<Conversation?> AddParticipantsAsync(string conversationId, IReadOnlyList<Participant> participants, CancellationToken cancellationToken) =>
        (await AddParticipantsAsync(conversationId, participants, int.MaxValue, cancellationToken).ConfigureAwait(false)).Conversation;

    /// <inheritdoc/>
    public Task<AddParticipantsResult> AddParticipantsAsync(string conversationId, IReadOnlyList<Participant> participants, int maxParticipants, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(participants);
        lock (_gate)
        {
            if (!_conversations.TryGetValue(conversationId, out var state))
            {
                return Task.FromResult(new AddParticipantsResult(null, false));
            }

            var present = state.Conversation.Participants.Select(p => p.UserId).ToHashSet(StringComparer.Ordinal);
            var newcomers = participants.Where(p => present.Add(p.UserId)).ToList();
            if (state.Conversation.Participants.Count + newcomers.Count > maxParticipants)
            {
                return Task.FromResult(new AddParticipantsResult(state.Conversation, true));
            }

            foreach (var participant in newcomers)
            {
                Index(participant.UserId, conversationId);
            }

            state.Conversation = state.Conversation with { Participants = [.. state.Conversation.Participants, .. newcomers] };
            return Task.FromResult(new AddParticipantsResult(state.Conversation, false));
        }
    }

    /// <inheritdoc/>
    public Task<Conversation?> RemoveParticipantAsync(string conversationId, string userId, string? newOwnerId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_conversations.TryGetValue(conversationId, out var state))
            {
                return Task.FromResult<Conversation?>(null);
            }

            var list = state.Conversation.Participants
                .Where(p => p.UserId != userId)
                .Select(p => p.UserId == newOwnerId ? p with { Role = ParticipantRole.Owner } : p)
                .ToList();
            if (_conversationsByUser.TryGetValue(userId, out var ids))
            {
                ids.Remove(conversationId);
            }

            state.Conversation = state.Conversation with { Participants = list };
            return Task.FromResult<Conversation?>(state.Conversation);
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyCollection<string>> GetContactsAsync(string userId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var contacts = new HashSet<string>(StringComparer.Ordinal);
            if (_conversationsByUser.TryGetValue(userId, out var ids))
            {
                foreach (var id in ids)
                {
                    foreach (var participant in _conversations[id].Conversation.Participants)
                    {
                        contacts.Add(participant.UserId);
                    }
                }
            }

            contacts.Remove(userId);
            return Task.FromResult<IReadOnlyCollection<string>>(contacts);
        }
    }

    private void Insert(Conversation conversation)
    {
        _conversations[conversation.Id] = new ConversationState(conversation);
        foreach (var participant in conversation.Participants)
        {
            Index(participant.UserId, conversation.Id);
        }
    }

    private void Index(string userId, string conversationId)
    {
        if (!_conversationsByUser.TryGetValue(userId, out var ids))
        {
            _conversationsByUser[userId] = ids = new HashSet<string>(StringComparer.Ordinal);
        }

        ids.Add(conversationId);
    }

    private static long Advance(ConversationState state, string userId, long seq)
    {
        var current = state.ReadPositions.GetValueOrDefault(userId);
        if (seq > current)
        {
            state.ReadPositions[userId] = seq;
            return seq;
        }

        return current;
    }

    private static bool IsAfter(Conversation conversation, ConversationPosition position) =>
        conversation.LastActivityAt < position.LastActivityAt
        || (conversation.LastActivityAt == position.LastActivityAt && string.CompareOrdinal(conversation.Id, position.ConversationId) < 0);

    private static ConversationView View(ConversationState state, string userId)
    {
        var messages = state.Messages;
        var readPosition = state.ReadPositions.GetValueOrDefault(userId);
        var unread = 0;
        var mentioned = 0;
        for (var i = (int)Math.Min(readPosition, messages.Count); i < messages.Count; i++)
        {
            var message = messages[i];
            if (message.DeletedAt is null && message.SenderId != userId && message.Type != MessageType.System)
            {
                unread++;
                if (message.Type != MessageType.System && message.Mentions.Contains(userId, StringComparer.Ordinal))
                {
                    mentioned++;
                }
            }
        }

        return new ConversationView(state.Conversation, messages.Count == 0 ? null : messages[^1], unread) { UnreadMentionCount = mentioned };
    }

    private sealed class ConversationState(Conversation conversation)
    {
        public Conversation Conversation { get; set; } = conversation;

        public List<ChatMessage> Messages { get; } = [];

        public Dictionary<(string SenderId, string TempId), int> TempIds { get; } = [];

        public Dictionary<string, long> ReadPositions { get; } = new(StringComparer.Ordinal);
    }
}
