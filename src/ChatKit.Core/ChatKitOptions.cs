using ChatKit.Services;

namespace ChatKit;

/// <summary>
/// ChatKit's limits and timeouts. Bound from the <c>ChatKit</c> configuration section by hosts that want it, and
/// validated at start-up: a value out of range stops the host with a message naming the option.
/// </summary>
public sealed class ChatKitOptions
{
    /// <summary>The most characters a message may have after normalisation. Default 4,000; 1 to 100,000.</summary>
    public int MaxContentLength { get; set; } = 4_000;

    /// <summary>The most characters of a group name. Default 200; 1 to 1,000.</summary>
    public int MaxConversationNameLength { get; set; } = 200;

    /// <summary>The most participants a group may have, its creator included. Default 1,000; 2 to 100,000.</summary>
    public int MaxGroupParticipants { get; set; } = 1_000;

    /// <summary>
    /// The most characters of a user id, conversation id, message id or tempId. Default 128; 1 to 1,024. A longer user id
    /// in a token is refused (the user is not authenticated), never truncated: a shortened id could be someone else's.
    /// </summary>
    public int MaxIdLength { get; set; } = 128;

    /// <summary>
    /// The most characters of a display name read from a token; a longer one is cut to this length (it is only shown, so
    /// cutting it harms nobody). Default 100; 1 to 1,000.
    /// </summary>
    public int MaxDisplayNameLength { get; set; } = 100;

    /// <summary>
    /// The most connections a user may have open at once, on all nodes the presence tracker sees. One more is refused
    /// with <c>rate_limited</c>. Default 100; 1 to 100,000.
    /// </summary>
    public int MaxConnectionsPerUser { get; set; } = 100;

    /// <summary>
    /// How long a typing user stays "typing" without another <c>typing</c> call before <c>userStoppedTyping</c> is sent.
    /// Default 5 seconds; 1 second to 5 minutes.
    /// </summary>
    public TimeSpan TypingTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long the message filters (<see cref="Filters.IMessageFilter"/>) of one send may take together. A filter still
    /// running then has its token cancelled and is no longer waited for; the send goes on as
    /// <see cref="MessageFilterFailure"/> says. Default 2 seconds; 10 milliseconds to 1 minute.
    /// </summary>
    public TimeSpan MessageFilterTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// What a send does when a message filter throws or runs out of <see cref="MessageFilterTimeout"/>: refuse it with
    /// <c>unavailable</c> (<see cref="Filters.MessageFilterFailureMode.Reject"/>, the default: nothing unchecked is stored)
    /// or skip that filter (<see cref="Filters.MessageFilterFailureMode.Skip"/>).
    /// </summary>
    public Filters.MessageFilterFailureMode MessageFilterFailure { get; set; } = Filters.MessageFilterFailureMode.Reject;

    /// <summary>
    /// How long an event handler (<see cref="Events.IChatEventHandler"/>) may take over one event before its token is
    /// cancelled and it is no longer waited for (logged); its next event then starts. Default 30 seconds; 1 second to 1 hour.
    /// </summary>
    public TimeSpan EventHandlerTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many events may wait for one event handler. When its queue is full, further events are not queued for it
    /// (logged) until it catches up; other handlers and delivery to clients are not affected. Default 10,000; 1 to 1,000,000.
    /// </summary>
    public int EventHandlerQueueCapacity { get; set; } = 10_000;

    /// <summary>The per-user limit on sending messages (<see cref="ChatOperation.SendMessage"/>).</summary>
    public SendRateLimitOptions SendRateLimit { get; set; } = new();

    /// <summary>The per-user limit on <c>typing</c> and <c>stopTyping</c> together. Default 120 per 10 seconds.</summary>
    public RateLimitOptions TypingRateLimit { get; set; } = new() { PermitLimit = 120, Window = TimeSpan.FromSeconds(10) };

    /// <summary>The per-user limit on <c>markAsRead</c>, <c>markConversationAsRead</c> and <c>markAsDelivered</c> (hub and REST). Default 120 per 10 seconds.</summary>
    public RateLimitOptions MarkAsReadRateLimit { get; set; } = new() { PermitLimit = 120, Window = TimeSpan.FromSeconds(10) };

    /// <summary>The per-user limit on creating conversations, direct ones included (hub and REST). Default 60 per minute.</summary>
    public RateLimitOptions CreateConversationRateLimit { get; set; } = new() { PermitLimit = 60, Window = TimeSpan.FromMinutes(1) };

    /// <summary>The per-user limit on adding and removing participants, leaving groups, renaming them and changing their metadata or roles. Default 60 per minute.</summary>
    public RateLimitOptions ManageParticipantsRateLimit { get; set; } = new() { PermitLimit = 60, Window = TimeSpan.FromMinutes(1) };

    /// <summary>The per-user limit on <c>joinRoom</c>. Default 300 per minute.</summary>
    public RateLimitOptions JoinRoomRateLimit { get; set; } = new() { PermitLimit = 300, Window = TimeSpan.FromMinutes(1) };

    /// <summary>The per-user limit on <c>getOnlineUsers</c>. Default 60 per minute.</summary>
    public RateLimitOptions GetOnlineUsersRateLimit { get; set; } = new() { PermitLimit = 60, Window = TimeSpan.FromMinutes(1) };

    /// <summary>The per-user limit on reading conversations, conversation lists and history (REST). Default 300 per 10 seconds.</summary>
    public RateLimitOptions QueryRateLimit { get; set; } = new() { PermitLimit = 300, Window = TimeSpan.FromSeconds(10) };

    /// <summary>The per-user limit on deleting messages. Default 60 per 10 seconds.</summary>
    public RateLimitOptions DeleteMessageRateLimit { get; set; } = new() { PermitLimit = 60, Window = TimeSpan.FromSeconds(10) };

    /// <summary>
    /// The most participants a conversation may have for <c>markAsDelivered</c> to send <c>messageDelivered</c>; in a
    /// larger one the position is still stored (and shown in the conversation's participants) but nobody is told live.
    /// Default 100; 0 (never send it) to 100,000.
    /// </summary>
    public int DeliveryReceiptsMaxParticipants { get; set; } = 100;

    /// <summary>
    /// The most bytes of a message's or a conversation's <c>metadata</c>: a JSON object, measured as compact UTF-8 JSON.
    /// Default 4,096; 2 to 1,000,000.
    /// </summary>
    public int MaxMetadataBytes { get; set; } = 4_096;

    /// <summary>
    /// The most push registrations (Web Push subscriptions, FCM tokens) one user keeps per provider; registering one more
    /// drops their oldest, so a user who reinstalls browsers never hits an error. Default 10; 1 to 1,000.
    /// </summary>
    public int MaxPushRegistrationsPerUser { get; set; } = 10;

    /// <summary>Returns the limit of <paramref name="operation"/>.</summary>
    /// <param name="operation">The operation.</param>
    public RateLimitOptions RateLimitFor(ChatOperation operation) => operation switch
    {
        ChatOperation.SendMessage => SendRateLimit,
        ChatOperation.Typing => TypingRateLimit,
        ChatOperation.MarkAsRead => MarkAsReadRateLimit,
        ChatOperation.CreateConversation => CreateConversationRateLimit,
        ChatOperation.ManageParticipants => ManageParticipantsRateLimit,
        ChatOperation.JoinRoom => JoinRoomRateLimit,
        ChatOperation.GetOnlineUsers => GetOnlineUsersRateLimit,
        ChatOperation.Query => QueryRateLimit,
        ChatOperation.DeleteMessage => DeleteMessageRateLimit,
        ChatOperation.EditMessage => EditMessageRateLimit,
        ChatOperation.React => ReactionRateLimit,
        ChatOperation.UploadAttachment => UploadAttachmentRateLimit,
        ChatOperation.ManagePushRegistrations => PushRegistrationRateLimit,
        _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, null),
    };

    /// <summary>
    /// How long after sending a message its sender may still edit it; <see langword="null"/> (the default) for no limit.
    /// 1 second to 365 days when set. An edit after it is refused with <c>forbidden</c>.
    /// </summary>
    public TimeSpan? EditWindow { get; set; }

    /// <summary>
    /// How long a sync cursor stays good: <c>sync</c> with a cursor issued longer ago answers <c>limited</c> (re-read the
    /// conversations and their history) with a fresh cursor. Default 30 days; 1 minute to 3,650 days.
    /// </summary>
    public TimeSpan SyncRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How often each node's background sweep deletes events older than <see cref="SyncRetention"/> (plus one hour) from
    /// the event log, keeping those an outbox sink has not passed yet. Default 1 hour; 1 minute to 1 day.
    /// </summary>
    public TimeSpan EventPurgeInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The per-user limit on editing messages. Default 60 per 10 seconds.</summary>
    public RateLimitOptions EditMessageRateLimit { get; set; } = new() { PermitLimit = 60, Window = TimeSpan.FromSeconds(10) };

    /// <summary>The most UTF-16 code units of a reaction's emoji. Default 32; 1 to 256.</summary>
    public int MaxReactionEmojiLength { get; set; } = 32;

    /// <summary>The most distinct emoji one message may hold; a new one beyond it is refused with <c>validation_failed</c>. Default 50; 1 to 1,000.</summary>
    public int MaxDistinctReactionsPerMessage { get; set; } = 50;

    /// <summary>The per-user limit on adding and removing reactions. Default 120 per 10 seconds.</summary>
    public RateLimitOptions ReactionRateLimit { get; set; } = new() { PermitLimit = 120, Window = TimeSpan.FromSeconds(10) };

    /// <summary>The per-user limit on uploading attachments. Default 30 per minute.</summary>
    public RateLimitOptions UploadAttachmentRateLimit { get; set; } = new() { PermitLimit = 30, Window = TimeSpan.FromMinutes(1) };

    /// <summary>
    /// The per-user limit on saving and removing push registrations (Web Push subscriptions and FCM tokens together,
    /// REST). Default 10 per minute.
    /// </summary>
    public RateLimitOptions PushRegistrationRateLimit { get; set; } = new() { PermitLimit = 10, Window = TimeSpan.FromMinutes(1) };
}

/// <summary>
/// A per-user limit, a token bucket: a user may make <see cref="PermitLimit"/> calls in a burst, and the bucket refills
/// at <see cref="PermitLimit"/> calls per <see cref="Window"/>. A refused call does nothing and gets <c>rate_limited</c>.
/// </summary>
public class RateLimitOptions
{
    /// <summary>Whether the limit applies. Default <see langword="true"/>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The burst size and the number of calls refilled per <see cref="Window"/>. Default 30; 1 to 1,000,000.</summary>
    public int PermitLimit { get; set; } = 30;

    /// <summary>The time in which <see cref="PermitLimit"/> calls are refilled. Default 10 seconds; 1 ms to 1 hour.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// The per-user send limit. The defaults (30 per 10 seconds) let a person type as fast as they can and stop a script
/// flooding a conversation.
/// </summary>
public sealed class SendRateLimitOptions : RateLimitOptions
{
}
