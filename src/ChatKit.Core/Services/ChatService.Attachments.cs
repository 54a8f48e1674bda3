using ChatKit.Internal;

namespace ChatKit.Services;

// Sending a message with attachments: the uploads are claimed for the send before the append, all or none.
public sealed partial class ChatService
{
    private IReadOnlyList<string> ValidateAttachmentIds(IReadOnlyList<string>? ids)
    {
        if (ids is null || ids.Count == 0)
        {
            return [];
        }

        if (ids.Count > _attachmentOptions.MaxAttachmentsPerMessage)
        {
            throw ChatException.Validation("attachmentIds", Invariant($"a message has at most {_attachmentOptions.MaxAttachmentsPerMessage} attachments"));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            if (!ContentNormalizer.IsValidId(id, _options.MaxIdLength))
            {
                throw ChatException.Validation("attachmentIds", "an attachment id is not blank and has no control or format characters");
            }

            if (!seen.Add(id))
            {
                throw ChatException.Validation("attachmentIds", Invariant($"attachment {id} is named twice"));
            }
        }

        if (!_store.SupportsAttachments)
        {
            throw new ChatException(ChatErrorCode.Unavailable, "this chat store keeps no attachments");
        }

        return ids;
    }

    /// <summary>
    /// Claims the uploads for this send (key: the tempId, so a retry claims them again; otherwise the new message id).
    /// </summary>
    private async Task<(IReadOnlyList<MessageAttachment> Attachments, string SentKey)> ClaimAttachmentsAsync(
        ChatUser caller, SendMessageRequest request, IReadOnlyList<string> ids, string messageId, CancellationToken cancellationToken)
    {
        var sentKey = AttachmentService.SentKeyOf(request.TempId, messageId);
        if (ids.Count == 0)
        {
            return ([], sentKey);
        }

        var claimed = await _store.ClaimAttachmentsAsync(request.ConversationId, caller.Id, ids, sentKey, cancellationToken).ConfigureAwait(false)
            ?? throw ChatException.Validation(
                "attachmentIds",
                "each attachment must be an upload of the sender to this conversation, not yet sent with another message, and not expired");
        return ([.. claimed.Select(a => a.ToMessageAttachment())], sentKey);
    }

    private async Task ReleaseAttachmentsAsync(IReadOnlyList<string> ids, string sentKey, CancellationToken cancellationToken)
    {
        if (ids.Count > 0)
        {
            await _store.ReleaseAttachmentsAsync(ids, sentKey, cancellationToken).ConfigureAwait(false);
        }
    }
}
