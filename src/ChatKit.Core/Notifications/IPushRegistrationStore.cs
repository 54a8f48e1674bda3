namespace ChatKit.Notifications;

/// <summary>
/// Where the users' push registrations are kept, in the chat database. A store that supports notifications implements
/// this next to <c>IChatStore</c> (ChatKit's stores do); a host that adds a push channel on a store without it fails at
/// start-up with a sentence saying so.
/// </summary>
/// <remarks>Every member is one atomic operation; the conformance suite in ChatKit.Testing proves them.</remarks>
public interface IPushRegistrationStore
{
    /// <summary>
    /// Saves a registration. A registration is identified by its <see cref="PushRegistration.Provider"/> and
    /// <see cref="PushRegistration.Address"/>: saving one that exists replaces it (its keys and its user: a browser or
    /// device signed in as another user now notifies that user only).
    /// </summary>
    /// <param name="registration">The registration.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task SavePushRegistrationAsync(PushRegistration registration, CancellationToken cancellationToken);

    /// <summary>Removes a registration; nothing when there is none.</summary>
    /// <param name="provider">Its provider.</param>
    /// <param name="address">Its address.</param>
    /// <param name="userId">When not <see langword="null"/>, removes it only if it belongs to this user.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Whether a registration was removed.</returns>
    Task<bool> DeletePushRegistrationAsync(string provider, string address, string? userId, CancellationToken cancellationToken);

    /// <summary>Returns the registrations of <paramref name="userIds"/> with <paramref name="provider"/>.</summary>
    /// <param name="provider">The provider.</param>
    /// <param name="userIds">The users.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task<IReadOnlyList<PushRegistration>> GetPushRegistrationsAsync(string provider, IReadOnlyCollection<string> userIds, CancellationToken cancellationToken);
}
