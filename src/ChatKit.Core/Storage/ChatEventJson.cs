using System.Text.Json;
using System.Text.Json.Serialization;
using ChatKit.Events;

namespace ChatKit.Storage;

/// <summary>
/// Writes a durable <see cref="ChatEvent"/> as a type name (the hub's event name, e.g. <c>newMessage</c>) and a JSON
/// document, and reads it back, for stores that keep events as text. The JSON is a storage format, stable across
/// ChatKit versions (new properties only); it is not the wire payload.
/// </summary>
public static class ChatEventJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private static readonly Dictionary<string, Type> Types = new(StringComparer.Ordinal)
    {
        ["newMessage"] = typeof(MessageCreatedEvent),
        ["messageUpdated"] = typeof(MessageUpdatedEvent),
        ["messageDeleted"] = typeof(MessageDeletedEvent),
        ["reactionAdded"] = typeof(ReactionAddedEvent),
        ["reactionRemoved"] = typeof(ReactionRemovedEvent),
        ["messageRead"] = typeof(MessageReadEvent),
        ["conversationRead"] = typeof(ConversationReadEvent),
        ["messageDelivered"] = typeof(MessageDeliveredEvent),
        ["participantsAdded"] = typeof(ParticipantsAddedEvent),
        ["participantRemoved"] = typeof(ParticipantRemovedEvent),
        ["conversationCreated"] = typeof(ConversationCreatedEvent),
        ["conversationUpdated"] = typeof(ConversationUpdatedEvent),
    };

    private static readonly Dictionary<Type, string> Names = Types.ToDictionary(p => p.Value, p => p.Key);

    /// <summary>The hub event name of a durable event.</summary>
    /// <param name="chatEvent">The event.</param>
    /// <exception cref="ArgumentException">The event is not durable (typing, presence).</exception>
    public static string TypeOf(ChatEvent chatEvent)
    {
        ArgumentNullException.ThrowIfNull(chatEvent);
        return Names.TryGetValue(chatEvent.GetType(), out var name)
            ? name
            : throw new ArgumentException($"{chatEvent.GetType().Name} is not a durable event.", nameof(chatEvent));
    }

    /// <summary>Writes a durable event as JSON (its <see cref="ChatEvent.EventId"/> is not part of it: the store keeps the id).</summary>
    /// <param name="chatEvent">The event.</param>
    public static string Serialize(ChatEvent chatEvent)
    {
        ArgumentNullException.ThrowIfNull(chatEvent);
        TypeOf(chatEvent);
        return JsonSerializer.Serialize(chatEvent with { EventId = null }, chatEvent.GetType(), Options);
    }

    /// <summary>Reads an event written by <see cref="Serialize"/>.</summary>
    /// <param name="type">The name <see cref="TypeOf"/> returned.</param>
    /// <param name="json">The JSON <see cref="Serialize"/> returned.</param>
    /// <exception cref="ArgumentException">The type is unknown.</exception>
    public static ChatEvent Deserialize(string type, string json)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(json);
        return Types.TryGetValue(type, out var clr)
            ? (ChatEvent)JsonSerializer.Deserialize(json, clr, Options)!
            : throw new ArgumentException($"'{type}' is not a durable event type.", nameof(type));
    }

    /// <summary>Writes a list of user ids as a JSON array (a <c>newMessage</c> row keeps only its audience; the message is its own row).</summary>
    /// <param name="userIds">The user ids.</param>
    public static string SerializeUserIds(IReadOnlyList<string> userIds) => JsonSerializer.Serialize(userIds, Options);

    /// <summary>Reads a list written by <see cref="SerializeUserIds"/>.</summary>
    /// <param name="json">The JSON array.</param>
    public static IReadOnlyList<string> DeserializeUserIds(string json) => JsonSerializer.Deserialize<string[]>(json, Options) ?? [];
}
