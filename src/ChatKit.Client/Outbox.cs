using System.Text.Json;

namespace ChatKit.Client;

/// <summary>
/// A message waiting for the server's acknowledgement. The client generates <see cref="TempId"/> once and resends
/// under it until the server acknowledges, so a resend never stores a second message.
/// </summary>
/// <param name="TempId">The idempotency key.</param>
/// <param name="ConversationId">The conversation.</param>
/// <param name="Content">The text.</param>
/// <param name="ReplyToId">The message it replies to, or <see langword="null"/>.</param>
/// <param name="Mentions">User ids it mentions, or <see langword="null"/>.</param>
/// <param name="AttachmentIds">Uploaded attachments, or <see langword="null"/>.</param>
/// <param name="Metadata">A JSON object, or <see langword="null"/>.</param>
public sealed record OutgoingMessage(
    string TempId,
    string ConversationId,
    string Content,
    string? ReplyToId = null,
    IReadOnlyList<string>? Mentions = null,
    IReadOnlyList<string>? AttachmentIds = null,
    JsonElement? Metadata = null);

/// <summary>
/// Where the client keeps messages not yet acknowledged. The default keeps them in memory for the client's lifetime;
/// implement this to keep them across restarts of the app (a file, SQLite, the browser's storage in a WebAssembly app).
/// Calls come one at a time.
/// </summary>
public interface IChatOutbox
{
    /// <summary>Adds a message at the end.</summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    ValueTask AddAsync(OutgoingMessage message, CancellationToken cancellationToken);

    /// <summary>Removes the message with this tempId, if there is one.</summary>
    /// <param name="tempId">Its tempId.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    ValueTask RemoveAsync(string tempId, CancellationToken cancellationToken);

    /// <summary>Every message waiting, in the order they were added.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    ValueTask<IReadOnlyList<OutgoingMessage>> GetAllAsync(CancellationToken cancellationToken);
}

/// <summary>The default <see cref="IChatOutbox"/>: in memory, lost when the process ends.</summary>
public sealed class InMemoryChatOutbox : IChatOutbox
{
    private readonly List<OutgoingMessage> _messages = [];
    private readonly Lock _lock = new();

    /// <inheritdoc/>
    public ValueTask AddAsync(OutgoingMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_lock)
        {
            _messages.Add(message);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask RemoveAsync(string tempId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _messages.RemoveAll(m => m.TempId == tempId);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<OutgoingMessage>> GetAllAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return ValueTask.FromResult<IReadOnlyList<OutgoingMessage>>([.. _messages]);
        }
    }
}
