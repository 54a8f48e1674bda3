using ChatKit.Notifications;
using MongoDB.Driver;
using static ChatKit.Storage.Mongo.Internal.MongoPushDefinitions;

namespace ChatKit.Storage.Mongo.Internal;

/// <summary>
/// The users' push registrations: one document per (provider, address) by its id, so a save is one replace-or-insert and
/// two nodes saving one address leave one document.
/// </summary>
internal sealed partial class MongoChatStore : IPushRegistrationStore
{
    /// <inheritdoc/>
    public async Task SavePushRegistrationAsync(PushRegistration registration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var document = ToDocument(registration);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _context.PushRegistrations.ReplaceOneAsync(ById(registration.Provider, registration.Address), document, new ReplaceOptions { IsUpsert = true }, cancellationToken)
                    .ConfigureAwait(false);
                return;
            }
            catch (MongoException exception) when (attempt < MaxInsertAttempts && MongoErrors.IsDuplicateKey(exception))
            {
                // Two upserts of one new id raced; the loser replaces the winner's document now that it exists.
            }
        }
    }

    /// <inheritdoc/>
    public async Task<bool> DeletePushRegistrationAsync(string provider, string address, string? userId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(address);
        var result = await _context.PushRegistrations.DeleteOneAsync(ToDelete(provider, address, userId), cancellationToken).ConfigureAwait(false);
        return result.DeletedCount == 1;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<PushRegistration>> GetPushRegistrationsAsync(string provider, IReadOnlyCollection<string> userIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(userIds);
        if (userIds.Count == 0)
        {
            return [];
        }

        var documents = await _context.PushRegistrations.Find(OfUsers(provider, userIds.Distinct(StringComparer.Ordinal))).Sort(Oldest)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. documents.Select(ToModel)];
    }

    internal static PushRegistrationDocument ToDocument(PushRegistration registration) => new()
    {
        Id = RegistrationId(registration.Provider, registration.Address),
        Provider = registration.Provider,
        Address = registration.Address,
        UserId = registration.UserId,
        Keys = new Dictionary<string, string>(registration.Keys, StringComparer.Ordinal),
        CreatedAt = registration.CreatedAt.UtcDateTime,
    };

    internal static PushRegistration ToModel(PushRegistrationDocument document) => new(
        document.UserId,
        document.Provider,
        document.Address,
        document.Keys,
        new DateTimeOffset(DateTime.SpecifyKind(document.CreatedAt, DateTimeKind.Utc)));
}
