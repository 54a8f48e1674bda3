using System.Globalization;

namespace ChatKit;

/// <summary>
/// The one error type of ChatKit's rules. Its <see cref="Code"/> is the contract's stable code; transports map it
/// to a <c>HubException</c> (<c>code: sentence</c>) or a ProblemDetails body.
/// </summary>
public sealed class ChatException : Exception
{
    /// <summary>Creates an error.</summary>
    /// <param name="error">The contract's error code.</param>
    /// <param name="message">A human sentence that leaks nothing the caller may not know.</param>
    /// <param name="errors">For validation errors: field name to messages.</param>
    /// <param name="retryAfter">For rate limits and unavailability: how long until a retry can succeed.</param>
    public ChatException(
        ChatErrorCode error,
        string message,
        IReadOnlyDictionary<string, string[]>? errors = null,
        TimeSpan? retryAfter = null)
        : base(message)
    {
        Error = error;
        Errors = errors ?? new Dictionary<string, string[]>();
        RetryAfter = retryAfter;
    }

    /// <summary>The error as an enum.</summary>
    public ChatErrorCode Error { get; }

    /// <summary>The contract's code: <c>validation_failed</c>, <c>forbidden</c>, <c>not_found</c>, <c>conflict</c>, <c>rate_limited</c> or <c>unavailable</c>.</summary>
    public string Code => CodeOf(Error);

    /// <summary>For validation errors: field name (camelCase, as on the wire) to messages.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; }

    /// <summary>For rate limits and unavailability: how long until a retry can succeed, when known.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>Returns the wire code of <paramref name="error"/>.</summary>
    /// <param name="error">The error.</param>
    public static string CodeOf(ChatErrorCode error) => Internal.ChatErrorTable.Of(error).Code;

    /// <summary>A validation error on one field.</summary>
    /// <param name="field">The field, camelCase as on the wire.</param>
    /// <param name="message">What is wrong with it.</param>
    public static ChatException Validation(string field, string message) =>
        new(ChatErrorCode.ValidationFailed, message, new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>The conversation does not exist or the caller is not a participant.</summary>
    /// <param name="conversationId">The id the caller gave.</param>
    public static ChatException ConversationNotFound(string conversationId) =>
        new(ChatErrorCode.NotFound, string.Create(CultureInfo.InvariantCulture, $"conversation {conversationId} does not exist"));

    /// <summary>The message does not exist or the caller is not a participant of its conversation.</summary>
    /// <param name="messageId">The id the caller gave.</param>
    public static ChatException MessageNotFound(string messageId) =>
        new(ChatErrorCode.NotFound, string.Create(CultureInfo.InvariantCulture, $"message {messageId} does not exist"));
}
