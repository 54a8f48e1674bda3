using System.Text.Json;
using ChatKit.Notifications;
using Microsoft.EntityFrameworkCore;
using static ChatKit.Storage.EfCore.Internal.Mapping;

namespace ChatKit.Storage.EfCore.Internal;

/// <summary>
/// The users' push registrations in <c>chatkit_push_registrations</c>, whose primary key is (provider, address): a save
/// is an update of that row or an insert guarded by the key, so two nodes saving one address leave one row.
/// </summary>
internal sealed partial class EfCoreChatStore : IPushRegistrationStore
{
    private static readonly JsonSerializerOptions KeysJson = new(JsonSerializerDefaults.Web);

    /// <inheritdoc/>
    public Task SavePushRegistrationAsync(PushRegistration registration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var (provider, address, userId) = (registration.Provider, registration.Address, registration.UserId);
        var keys = JsonSerializer.Serialize(registration.Keys, KeysJson);
        var createdAt = ToStore(registration.CreatedAt);
        return WriteAsync(
            async (db, ct) =>
            {
                // Replace, or insert; an insert that lost a race to another insert replaces the winner's row.
                for (var attempt = 0; ; attempt++)
                {
                    var replaced = await db.Set<PushRegistrationEntity>()
                        .Where(r => r.Provider == provider && r.Address == address)
                        .ExecuteUpdateAsync(s => s.SetProperty(r => r.UserId, userId).SetProperty(r => r.Keys, keys).SetProperty(r => r.CreatedAt, createdAt), ct)
                        .ConfigureAwait(false);
                    var row = new PushRegistrationEntity { Provider = provider, Address = address, UserId = userId, Keys = keys, CreatedAt = createdAt };
                    if (replaced == 1 || await TryInsertAsync(db, row, ct).ConfigureAwait(false))
                    {
                        return true;
                    }

                    if (attempt == 2)
                    {
                        throw new InvalidOperationException($"The push registration of {provider} could be neither replaced nor inserted.");
                    }
                }
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<bool> DeletePushRegistrationAsync(string provider, string address, string? userId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(address);
        return WriteAsync(
            async (db, ct) => await db.Set<PushRegistrationEntity>()
                .Where(r => r.Provider == provider && r.Address == address && (userId == null || r.UserId == userId))
                .ExecuteDeleteAsync(ct)
                .ConfigureAwait(false) == 1,
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<PushRegistration>> GetPushRegistrationsAsync(string provider, IReadOnlyCollection<string> userIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(userIds);
        var users = userIds.Distinct(StringComparer.Ordinal).ToArray();
        if (users.Length == 0)
        {
            return Task.FromResult<IReadOnlyList<PushRegistration>>([]);
        }

        return ReadAsync(
            async (db, ct) =>
            {
                var rows = await db.Set<PushRegistrationEntity>().AsNoTracking()
                    .Where(r => r.Provider == provider && users.Contains(r.UserId))
                    .OrderBy(r => r.CreatedAt).ThenBy(r => r.Address)
                    .ToListAsync(ct)
                    .ConfigureAwait(false);
                return (IReadOnlyList<PushRegistration>)[.. rows.Select(ToRegistration)];
            },
            cancellationToken);
    }

    private static PushRegistration ToRegistration(PushRegistrationEntity row) => new(
        row.UserId,
        row.Provider,
        row.Address,
        JsonSerializer.Deserialize<Dictionary<string, string>>(row.Keys, KeysJson) ?? [],
        FromStore(row.CreatedAt));
}
