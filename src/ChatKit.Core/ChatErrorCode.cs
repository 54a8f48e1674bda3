namespace ChatKit;

/// <summary>The stable error codes of the wire contract.</summary>
public enum ChatErrorCode
{
    /// <summary><c>validation_failed</c>: bad or missing input (HTTP 400).</summary>
    ValidationFailed,

    /// <summary><c>forbidden</c>: a participant without the right (HTTP 403).</summary>
    Forbidden,

    /// <summary><c>not_found</c>: the resource does not exist or the caller is not a participant (HTTP 404).</summary>
    NotFound,

    /// <summary><c>conflict</c>: the operation contradicts the state (HTTP 409).</summary>
    Conflict,

    /// <summary><c>rate_limited</c>: the user exceeded a rate limit (HTTP 429).</summary>
    RateLimited,

    /// <summary>
    /// <c>unavailable</c>: the store or another service ChatKit needs is unreachable for the moment; nothing was stored
    /// (or a retry with the same tempId finds it); retry after <see cref="ChatException.RetryAfter"/> (HTTP 503).
    /// </summary>
    Unavailable,

    /// <summary><c>payload_too_large</c>: an upload larger than <see cref="ChatKitAttachmentOptions.MaxSize"/> (HTTP 413).</summary>
    PayloadTooLarge,

    /// <summary><c>unsupported_media_type</c>: an upload whose type is not allowed, or not what its bytes are (HTTP 415).</summary>
    UnsupportedMediaType,
}
