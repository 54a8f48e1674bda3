namespace ChatKit.Storage;

// Attachments (v2): the uploads' records. The bytes live in an IAttachmentBlobStore; a message carries what it shows of
// its attachments (ChatMessage.Attachments), stored by the append like its mentions.
public partial interface IChatStore
{
    /// <summary>
    /// Whether this store keeps attachment records. Added after v1: the default is <see langword="false"/>, and the
    /// attachment members then throw <see cref="NotSupportedException"/> (ChatKit answers uploads with
    /// <c>unavailable</c>). The conformance suite checks a store that says <see langword="true"/>.
    /// </summary>
    bool SupportsAttachments => false;

    /// <summary>Inserts the record of a new upload (unsent: <see cref="ChatAttachment.SentKey"/> is <see langword="null"/>).</summary>
    /// <param name="attachment">The record.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task CreateAttachmentAsync(ChatAttachment attachment, CancellationToken cancellationToken) =>
        throw new NotSupportedException("this store does not keep attachments");

    /// <summary>Returns an attachment's record, or <see langword="null"/> when it does not exist.</summary>
    /// <param name="attachmentId">The attachment id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task<ChatAttachment?> FindAttachmentAsync(string attachmentId, CancellationToken cancellationToken) =>
        throw new NotSupportedException("this store does not keep attachments");

    /// <summary>
    /// Marks uploads as sent by one send, all or none, in one atomic operation: each must exist, belong to
    /// <paramref name="conversationId"/> and <paramref name="uploaderId"/>, and be unsent or already sent with the same
    /// <paramref name="sentKey"/> (a retry of that send). Concurrent claims of one upload with different keys: one wins.
    /// </summary>
    /// <param name="conversationId">The conversation of the message.</param>
    /// <param name="uploaderId">The sender, who must be the uploader.</param>
    /// <param name="attachmentIds">Distinct ids.</param>
    /// <param name="sentKey">The send's key.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The records in the order of <paramref name="attachmentIds"/>, or <see langword="null"/> when any fails the rule (then nothing changed).</returns>
    Task<IReadOnlyList<ChatAttachment>?> ClaimAttachmentsAsync(string conversationId, string uploaderId, IReadOnlyList<string> attachmentIds, string sentKey, CancellationToken cancellationToken) =>
        throw new NotSupportedException("this store does not keep attachments");

    /// <summary>Makes uploads claimed with <paramref name="sentKey"/> unsent again (a send that stored no message with them); others are left alone.</summary>
    /// <param name="attachmentIds">The ids.</param>
    /// <param name="sentKey">The key they were claimed with.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task ReleaseAttachmentsAsync(IReadOnlyList<string> attachmentIds, string sentKey, CancellationToken cancellationToken) =>
        throw new NotSupportedException("this store does not keep attachments");

    /// <summary>Lists unsent uploads made before <paramref name="uploadedBefore"/>, oldest first.</summary>
    /// <param name="uploadedBefore">Exclusive upper bound of <see cref="ChatAttachment.UploadedAt"/>.</param>
    /// <param name="limit">The most to return, at least 1.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task<IReadOnlyList<ChatAttachment>> ListUnsentAttachmentsAsync(DateTimeOffset uploadedBefore, int limit, CancellationToken cancellationToken) =>
        throw new NotSupportedException("this store does not keep attachments");

    /// <summary>Deletes an upload's record only if it is still unsent, atomically (a send claiming it at the same moment wins or loses whole).</summary>
    /// <param name="attachmentId">The attachment id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Whether it was deleted.</returns>
    Task<bool> DeleteUnsentAttachmentAsync(string attachmentId, CancellationToken cancellationToken) =>
        throw new NotSupportedException("this store does not keep attachments");
}
