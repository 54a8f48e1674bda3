using System.Globalization;
using System.Text.Json.Serialization;

namespace ChatKit.Notifications.Fcm.Internal;

/// <summary>The body of FCM's <c>messages:send</c> (HTTP v1): <c>{ "message": { token, notification, data, android, apns } }</c>.</summary>
internal sealed record FcmMessage([property: JsonPropertyName("message")] FcmMessage.Body Message)
{
    /// <summary>Builds the request for one token.</summary>
    public static FcmMessage For(ChatNotification notification, string token, int maxBodyLength)
    {
        var latest = notification.Messages[^1];
        var message = latest.Message;
        var oneConversation = notification.Messages.All(m => m.Message.ConversationId == message.ConversationId);
        var where = latest.ConversationType == ConversationType.Group ? latest.ConversationName : null;
        var title = notification.MessageCount == 1
            ? (where is null ? message.SenderName : $"{message.SenderName} in {where}")
            : string.Create(CultureInfo.InvariantCulture, $"{notification.MessageCount} new messages") + (oneConversation && where is not null ? $" in {where}" : string.Empty);
        var text = message.Content.Length > 0 ? message.Content : message.Attachments.Count > 0 ? "Sent an attachment" : string.Empty;
        var body = notification.MessageCount == 1 && where is null ? text : $"{message.SenderName}: {text}";
        if (body.Length > maxBodyLength)
        {
            body = body[..Math.Max(0, maxBodyLength - 1)] + "…";
        }

        var data = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["type"] = "chatkit.messages",
            ["notificationId"] = notification.Id,
            ["conversationId"] = message.ConversationId,
            ["messageId"] = message.Id,
            ["seq"] = message.Seq.ToString(CultureInfo.InvariantCulture),
            ["messageCount"] = notification.MessageCount.ToString(CultureInfo.InvariantCulture),
        };
        return new FcmMessage(new Body(
            token,
            new Notification(title, body),
            data,
            new Android(notification.Id, new AndroidNotification(notification.Id)),
            new Apns(new Dictionary<string, string>(StringComparer.Ordinal) { ["apns-collapse-id"] = notification.Id })));
    }

    internal sealed record Body(
        [property: JsonPropertyName("token")] string Token,
        [property: JsonPropertyName("notification")] Notification Notification,
        [property: JsonPropertyName("data")] IReadOnlyDictionary<string, string> Data,
        [property: JsonPropertyName("android")] Android Android,
        [property: JsonPropertyName("apns")] Apns Apns);

    internal sealed record Notification([property: JsonPropertyName("title")] string Title, [property: JsonPropertyName("body")] string Body);

    internal sealed record Android([property: JsonPropertyName("collapse_key")] string CollapseKey, [property: JsonPropertyName("notification")] AndroidNotification Notification);

    internal sealed record AndroidNotification([property: JsonPropertyName("tag")] string Tag);

    internal sealed record Apns([property: JsonPropertyName("headers")] IReadOnlyDictionary<string, string> Headers);
}
