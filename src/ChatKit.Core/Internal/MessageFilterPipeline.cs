using ChatKit.Filters;
using ChatKit.Storage;
using Microsoft.Extensions.Logging;

namespace ChatKit.Internal;

/// <summary>
/// Runs the host's <see cref="IMessageFilter"/>s over a message before it is stored: in order, within one time budget
/// for all of them, each rewrite normalised and checked like a client's content.
/// </summary>
/// <remarks>
/// Filters need not be deterministic (a moderation service may answer differently, or time out, on a retry), while a
/// retried send must return its first message. So a send with a tempId that the filters refuse, or that fails in them,
/// asks the store whether that tempId is already stored, and if it is goes on to the append, whose idempotency returns
/// the first message. A retry that the filters rewrite differently gets the first message the same way.
/// </remarks>
internal sealed class MessageFilterPipeline(
    IEnumerable<IMessageFilter>? filters, IChatStore store, TimeProvider time, ChatKitOptions options, ILogger logger)
{
    private readonly IMessageFilter[] _filters = filters?.ToArray() ?? [];

    /// <summary>Whether any filter is registered; when not, sends skip this class entirely.</summary>
    public bool Active => _filters.Length > 0;

    /// <summary>
    /// Runs the filters and returns the content to append. When they refuse or fail a send whose tempId is already
    /// stored, returns <paramref name="content"/> unfiltered instead: the append then finds the tempId and returns the
    /// first message (completing it where a store appends in steps), storing nothing.
    /// </summary>
    /// <exception cref="ChatException">
    /// <c>not_found</c> for a conversation the sender is not in (before any filter sees the content); the filter's
    /// <c>validation_failed</c> or <c>forbidden</c>; <c>unavailable</c> when a filter failed and failures refuse.
    /// </exception>
    public async Task<string> RunAsync(ChatUser sender, SendMessageRequest request, string content, CancellationToken cancellationToken)
    {
        // No content reaches a filter for a conversation the sender may not write to: outsiders get not_found as before.
        var conversation = await store.FindConversationAsync(request.ConversationId, cancellationToken).ConfigureAwait(false);
        if (conversation is null || !conversation.HasParticipant(sender.Id))
        {
            throw ChatException.ConversationNotFound(request.ConversationId);
        }

        var context = new MessageFilterContext(sender, conversation, content, request.TempId);
        try
        {
            await FilterAsync(context, cancellationToken).ConfigureAwait(false);
            return context.Content;
        }
        catch (ChatException) when (request.TempId is not null)
        {
            if (await store.FindMessageByTempIdAsync(request.ConversationId, sender.Id, request.TempId, cancellationToken).ConfigureAwait(false) is not null)
            {
                return content;
            }

            throw;
        }
    }

    /// <summary>Runs the filters over an edit's new content and returns the content to store.</summary>
    /// <exception cref="ChatException">
    /// The filter's <c>validation_failed</c> or <c>forbidden</c>; <c>unavailable</c> when a filter failed and failures refuse.
    /// </exception>
    public async Task<string> RunForEditAsync(ChatUser editor, Conversation conversation, string messageId, string content, CancellationToken cancellationToken)
    {
        var context = new MessageFilterContext(editor, conversation, content, tempId: null) { EditedMessageId = messageId };
        await FilterAsync(context, cancellationToken).ConfigureAwait(false);
        return context.Content;
    }

    private async Task FilterAsync(MessageFilterContext context, CancellationToken cancellationToken)
    {
        var budget = options.MessageFilterTimeout;
        var started = time.GetTimestamp();
        using var timeout = new CancellationTokenSource(budget, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        foreach (var filter in _filters)
        {
            MessageFilterResult? result;
            try
            {
                // A filter that answers at once is always heard, even after an earlier one used up the budget (its
                // token is then cancelled already); one that has to wait gets what is left of the budget.
                var pending = filter.FilterAsync(context, linked.Token);
                if (pending.IsCompletedSuccessfully)
                {
                    result = pending.Result;
                }
                else
                {
                    var remaining = budget - time.GetElapsedTime(started);
                    result = remaining > TimeSpan.Zero
                        ? await pending.AsTask().WaitAsync(remaining, time, cancellationToken).ConfigureAwait(false)
                        : throw new TimeoutException();
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (ex is TimeoutException || timeout.IsCancellationRequested)
            {
                // A filter still running sees its token cancelled, whichever timer fired first.
                await timeout.CancelAsync().ConfigureAwait(false);
                Log.MessageFilterTimedOut(logger, filter.GetType().Name, budget, options.MessageFilterFailure);
                Fail();
                continue;
            }
            catch (Exception ex)
            {
                Log.MessageFilterFailed(logger, filter.GetType().Name, options.MessageFilterFailure, ex);
                Fail();
                continue;
            }

            if (result is null)
            {
                Log.MessageFilterFailed(logger, filter.GetType().Name, options.MessageFilterFailure, new InvalidOperationException("The filter returned null instead of a MessageFilterResult."));
                Fail();
            }
            else if (result.Error is { } error)
            {
                throw error == ChatErrorCode.ValidationFailed
                    ? ChatException.Validation("content", result.Reason!)
                    : new ChatException(error, result.Reason!);
            }
            else if (result.Content is { } rewritten)
            {
                context.Content = MessageContent.Normalize(rewritten, options.MaxContentLength);
            }
        }
    }

    /// <summary>Refuses the send with <c>unavailable</c>, unless failures skip the filter.</summary>
    private void Fail()
    {
        if (options.MessageFilterFailure == MessageFilterFailureMode.Reject)
        {
            throw new ChatException(ChatErrorCode.Unavailable, "the message could not be checked; try again", retryAfter: TimeSpan.FromSeconds(1));
        }
    }
}
