using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ChatKit.Notifications.WebPush.Internal;

/// <summary>
/// The notification's JSON, what the page's service worker shows: <c>{ id, title, body, conversationId, messageId,
/// messageCount, url }</c>, at most <see cref="MaxBytes"/> bytes of UTF-8 so the encrypted record stays within the 4,096
/// bytes every push service accepts (aes128gcm adds 103 bytes: a 86-byte header, the padding delimiter, a 16-byte tag).
/// </summary>
internal static class WebPushPayload
{
    public const int MaxBytes = 3_072;

    private const int MaxTitleLength = 100;

    private static readonly JsonWriterOptions Writer = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Create(ChatNotification notification, WebPushOptions options)
    {
        var latest = notification.Messages.Count == 0 ? null : notification.Messages[^1];
        var conversationId = latest?.Message.ConversationId;
        var oneConversation = latest is not null && notification.Messages.All(m => m.Message.ConversationId == conversationId);
        var count = Math.Max(notification.MessageCount, notification.Messages.Count);

        string title;
        if (!oneConversation)
        {
            title = string.Create(CultureInfo.InvariantCulture, $"{count} new messages");
        }
        else
        {
            var name = latest!.ConversationType == ConversationType.Group ? latest.ConversationName ?? "Group" : latest.Message.SenderName;
            title = count > 1 ? Cut(name, MaxTitleLength) + string.Create(CultureInfo.InvariantCulture, $" ({count} new messages)") : Cut(name, MaxTitleLength);
        }

        var text = latest is null ? string.Empty : Text(latest.Message);
        var prefix = latest is null || (oneConversation && latest.ConversationType == ConversationType.Direct) ? string.Empty : Cut(latest.Message.SenderName, MaxTitleLength) + ": ";
        var url = options.ClickUrl.Replace("{conversationId}", Uri.EscapeDataString(conversationId ?? string.Empty), StringComparison.Ordinal);

        // Shorten the excerpt until the whole payload fits (multi-byte text, long names).
        for (var excerpt = options.MaxExcerptLength; ; excerpt /= 2)
        {
            var payload = Write(notification.Id, title, prefix + Cut(text, excerpt), conversationId, latest?.Message.Id, count, url);
            if (payload.Length <= MaxBytes || excerpt == 0)
            {
                return payload;
            }
        }
    }

    /// <summary>What the message says: its content, or its first attachment's name when it has no text.</summary>
    private static string Text(ChatMessage message) =>
        message.Content.Length > 0 || message.Attachments.Count == 0
            ? message.Content
            : "📎 " + message.Attachments[0].Name;

    /// <summary>At most <paramref name="length"/> characters, never splitting a surrogate pair, with an ellipsis when cut.</summary>
    private static string Cut(string text, int length)
    {
        if (text.Length <= length)
        {
            return text;
        }

        if (length == 0)
        {
            return string.Empty;
        }

        var end = char.IsHighSurrogate(text[length - 1]) ? length - 1 : length;
        return string.Concat(text.AsSpan(0, end), "…");
    }

    private static byte[] Write(string id, string title, string body, string? conversationId, string? messageId, int count, string url)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer, Writer))
        {
            json.WriteStartObject();
            json.WriteString("id", id);
            json.WriteString("title", title);
            json.WriteString("body", body);
            json.WriteString("conversationId", conversationId);
            json.WriteString("messageId", messageId);
            json.WriteNumber("messageCount", count);
            json.WriteString("url", url);
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
