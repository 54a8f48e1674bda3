using ChatKit.Events;
using ChatKit.Internal;

namespace ChatKit.Services;

// v2 message interactions: edits, reactions, replies and mentions, and the read-time decoration that gives every message
// its current reply summary and reactions (so history, events and acknowledgements agree whatever changed since).
public sealed partial class ChatService
{
    /// <summary>The most characters of a reply's excerpt of the message it replies to.</summary>
    public const int ReplyExcerptLength = 100;

    /// <summary>
    /// Edits a message's content: only its sender, by the same content rules as sending, within
    /// <see cref="ChatKitOptions.EditWindow"/> when one is set. Publishes <see cref="MessageUpdatedEvent"/> when the content
    /// changed; the same content again changes and publishes nothing.
    /// </summary>
    /// <param name="caller">The message's sender.</param>
    /// <param name="messageId">The message id.</param>
    /// <param name="content">The new content.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The message as it is now.</returns>
    /// <exception cref="ChatException">
    /// <c>validation_failed</c> for bad content; <c>not_found</c> for a message the caller cannot see; <c>forbidden</c> for
    /// another user's message, a system message, or after the edit window; <c>conflict</c> for a deleted message.
    /// </exception>
    public async Task<ChatMessage> EditMessageAsync(ChatUser caller, string messageId, string content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ValidateMessageId(messageId);
        var normalized = NormalizeContent(content);
        await EnforceAsync(caller, ChatOperation.EditMessage, cancellationToken).ConfigureAwait(false);
        var (message, conversation) = await RequireVisibleMessageAsync(caller, messageId, cancellationToken).ConfigureAwait(false);
        if (message.Type == MessageType.System)
        {
            throw new ChatException(ChatErrorCode.Forbidden, "a system message cannot be edited");
        }

        if (message.SenderId != caller.Id)
        {
            throw new ChatException(ChatErrorCode.Forbidden, "only the sender may edit a message");
        }

        if (message.IsDeleted)
        {
            throw new ChatException(ChatErrorCode.Conflict, Invariant($"message {messageId} is deleted"));
        }

        var now = Ids.Now(_time);
        if (_options.EditWindow is { } window && now - message.CreatedAt > window)
        {
            throw new ChatException(ChatErrorCode.Forbidden, Invariant($"a message can be edited for {window} after it was sent"));
        }

        if (_filters.Active)
        {
            // The host's filters see an edit as they see a send: an edit cannot bring back what they took out.
            normalized = await _filters.RunForEditAsync(caller, conversation, messageId, normalized, cancellationToken).ConfigureAwait(false);
        }

        if (string.Equals(message.Content, normalized, StringComparison.Ordinal))
        {
            return await DecorateAsync(message, cancellationToken).ConfigureAwait(false);
        }

        var (stored, recorded) = await RecordAsync(
            conversation.Id,
            ct => _store.EditMessageAsync(messageId, normalized, now, ct),
            m => m is { IsDeleted: false } ? [new MessageUpdatedEvent(m, ParticipantIds(conversation))] : [],
            cancellationToken).ConfigureAwait(false);
        var edited = stored ?? throw ChatException.MessageNotFound(messageId);
        if (edited.IsDeleted)
        {
            // A deletion committed between the read above and the edit: the conditional update left the tombstone alone.
            throw new ChatException(ChatErrorCode.Conflict, Invariant($"message {messageId} is deleted"));
        }

        var decorated = await DecorateAsync(edited, cancellationToken).ConfigureAwait(false);
        await _events.PublishAsync(new MessageUpdatedEvent(decorated, ParticipantIds(conversation)) { EventId = recorded.FirstOrDefault()?.EventId }).ConfigureAwait(false);
        return decorated;
    }

    /// <summary>
    /// Adds the caller's reaction to a message. Idempotent: adding one that exists changes and publishes nothing;
    /// otherwise publishes <see cref="ReactionAddedEvent"/>.
    /// </summary>
    /// <param name="caller">A participant of the message's conversation.</param>
    /// <param name="messageId">The message id.</param>
    /// <param name="emoji">1 to <see cref="ChatKitOptions.MaxReactionEmojiLength"/> UTF-16 code units, no whitespace or control character.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The message with its reactions afterwards.</returns>
    /// <exception cref="ChatException">
    /// <c>validation_failed</c> for a bad emoji or a new emoji beyond <see cref="ChatKitOptions.MaxDistinctReactionsPerMessage"/>;
    /// <c>not_found</c>; <c>conflict</c> for a deleted message.
    /// </exception>
    public Task<ChatMessage> AddReactionAsync(ChatUser caller, string messageId, string emoji, CancellationToken cancellationToken = default) =>
        ReactAsync(caller, messageId, emoji, add: true, cancellationToken);

    /// <summary>
    /// Removes the caller's reaction from a message. Removing one that does not exist changes and publishes nothing;
    /// otherwise publishes <see cref="ReactionRemovedEvent"/>.
    /// </summary>
    /// <param name="caller">A participant of the message's conversation.</param>
    /// <param name="messageId">The message id.</param>
    /// <param name="emoji">The emoji.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The message with its reactions afterwards.</returns>
    /// <exception cref="ChatException"><c>validation_failed</c> for a bad emoji; <c>not_found</c>; <c>conflict</c> for a deleted message.</exception>
    public Task<ChatMessage> RemoveReactionAsync(ChatUser caller, string messageId, string emoji, CancellationToken cancellationToken = default) =>
        ReactAsync(caller, messageId, emoji, add: false, cancellationToken);

    private async Task<ChatMessage> ReactAsync(ChatUser caller, string messageId, string emoji, bool add, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ValidateMessageId(messageId);
        ValidateEmoji(emoji);
        await EnforceAsync(caller, ChatOperation.React, cancellationToken).ConfigureAwait(false);
        var (message, conversation) = await RequireVisibleMessageAsync(caller, messageId, cancellationToken).ConfigureAwait(false);
        if (message.IsDeleted)
        {
            throw new ChatException(ChatErrorCode.Conflict, Invariant($"message {messageId} is deleted"));
        }

        var reactedAt = Ids.Now(_time);
        var (change, recorded) = await RecordAsync(
            conversation.Id,
            ct => add
                ? _store.AddReactionAsync(messageId, caller.Id, emoji, reactedAt, _options.MaxDistinctReactionsPerMessage, ct)
                : _store.RemoveReactionAsync(messageId, caller.Id, emoji, ct),
            c => c != ReactionChange.Changed ? []
                : add ? [new ReactionAddedEvent(conversation.Id, messageId, emoji, caller.Id, ParticipantIds(conversation))]
                : [new ReactionRemovedEvent(conversation.Id, messageId, emoji, caller.Id, ParticipantIds(conversation))],
            cancellationToken).ConfigureAwait(false);
        switch (change)
        {
            case ReactionChange.MessageNotFound:
                throw ChatException.MessageNotFound(messageId);
            case ReactionChange.MessageDeleted:
                throw new ChatException(ChatErrorCode.Conflict, Invariant($"message {messageId} is deleted"));
            case ReactionChange.LimitExceeded:
                throw ChatException.Validation("emoji", Invariant($"a message holds at most {_options.MaxDistinctReactionsPerMessage} distinct emoji"));
            case ReactionChange.Changed:
                await PublishAllAsync(recorded).ConfigureAwait(false);
                break;
        }

        var current = await _store.FindMessageAsync(messageId, cancellationToken).ConfigureAwait(false) ?? message;
        return await DecorateAsync(current, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The message and its conversation when the caller participates in it; otherwise <c>not_found</c>.</summary>
    private async Task<(ChatMessage Message, Conversation Conversation)> RequireVisibleMessageAsync(ChatUser caller, string messageId, CancellationToken cancellationToken)
    {
        var message = await _store.FindMessageAsync(messageId, cancellationToken).ConfigureAwait(false)
            ?? throw ChatException.MessageNotFound(messageId);
        var conversation = await _store.FindConversationAsync(message.ConversationId, cancellationToken).ConfigureAwait(false);
        if (conversation is null || !conversation.HasParticipant(caller.Id))
        {
            throw ChatException.MessageNotFound(messageId);
        }

        return (message, conversation);
    }

    /// <summary>Content by the contract's rules: required, normalised, visible, within the length limit.</summary>
    private string NormalizeContent(string? content) =>
        content is null
            ? throw ChatException.Validation("content", "content is required")
            : MessageContent.Normalize(content, _options.MaxContentLength);

    private void ValidateEmoji(string? emoji)
    {
        if (string.IsNullOrEmpty(emoji) || emoji.Length > _options.MaxReactionEmojiLength)
        {
            throw ChatException.Validation("emoji", Invariant($"an emoji has 1 to {_options.MaxReactionEmojiLength} UTF-16 code units"));
        }

        foreach (var c in emoji)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                throw ChatException.Validation("emoji", "an emoji has no whitespace or control character");
            }
        }

        if (!ContentNormalizer.IsWellFormed(emoji))
        {
            throw ChatException.Validation("emoji", "an emoji is well-formed UTF-16 (no unpaired surrogate)");
        }
    }

    /// <summary>The mentioned ids, checked and de-duplicated in the order given (empty when none).</summary>
    private IReadOnlyList<string> ValidateMentionIds(IReadOnlyList<string>? mentions)
    {
        if (mentions is null || mentions.Count == 0)
        {
            return [];
        }

        if (mentions.Count > _options.MaxGroupParticipants)
        {
            throw ChatException.Validation("mentions", Invariant($"a message mentions at most {_options.MaxGroupParticipants} users"));
        }

        var seen = new HashSet<string>(mentions.Count, StringComparer.Ordinal);
        var ordered = new List<string>(mentions.Count);
        foreach (var id in mentions)
        {
            ValidateUserId(id, "mentions");
            if (seen.Add(id))
            {
                ordered.Add(id);
            }
        }

        return ordered;
    }

    /// <summary>Mentions name participants, and a reply names a live message, of the conversation; else <c>validation_failed</c>.</summary>
    private async Task CheckReplyAndMentionsAsync(ChatUser caller, string conversationId, string? replyToId, IReadOnlyList<string> mentions, CancellationToken cancellationToken)
    {
        var conversation = await RequireParticipantAsync(caller, conversationId, cancellationToken).ConfigureAwait(false);
        foreach (var id in mentions)
        {
            if (!conversation.HasParticipant(id))
            {
                throw ChatException.Validation("mentions", Invariant($"user {id} is not a participant of conversation {conversationId}"));
            }
        }

        if (replyToId is not null)
        {
            var original = await _store.FindMessageAsync(replyToId, cancellationToken).ConfigureAwait(false);
            if (original is null || original.ConversationId != conversationId)
            {
                throw ChatException.Validation("replyToId", Invariant($"message {replyToId} is not a message of conversation {conversationId}"));
            }

            if (original.IsDeleted)
            {
                throw ChatException.Validation("replyToId", Invariant($"message {replyToId} is deleted and cannot be replied to"));
            }
        }
    }

    private async Task<ChatMessage> DecorateAsync(ChatMessage message, CancellationToken cancellationToken) =>
        (await DecorateMessagesAsync([message], cancellationToken).ConfigureAwait(false))[0];

    private async Task<IReadOnlyList<ConversationView>> DecorateViewsAsync(IReadOnlyList<ConversationView> views, CancellationToken cancellationToken)
    {
        var last = views.Select(v => v.LastMessage).OfType<ChatMessage>().ToList();
        if (last.Count == 0)
        {
            return views;
        }

        var decorated = (await DecorateMessagesAsync(last, cancellationToken).ConfigureAwait(false)).ToDictionary(m => m.Id, StringComparer.Ordinal);
        return [.. views.Select(v => v.LastMessage is null ? v : v with { LastMessage = decorated[v.LastMessage.Id] })];
    }

    /// <summary>
    /// Gives messages their reply summaries and reactions as they are now, in two store reads whatever the count. A
    /// tombstone shows no mentions and no reactions; a reply to a deleted message has an empty excerpt.
    /// </summary>
    private async Task<IReadOnlyList<ChatMessage>> DecorateMessagesAsync(IReadOnlyList<ChatMessage> messages, CancellationToken cancellationToken)
    {
        if (messages.Count == 0)
        {
            return messages;
        }

        var replyIds = messages.Select(m => m.ReplyToId).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        var originals = replyIds.Count == 0
            ? new Dictionary<string, ChatMessage>(StringComparer.Ordinal)
            : (await _store.FindMessagesAsync(replyIds, cancellationToken).ConfigureAwait(false)).ToDictionary(m => m.Id, StringComparer.Ordinal);
        var live = messages.Where(m => !m.IsDeleted).Select(m => m.Id).ToList();
        var reactions = live.Count == 0
            ? new Dictionary<string, IReadOnlyList<MessageReaction>>(StringComparer.Ordinal)
            : await _store.GetReactionsAsync(live, cancellationToken).ConfigureAwait(false);
        return [.. messages.Select(m => m with
        {
            ReplyTo = m.ReplyToId is { } replyToId && originals.TryGetValue(replyToId, out var original)
                ? new MessageReference(original.Id, original.SenderId, original.IsDeleted ? string.Empty : Excerpt(original.Content))
                : null,
            Mentions = m.IsDeleted ? [] : m.Mentions,
            Reactions = !m.IsDeleted && reactions.TryGetValue(m.Id, out var list) ? list : [],
        })];
    }

    /// <summary>The first <see cref="ReplyExcerptLength"/> UTF-16 code units, never ending inside a surrogate pair.</summary>
    internal static string Excerpt(string content)
    {
        if (content.Length <= ReplyExcerptLength)
        {
            return content;
        }

        var length = char.IsHighSurrogate(content[ReplyExcerptLength - 1]) ? ReplyExcerptLength - 1 : ReplyExcerptLength;
        return content[..length];
    }
}
