using MongoDB.Driver;

namespace ChatKit.Storage.Mongo.Internal;

/// <summary>The push registrations' filters and indexes.</summary>
internal static class MongoPushDefinitions
{
    public const string UserIndex = "userId_provider";

    private static readonly FilterDefinitionBuilder<PushRegistrationDocument> Filter = Builders<PushRegistrationDocument>.Filter;

    public static IReadOnlyList<CreateIndexModel<PushRegistrationDocument>> RegistrationIndexes { get; } =
    [
        // A notification's registrations: the users of one provider.
        new(
            Builders<PushRegistrationDocument>.IndexKeys.Ascending(r => r.UserId).Ascending(r => r.Provider),
            new CreateIndexOptions<PushRegistrationDocument> { Name = UserIndex }),
    ];

    /// <summary>The id of a registration: one per (provider, address). U+001F cannot appear in a provider name or a URL.</summary>
    public static string RegistrationId(string provider, string address) => provider + "\u001f" + address;

    public static FilterDefinition<PushRegistrationDocument> ById(string provider, string address) =>
        Filter.Eq(r => r.Id, RegistrationId(provider, address));

    /// <summary>The registration, only when it belongs to <paramref name="userId"/> (any user's when it is <see langword="null"/>).</summary>
    public static FilterDefinition<PushRegistrationDocument> ToDelete(string provider, string address, string? userId) =>
        userId is null ? ById(provider, address) : ById(provider, address) & Filter.Eq(r => r.UserId, userId);

    public static FilterDefinition<PushRegistrationDocument> OfUsers(string provider, IEnumerable<string> userIds) =>
        Filter.In(r => r.UserId, userIds) & Filter.Eq(r => r.Provider, provider);

    public static SortDefinition<PushRegistrationDocument> Oldest { get; } =
        Builders<PushRegistrationDocument>.Sort.Ascending(r => r.CreatedAt).Ascending(r => r.Id);
}
