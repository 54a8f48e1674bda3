using ChatKit.Notifications;

namespace ChatKit.Storage;

/// <summary>The users' push registrations, in memory (under the store's one lock), keyed by provider and address.</summary>
public sealed partial class InMemoryChatStore : IPushRegistrationStore
{
    private readonly Dictionary<(string Provider, string Address), PushRegistration> _pushRegistrations = [];

    /// <inheritdoc/>
    public Task SavePushRegistrationAsync(PushRegistration registration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var copy = registration with { Keys = new Dictionary<string, string>(registration.Keys, StringComparer.Ordinal) };
        lock (_gate)
        {
            _pushRegistrations[(registration.Provider, registration.Address)] = copy;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<bool> DeletePushRegistrationAsync(string provider, string address, string? userId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(address);
        lock (_gate)
        {
            var key = (provider, address);
            var removed = _pushRegistrations.TryGetValue(key, out var existing)
                && (userId is null || existing.UserId == userId)
                && _pushRegistrations.Remove(key);
            return Task.FromResult(removed);
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<PushRegistration>> GetPushRegistrationsAsync(string provider, IReadOnlyCollection<string> userIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(userIds);
        var users = userIds.ToHashSet(StringComparer.Ordinal);
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<PushRegistration>>(
                [.. _pushRegistrations.Values.Where(r => r.Provider == provider && users.Contains(r.UserId)).OrderBy(r => r.CreatedAt).ThenBy(r => r.Address, StringComparer.Ordinal)]);
        }
    }
}
