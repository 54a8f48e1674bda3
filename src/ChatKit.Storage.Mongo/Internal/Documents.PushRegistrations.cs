using MongoDB.Bson;
using MongoDB.Bson.Serialization.Attributes;

namespace ChatKit.Storage.Mongo.Internal;

/// <summary>
/// A user's push registration. The id is the provider and the address (<see cref="MongoPushDefinitions.RegistrationId"/>),
/// so one browser or device is one document whoever registered it last.
/// </summary>
[BsonIgnoreExtraElements]
internal sealed class PushRegistrationDocument
{
    [BsonId]
    [BsonRepresentation(BsonType.String)]
    public string Id { get; set; } = string.Empty;

    [BsonElement("provider")]
    public string Provider { get; set; } = string.Empty;

    [BsonElement("address")]
    public string Address { get; set; } = string.Empty;

    [BsonElement("userId")]
    public string UserId { get; set; } = string.Empty;

    [BsonElement("keys")]
    public Dictionary<string, string> Keys { get; set; } = [];

    [BsonElement("createdAt")]
    [BsonDateTimeOptions(Kind = DateTimeKind.Utc, Representation = BsonType.DateTime)]
    public DateTime CreatedAt { get; set; }
}
