using System.Text.Json;

namespace ChatKit.Storage.EfCore.Internal;

/// <summary>A message's attachments in its <c>attachments</c> column: a small JSON array.</summary>
internal static class AttachmentJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static string? Write(IReadOnlyList<MessageAttachment> attachments) =>
        attachments.Count == 0 ? null : JsonSerializer.Serialize(attachments, Options);

    public static IReadOnlyList<MessageAttachment> Read(string? json) =>
        string.IsNullOrEmpty(json) ? [] : JsonSerializer.Deserialize<MessageAttachment[]>(json, Options) ?? [];
}
