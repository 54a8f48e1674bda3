namespace ChatKit.Storage;

/// <summary>
/// The persistence contract of ChatKit: only the operations the rules need, each atomic in its backend.
/// Guarantees hold across processes, because several nodes share one database: they come from the database
/// (unique indexes, atomic increments, conditional updates), never from in-process locks alone.
/// Every adapter proves them by deriving from the conformance suite in ChatKit.Testing.
/// </summary>
/// <remarks>
/// The store does not check membership or roles: ChatKit's services do that before calling it.
/// Timestamps are given with millisecond precision so that every backend returns them unchanged.
/// Since v2 a message also carries <see cref="ChatMessage.ReplyToId"/> and <see cref="ChatMessage.Mentions"/>, which an
/// append stores and every read returns, and a <see cref="ConversationView"/> carries
/// <see cref="ConversationView.UnreadMentionCount"/>; <see cref="ChatMessage.ReplyTo"/> and
/// <see cref="ChatMessage.Reactions"/> are filled by ChatKit's services, never by the store.
/// </remarks>
public partial interface IChatStore
{
    /// <summary>Inserts a new group conversation.</summary>
    /// <param name="conversation">The conversation, with its id, participants and <see cref="Conversation.LastSeq"/> of 0.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task CreateConversationAsync(Conversation conversation, CancellationToken cancellationToken);

    /// <summary>
    /// Returns the direct conversation whose <see cref="Conversation.DirectKey"/> equals the candidate's, inserting the
    /// candidate when there is none. Concurrent calls for one pair, from any process, yield one conversation.
    /// </summary>
    /// <param name="candidate">The conversation to insert when the pair has none; its <see cref="Conversation.DirectKey"/> is set.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The conversation, and whether it was created by this call.</returns>
    Task<StoreResult<Conversation>> GetOrCreateDirectConversationAsync(Conversation candidate, CancellationToken cancellationToken);

    /// <summary>Returns a conversation, or <see langword="null"/> when it does not exist.</summary>
    /// <param name="conversationId">The conversation id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task<Conversation?> FindConversationAsync(string conversationId, CancellationToken cancellationToken);

    /// <summary>
    /// Returns a conversation with its newest message and the unread count of <paramref name="userId"/>,
    /// or <see langword="null"/> when it does not exist.
    /// </summary>
    /// <param name="conversationId">The conversation id.</param>
    /// <param name="userId">The user whose unread count is computed.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task<ConversationView?> FindConversationViewAsync(string conversationId, string userId, CancellationToken cancellationToken);

    /// <summary>
    /// Lists the conversations <paramref name="userId"/> participates in, ordered by
    /// <see cref="Conversation.LastActivityAt"/> descending then <see cref="Conversation.Id"/> descending, each with its
    /// newest message and the user's unread count, in a bounded number of queries (no query per conversation).
    /// </summary>
    /// <param name="userId">The participant.</param>
    /// <param name="after">Only conversations strictly after this position in that order; <see langword="null"/> for the first page.</param>
    /// <param name="limit">The most conversations to return, at least 1.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task<IReadOnlyList<ConversationView>> ListConversationsAsync(string userId, ConversationPosition? after, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Appends a message in one atomic operation: when the message has a <see cref="ChatMessage.TempId"/> that its sender
    /// already used in the conversation, returns that first message and changes nothing; otherwise assigns the next seq
    /// of the conversation (1, 2, 3… with no gap under concurrent appends from any process), stores the message, sets the
    /// conversation's <see cref="Conversation.LastSeq"/> and <see cref="Conversation.LastActivityAt"/> (the message's
    /// creation time), and moves the sender's read position forward to the new seq.
    /// </summary>
    /// <param name="message">The message; its <see cref="ChatMessage.Seq"/> is ignored. The conversation exists.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The stored message with its seq, and whether this call created it.</returns>
    Task<StoreResult<ChatMessage>> AppendMessageAsync(ChatMessage message, CancellationToken cancellationToken);

    /// <summary>
    /// Appends a message as <see cref="AppendMessageAsync"/> does, but only when its sender is a participant of the
    /// conversation, and returns the conversation's type and participants with the result (to address the new message).
    /// A store that can check membership inside the append's own atomic operation implements this, so a sender whose
    /// removal committed can never append afterwards, and the send path needs no separate read of the conversation. The
    /// default reads the conversation with <see cref="FindConversationAsync"/>, then appends.
    /// </summary>
    /// <param name="message">The message; its <see cref="ChatMessage.Seq"/> is ignored.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>
    /// The result and the conversation's participants, or <see langword="null"/> when the conversation does not exist or
    /// the sender is not one of its participants (then nothing is stored).
    /// </returns>
    async Task<ParticipantAppend?> AppendParticipantMessageAsync(ChatMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var conversation = await FindConversationAsync(message.ConversationId, cancellationToken).ConfigureAwait(false);
        if (conversation is null || !conversation.HasParticipant(message.SenderId))
        {
            return null;
        }

        var result = await AppendMessageAsync(message, cancellationToken).ConfigureAwait(false);
        return new ParticipantAppend(result, conversation.Type, [.. conversation.Participants.Select(p => p.UserId)]);
    }

    /// <summary>Returns a message (or its tombstone), or <see langword="null"/> when it does not exist.</summary>
    /// <param name="messageId">The message id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task<ChatMessage?> FindMessageAsync(string messageId, CancellationToken cancellationToken);

    /// <summary>
    /// Returns the message a sender stored in a conversation with a tempId (the append's idempotency key), or
    /// <see langword="null"/>. ChatKit asks only when the host's message filters refuse a send that carries a tempId, so
    /// that a retry of a stored send gets its first message back even if the filters answer differently this time.
    /// </summary>
    /// <remarks>
    /// Added after v1: the default answers <see langword="null"/> (a refused retry is then reported as refused). Stores
    /// with the idempotency index should override it with a lookup on that index; the conformance suite checks it.
    /// </remarks>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="senderId">The sender.</param>
    /// <param name="tempId">The tempId.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task<ChatMessage?> FindMessageByTempIdAsync(string conversationId, string senderId, string tempId, CancellationToken cancellationToken) =>
        Task.FromResult<ChatMessage?>(null);

    /// <summary>
    /// Reads one page of a conversation's messages, tombstones included, ascending by seq.
    /// With <paramref name="afterSeq"/>: the oldest <paramref name="limit"/> messages with seq greater than it.
    /// Otherwise: the newest <paramref name="limit"/> messages with seq less than <paramref name="beforeSeq"/> (all when
    /// <see langword="null"/>). <see cref="MessagePage.HasMore"/> says whether more lie beyond the page in that direction.
    /// </summary>
    /// <param name="conversationId">The conversation id.</param>
    /// <param name="beforeSeq">Exclusive upper bound, or <see langword="null"/>.</param>
    /// <param name="afterSeq">Exclusive lower bound, or <see langword="null"/>; not given together with <paramref name="beforeSeq"/>.</param>
    /// <param name="limit">The page size, 1 to 100.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task<MessagePage> GetMessagesAsync(string conversationId, long? beforeSeq, long? afterSeq, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Turns a message into a tombstone: content emptied and <see cref="ChatMessage.DeletedAt"/> set, id and seq kept.
    /// Deleting a tombstone changes nothing.
    /// </summary>
    /// <param name="messageId">The message id.</param>
    /// <param name="deletedAt">The deletion time.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The message as stored afterwards, or <see langword="null"/> when it does not exist.</returns>
    Task<ChatMessage?> DeleteMessageAsync(string messageId, DateTimeOffset deletedAt, CancellationToken cancellationToken);

    /// <summary>
    /// Moves a user's read position in a conversation to <paramref name="seq"/> if that is further than where it is
    /// (a conditional update: concurrent calls keep the maximum, and it never moves backward).
    /// </summary>
    /// <param name="conversationId">The conversation id.</param>
    /// <param name="userId">The reader.</param>
    /// <param name="seq">The seq read up to.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The read position afterwards.</returns>
    Task<long> AdvanceReadPositionAsync(string conversationId, string userId, long seq, CancellationToken cancellationToken);

    /// <summary>Returns a user's read position in a conversation: the seq read up to, 0 when nothing was read.</summary>
    /// <param name="conversationId">The conversation id.</param>
    /// <param name="userId">The reader.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task<long> GetReadPositionAsync(string conversationId, string userId, CancellationToken cancellationToken);

    /// <summary>Adds the participants that are not in the conversation yet; existing ones keep their role and join time.</summary>
    /// <param name="conversationId">The conversation id.</param>
    /// <param name="participants">The participants to add.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The conversation afterwards, or <see langword="null"/> when it does not exist.</returns>
    Task<Conversation?> AddParticipantsAsync(string conversationId, IReadOnlyList<Participant> participants, CancellationToken cancellationToken);

    /// <summary>
    /// Adds the participants that are not in the conversation yet, unless the conversation would then have more than
    /// <paramref name="maxParticipants"/> participants, in which case it adds none. The count and the insert are one atomic
    /// step, so concurrent adds, on any node, never take a conversation beyond the limit. Existing participants keep their
    /// role and join time.
    /// </summary>
    /// <remarks>
    /// Stores written before this member existed inherit an implementation that checks the count first and then calls
    /// <see cref="AddParticipantsAsync(string, IReadOnlyList{Participant}, CancellationToken)"/>: correct one at a time,
    /// but concurrent adds can pass the limit. ChatKit's stores override it.
    /// </remarks>
    /// <param name="conversationId">The conversation id.</param>
    /// <param name="participants">The participants to add.</param>
    /// <param name="maxParticipants">The most participants the conversation may have afterwards.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The conversation afterwards (unchanged when the limit refused the add), or no conversation when it does not exist.</returns>
    async Task<AddParticipantsResult> AddParticipantsAsync(string conversationId, IReadOnlyList<Participant> participants, int maxParticipants, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(participants);
        var conversation = await FindConversationAsync(conversationId, cancellationToken).ConfigureAwait(false);
        if (conversation is null)
        {
            return new AddParticipantsResult(null, false);
        }

        var present = conversation.Participants.Select(p => p.UserId).ToHashSet(StringComparer.Ordinal);
        var newcomers = participants.Count(p => present.Add(p.UserId));
        if (conversation.Participants.Count + newcomers > maxParticipants)
        {
            return new AddParticipantsResult(conversation, true);
        }

        return new AddParticipantsResult(await AddParticipantsAsync(conversationId, participants, cancellationToken).ConfigureAwait(false), false);
    }

    /// <summary>
    /// Removes a participant (nothing happens when the user is not one) and, in the same operation, makes
    /// <paramref name="newOwnerId"/> the owner when it is given and still a participant.
    /// </summary>
    /// <param name="conversationId">The conversation id.</param>
    /// <param name="userId">The participant to remove.</param>
    /// <param name="newOwnerId">The participant who becomes owner, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The conversation afterwards, or <see langword="null"/> when it does not exist.</returns>
    Task<Conversation?> RemoveParticipantAsync(string conversationId, string userId, string? newOwnerId, CancellationToken cancellationToken);

    /// <summary>Returns the distinct users, other than <paramref name="userId"/>, who share at least one conversation with it.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task<IReadOnlyCollection<string>> GetContactsAsync(string userId, CancellationToken cancellationToken);

    // Members added in v2. Each has a default, so a store written against v1 still compiles: the operations it cannot
    // do throw NotSupportedException with a sentence saying what to implement; the reads degrade to "nothing of it".

    /// <summary>
    /// Returns the messages (or tombstones) among <paramref name="messageIds"/> that exist, in any order. The default
    /// calls <see cref="FindMessageAsync"/> for each id; ChatKit's stores read them in one query.
    /// </summary>
    /// <param name="messageIds">The message ids.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    async Task<IReadOnlyList<ChatMessage>> FindMessagesAsync(IReadOnlyCollection<string> messageIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messageIds);
        var found = new List<ChatMessage>(messageIds.Count);
        foreach (var id in messageIds.Distinct(StringComparer.Ordinal))
        {
            if (await FindMessageAsync(id, cancellationToken).ConfigureAwait(false) is { } message)
            {
                found.Add(message);
            }
        }

        return found;
    }

    /// <summary>
    /// Replaces a live message's content and sets its <see cref="ChatMessage.EditedAt"/>, in one conditional update that
    /// never applies to a tombstone: an edit racing a deletion, on any node, never brings content back.
    /// </summary>
    /// <param name="messageId">The message id.</param>
    /// <param name="content">The new, normalised content.</param>
    /// <param name="editedAt">The edit time.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>
    /// The message as stored afterwards (a tombstone, unchanged, when it was deleted first), or <see langword="null"/> when
    /// it does not exist.
    /// </returns>
    Task<ChatMessage?> EditMessageAsync(string messageId, string content, DateTimeOffset editedAt, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"{GetType().Name} does not implement IChatStore.EditMessageAsync, so messages cannot be edited; implement it (see ChatKit's conformance suite).");

    /// <summary>
    /// Adds the reaction (<paramref name="messageId"/>, <paramref name="userId"/>, <paramref name="emoji"/>) unless it
    /// exists, in one atomic step: concurrent identical calls, from any process, store it once and exactly one of them
    /// reports <see cref="ReactionChange.Changed"/>. Nothing is added to a tombstone, nor a new emoji to a message that
    /// already holds <paramref name="maxDistinctEmoji"/> distinct ones.
    /// </summary>
    /// <param name="messageId">The message id.</param>
    /// <param name="userId">The user reacting.</param>
    /// <param name="emoji">The emoji (compared ordinally).</param>
    /// <param name="reactedAt">When.</param>
    /// <param name="maxDistinctEmoji">The most distinct emoji a message may hold.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task<ReactionChange> AddReactionAsync(string messageId, string userId, string emoji, DateTimeOffset reactedAt, int maxDistinctEmoji, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"{GetType().Name} does not implement IChatStore.AddReactionAsync, so reactions are not available; implement it (see ChatKit's conformance suite).");

    /// <summary>
    /// Removes the reaction (<paramref name="messageId"/>, <paramref name="userId"/>, <paramref name="emoji"/>) when it
    /// exists; concurrent identical calls report <see cref="ReactionChange.Changed"/> once. Nothing changes on a tombstone.
    /// </summary>
    /// <param name="messageId">The message id.</param>
    /// <param name="userId">The user whose reaction is removed.</param>
    /// <param name="emoji">The emoji.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task<ReactionChange> RemoveReactionAsync(string messageId, string userId, string emoji, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"{GetType().Name} does not implement IChatStore.RemoveReactionAsync, so reactions are not available; implement it (see ChatKit's conformance suite).");

    /// <summary>
    /// Returns the reactions of the given messages, aggregated: for each message with any, each emoji once in the order it
    /// was first used, with its users in the order they reacted. The default returns none (a store without
    /// <see cref="AddReactionAsync"/> holds none).
    /// </summary>
    /// <param name="messageIds">The message ids.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Message id to its reactions; messages without reactions are absent.</returns>
    Task<IReadOnlyDictionary<string, IReadOnlyList<MessageReaction>>> GetReactionsAsync(IReadOnlyCollection<string> messageIds, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<string, IReadOnlyList<MessageReaction>>>(new Dictionary<string, IReadOnlyList<MessageReaction>>(StringComparer.Ordinal));
}

/// <summary>A value a store returned, and whether the call created it.</summary>
/// <typeparam name="T">The value's type.</typeparam>
/// <param name="Value">The stored value.</param>
/// <param name="Created"><see langword="true"/> when this call inserted it; <see langword="false"/> when it existed.</param>
public readonly record struct StoreResult<T>(T Value, bool Created);

/// <summary>What adding participants under a limit did.</summary>
/// <param name="Conversation">The conversation afterwards, or <see langword="null"/> when it does not exist.</param>
/// <param name="LimitExceeded"><see langword="true"/> when nobody was added because the conversation would have had too many participants.</param>
public readonly record struct AddParticipantsResult(Conversation? Conversation, bool LimitExceeded);

/// <summary>What <see cref="IChatStore.AppendParticipantMessageAsync"/> returns: the append's result and who to tell.</summary>
/// <param name="Result">The stored message, and whether this call created it.</param>
/// <param name="ConversationType">The conversation's type.</param>
/// <param name="ParticipantIds">The conversation's participants when the message was appended.</param>
public sealed record ParticipantAppend(StoreResult<ChatMessage> Result, ConversationType ConversationType, IReadOnlyList<string> ParticipantIds);

/// <summary>A position in a user's conversation list, ordered by last activity descending then id descending.</summary>
/// <param name="LastActivityAt">The last activity of the conversation at the position.</param>
/// <param name="ConversationId">The id of the conversation at the position.</param>
public sealed record ConversationPosition(DateTimeOffset LastActivityAt, string ConversationId);
