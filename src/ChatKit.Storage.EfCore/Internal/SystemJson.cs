using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatKit.Storage.EfCore.Internal;

/// <summary>A system message's <see cref="SystemMessageInfo"/> in its <c>system</c> column: a small JSON object.</summary>
internal static class SystemJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string? Write(SystemMessageInfo? info) =>
        info is null ? null : JsonSerializer.Serialize(new Row(info.Event, info.ActorId, [.. info.UserIds], info.Name, info.Role), Options);

    public static SystemMessageInfo? Read(string? json)
    {
        if (json is null)
        {
            return null;
        }

        var row = JsonSerializer.Deserialize<Row>(json, Options)!;
        return new SystemMessageInfo(row.Event, row.ActorId, row.UserIds ?? [], row.Name, row.Role);
    }

    private sealed record Row(SystemEventKind Event, string ActorId, string[]? UserIds, string? Name, ParticipantRole? Role);
}
