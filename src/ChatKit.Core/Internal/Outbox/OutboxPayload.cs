using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using ChatKit.Events;

namespace ChatKit.Internal.Outbox;

/// <summary>
/// How a retry entry keeps its event: Core's domain event as JSON with its type's name as the discriminator, so the entry
/// is complete on its own (a retry, or a dead letter requeued days later, needs nothing else from the store). The types
/// are Core's own <see cref="ChatEvent"/> subclasses; a name this version does not know fails to read (dead-lettered).
/// </summary>
internal static class OutboxPayload
{
    private static readonly JsonSerializerOptions Options = CreateOptions();

    public static string Serialize(ChatEvent chatEvent) => JsonSerializer.Serialize(chatEvent, Options);

    public static ChatEvent Deserialize(string payload) =>
        JsonSerializer.Deserialize<ChatEvent>(payload, Options) ?? throw new JsonException("The outbox payload is null.");

    private static JsonSerializerOptions CreateOptions()
    {
        var derived = typeof(ChatEvent).Assembly.GetTypes()
            .Where(t => t.IsPublic && !t.IsAbstract && t.IsSubclassOf(typeof(ChatEvent)))
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .ToList();
        var resolver = new DefaultJsonTypeInfoResolver();
        resolver.Modifiers.Add(info =>
        {
            if (info.Type == typeof(ChatEvent))
            {
                info.PolymorphismOptions = new JsonPolymorphismOptions { TypeDiscriminatorPropertyName = "$type" };
                foreach (var type in derived)
                {
                    info.PolymorphismOptions.DerivedTypes.Add(new JsonDerivedType(type, type.Name));
                }
            }
        });
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = resolver };
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly();
        return options;
    }
}
