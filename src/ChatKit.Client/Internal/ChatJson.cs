using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatKit.Client.Internal;

/// <summary>The contract's JSON: camelCase names, enums as lowercase strings, nulls left out of requests.</summary>
internal static class ChatJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static T Read<T>(JsonElement element) =>
        element.Deserialize<T>(Options) ?? throw new JsonException($"the server sent null where a {typeof(T).Name} was expected");

    public static JsonElement Write<T>(T value) => JsonSerializer.SerializeToElement(value, Options);
}
