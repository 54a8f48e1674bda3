using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace ChatKit.Internal;

/// <summary>The rule for custom <c>metadata</c>: a JSON object (or null), stored as compact JSON of bounded size.</summary>
internal static class Metadata
{
    /// <summary>
    /// Returns the compact JSON text of <paramref name="value"/>, <see langword="null"/> for none (not given or a JSON
    /// null), or throws <c>validation_failed</c> for anything but an object, or one larger than <paramref name="maxBytes"/>.
    /// </summary>
    public static string? Normalize(JsonElement? value, int maxBytes, string field = "metadata")
    {
        if (value is not { } element || element.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw ChatException.Validation(field, "metadata is a JSON object or null");
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false }))
        {
            element.WriteTo(writer);
        }

        if (buffer.WrittenCount > maxBytes)
        {
            throw ChatException.Validation(field, string.Create(CultureInfo.InvariantCulture, $"metadata has at most {maxBytes} bytes of compact JSON; it has {buffer.WrittenCount}"));
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
