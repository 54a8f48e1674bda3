namespace ChatKit.Notifications;

/// <summary>
/// A way to reach users who have no open connection: Web Push, FCM, or the host's own (e-mail, SMS, another push
/// service). Register it with <c>AddChatKit().AddNotificationChannel&lt;T&gt;()</c>; the packages' own channels
/// (<c>AddWebPush</c>, <c>AddFcm</c>) do that for you.
/// </summary>
/// <remarks>
/// ChatKit calls a channel from its durable outbox: when a message is stored, each participant with no open connection
/// anywhere in the cluster (and who has not muted the conversation) gets one <see cref="ChatNotification"/> per batching
/// window, through every registered channel, each channel on its own (one failing channel never holds the others back).
/// A channel that throws gets the same notification again later, with backoff: delivery is at least once, so pass
/// <see cref="ChatNotification.Id"/> on as the provider's collapse key or deduplication id. The channel is a singleton.
/// </remarks>
public interface IChatNotificationChannel
{
    /// <summary>
    /// Sends <paramref name="notification"/> to every device or browser its user registered with this channel (none: do
    /// nothing). Returning means sent (or nothing to send); throwing means "try again later". A registration the provider
    /// reports as gone (Web Push 404/410, FCM <c>UNREGISTERED</c>) is removed by the channel, not retried.
    /// </summary>
    /// <param name="notification">What to tell the user.</param>
    /// <param name="cancellationToken">Cancelled at the outbox's delivery timeout and when the host stops.</param>
    ValueTask SendAsync(ChatNotification notification, CancellationToken cancellationToken);
}
