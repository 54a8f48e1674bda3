namespace ChatKit;

/// <summary>
/// How users with no open connection are notified of new messages (<see cref="Notifications.IChatNotificationChannel"/>).
/// Set with <c>AddChatKit().ConfigureNotifications(notifications => …)</c>; validated at start-up.
/// </summary>
public sealed class ChatKitNotificationOptions
{
    /// <summary>
    /// How long the messages after a first one wait so that they are notified together: the messages one offline user gets
    /// within this window, across conversations, become one notification, sent when the window closes (so a notification
    /// is at most this late, plus the outbox's poll interval). <see cref="TimeSpan.Zero"/> turns batching off: one
    /// notification per message, as soon as the outbox sees it. Default 5 seconds; 0 to 10 minutes.
    /// </summary>
    public TimeSpan BatchWindow { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How many messages one notification carries (the latest ones of its batch; <c>MessageCount</c> counts them all).
    /// Default 5; 1 to 100.
    /// </summary>
    public int MaxMessagesPerNotification { get; set; } = 5;
}
