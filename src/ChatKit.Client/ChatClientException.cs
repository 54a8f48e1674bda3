using System.Net;

namespace ChatKit.Client;

/// <summary>
/// The server refused a call: <see cref="Code"/> is the contract's stable code (<c>validation_failed</c>,
/// <c>forbidden</c>, <c>not_found</c>, <c>conflict</c>, <c>rate_limited</c>, <c>unavailable</c>), the message its sentence.
/// </summary>
public sealed class ChatClientException : Exception
{
    /// <summary>Creates an exception with no code.</summary>
    public ChatClientException()
    {
    }

    /// <summary>Creates an exception with no code.</summary>
    /// <param name="message">What happened.</param>
    public ChatClientException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with no code.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public ChatClientException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception for a refusal.</summary>
    /// <param name="code">The contract's code, or <see langword="null"/> (401 has none).</param>
    /// <param name="message">The server's sentence.</param>
    /// <param name="statusCode">The HTTP status of a REST refusal; <see langword="null"/> for the hub.</param>
    /// <param name="innerException">The cause.</param>
    public ChatClientException(string? code, string message, HttpStatusCode? statusCode, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
        StatusCode = statusCode;
    }

    /// <summary>The contract's code, or <see langword="null"/>.</summary>
    public string? Code { get; }

    /// <summary>The HTTP status of a REST refusal, or <see langword="null"/>.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>Whether the same call may succeed later (<c>rate_limited</c>, <c>unavailable</c>).</summary>
    public bool IsTransient => Code is "rate_limited" or "unavailable";
}
