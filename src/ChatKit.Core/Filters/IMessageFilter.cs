namespace ChatKit.Filters;

/// <summary>
/// Looks at a message before it is stored, and may let it through, rewrite its content or refuse it: the place for a
/// profanity filter or a call to a moderation service. Register it with <c>AddChatKit().AddMessageFilter&lt;T&gt;()</c>;
/// filters run in the order they were added, each seeing the content as the previous one left it, all within
/// <see cref="ChatKitOptions.MessageFilterTimeout"/>.
/// </summary>
/// <remarks>
/// A filter is a singleton and may run concurrently for many sends: keep it thread-safe, and create a scope from
/// <c>IServiceScopeFactory</c> for scoped services. It runs after ChatKit checked the content, the sender's
/// membership and the send rate limit, and before the message is appended. Be asynchronous: the time budget can stop
/// ChatKit from waiting for a filter, not a thread the filter blocks. A filter that throws or runs out of time is a
/// failure, handled as <see cref="ChatKitOptions.MessageFilterFailure"/> says.
/// </remarks>
public interface IMessageFilter
{
    /// <summary>Decides about one message.</summary>
    /// <param name="context">The sender, the conversation and the content so far.</param>
    /// <param name="cancellationToken">Cancelled when the time budget runs out or the sender goes away.</param>
    /// <returns><see cref="MessageFilterResult.Accept"/>, <see cref="MessageFilterResult.Rewrite"/>, <see cref="MessageFilterResult.Reject"/> or <see cref="MessageFilterResult.Forbid"/>.</returns>
    ValueTask<MessageFilterResult> FilterAsync(MessageFilterContext context, CancellationToken cancellationToken);
}

/// <summary>What a <see cref="IMessageFilter"/> sees of a message about to be stored.</summary>
public sealed class MessageFilterContext
{
    /// <summary>Creates a context; ChatKit does this for each send.</summary>
    /// <param name="sender">The sender.</param>
    /// <param name="conversation">The conversation, as the store had it when the send began.</param>
    /// <param name="content">The normalised content.</param>
    /// <param name="tempId">The client's idempotency key, or <see langword="null"/>.</param>
    public MessageFilterContext(ChatUser sender, Conversation conversation, string content, string? tempId)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(conversation);
        ArgumentNullException.ThrowIfNull(content);
        Sender = sender;
        Conversation = conversation;
        Content = content;
        TempId = tempId;
    }

    /// <summary>The sender, a participant of <see cref="Conversation"/>.</summary>
    public ChatUser Sender { get; }

    /// <summary>The conversation, with its type and participants.</summary>
    public Conversation Conversation { get; }

    /// <summary>
    /// The content as it will be stored unless a filter changes it: normalised and within the limits, and rewritten by
    /// the filters that ran before this one.
    /// </summary>
    public string Content { get; internal set; }

    /// <summary>The client's idempotency key, or <see langword="null"/>. A retry of a stored send never reaches the store twice.</summary>
    public string? TempId { get; }

    /// <summary>
    /// The id of the message whose content an edit replaces, or <see langword="null"/> for a new message. Edits go through
    /// the same filters as sends, so an edit cannot bring back what a filter took out.
    /// </summary>
    public string? EditedMessageId { get; init; }
}

/// <summary>A filter's decision. Use the static members; <see cref="Accept"/> allocates nothing.</summary>
public sealed class MessageFilterResult
{
    private MessageFilterResult(ChatErrorCode? error, string? content, string? reason)
    {
        Error = error;
        Content = content;
        Reason = reason;
    }

    /// <summary>Lets the message through unchanged.</summary>
    public static MessageFilterResult Accept { get; } = new(null, null, null);

    /// <summary>
    /// Replaces the content. The new content is normalised and checked like a client's (empty, no visible character,
    /// longer than <see cref="ChatKitOptions.MaxContentLength"/>: <c>validation_failed</c>), then handed to the next filter.
    /// </summary>
    /// <param name="content">The content to store instead.</param>
    public static MessageFilterResult Rewrite(string content)
    {
        ArgumentNullException.ThrowIfNull(content);
        return new(null, content, null);
    }

    /// <summary>Refuses the message as invalid: the sender gets <c>validation_failed</c> with the reason, on the <c>content</c> field.</summary>
    /// <param name="reason">A sentence the sender may read.</param>
    public static MessageFilterResult Reject(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return new(ChatErrorCode.ValidationFailed, null, reason);
    }

    /// <summary>Refuses the message as not allowed to this sender: the sender gets <c>forbidden</c> with the reason.</summary>
    /// <param name="reason">A sentence the sender may read.</param>
    public static MessageFilterResult Forbid(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return new(ChatErrorCode.Forbidden, null, reason);
    }

    /// <summary><see cref="ChatErrorCode.ValidationFailed"/> or <see cref="ChatErrorCode.Forbidden"/> for a refusal; otherwise <see langword="null"/>.</summary>
    public ChatErrorCode? Error { get; }

    /// <summary>The new content of a <see cref="Rewrite"/>; otherwise <see langword="null"/>.</summary>
    public string? Content { get; }

    /// <summary>The reason of a refusal; otherwise <see langword="null"/>.</summary>
    public string? Reason { get; }
}

/// <summary>What happens to a send when a filter throws or does not answer within <see cref="ChatKitOptions.MessageFilterTimeout"/>.</summary>
public enum MessageFilterFailureMode
{
    /// <summary>
    /// Fail closed: the send is refused with <c>unavailable</c> (retryable; the client retries with the same tempId)
    /// and nothing is stored. What a moderation service expects: nothing unchecked gets through.
    /// </summary>
    Reject,

    /// <summary>Fail open: the failing filter is skipped (logged as a warning) and the remaining filters still run.</summary>
    Skip,
}
