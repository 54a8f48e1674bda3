namespace ChatKit.Internal;

/// <summary>
/// The one table of the contract's errors: for each <see cref="ChatErrorCode"/>, its wire code (the hub's
/// <c>code: sentence</c> and the <c>code</c> of a problem body), the REST status and the problem title. The hub and
/// REST adapters read it; they never restate it.
/// </summary>
internal static class ChatErrorTable
{
    /// <summary>One error's wire code, HTTP status and problem title.</summary>
    internal readonly record struct Entry(string Code, int Status, string Title);

    /// <summary>Returns the entry of <paramref name="error"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value that is not one of <see cref="ChatErrorCode"/>'s.</exception>
    public static Entry Of(ChatErrorCode error) => error switch
    {
        ChatErrorCode.ValidationFailed => new("validation_failed", 400, "Validation failed"),
        ChatErrorCode.Forbidden => new("forbidden", 403, "Forbidden"),
        ChatErrorCode.NotFound => new("not_found", 404, "Not found"),
        ChatErrorCode.Conflict => new("conflict", 409, "Conflict"),
        ChatErrorCode.RateLimited => new("rate_limited", 429, "Too many requests"),
        ChatErrorCode.Unavailable => new("unavailable", 503, "Service unavailable"),
        ChatErrorCode.PayloadTooLarge => new("payload_too_large", 413, "Payload too large"),
        ChatErrorCode.UnsupportedMediaType => new("unsupported_media_type", 415, "Unsupported media type"),
        _ => throw new ArgumentOutOfRangeException(nameof(error), error, null),
    };
}
