using MongoDB.Driver;

namespace ChatKit.Storage.Mongo.Internal;

/// <summary>The users' push registrations.</summary>
internal sealed partial class MongoChatContext
{
    public const string PushRegistrationsName = "push_registrations";

    public IMongoCollection<PushRegistrationDocument> PushRegistrations { get; }
}
