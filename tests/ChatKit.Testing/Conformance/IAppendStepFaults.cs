namespace ChatKit.Testing.Conformance;

/// <summary>
/// The optional seam for a store whose append takes more than one atomic step (MongoDB: take the seq with <c>$inc</c>,
/// then insert the message). A store that appends in one transaction has no such steps and does not implement it.
/// </summary>
/// <remarks>
/// It lives in the test project, not in the store: the implementation reproduces, with the store's own database
/// operations, the state an append leaves when its process dies between two steps. The store's shipped code has no hook.
/// </remarks>
public interface IAppendStepFaults
{
    /// <summary>
    /// Leaves <paramref name="conversationId"/> exactly as an append that failed after its first step and never ran the
    /// rest leaves it (for MongoDB: the seq counter incremented, no message stored).
    /// </summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task AbandonAppendAfterFirstStepAsync(string conversationId, CancellationToken cancellationToken);
}
