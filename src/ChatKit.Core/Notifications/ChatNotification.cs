namespace ChatKit.Notifications;

/// <summary>
/// One notification for one offline user: the messages that reached them within one batching window, across their
/// conversations, oldest first.
/// </summary>
/// <param name="Id">
/// Stable across retries and nodes (derived from the user and the batch's first event): use it as the provider's collapse
/// key, topic or deduplication id.
/// </param>
/// <param name="UserId">Who is notified.</param>
/// <param name="Messages">The messages, oldest first; at most a few (the latest ones) when the batch was large.</param>
/// <param name="MessageCount">How many messages the batch held in all (at least <c>Messages.Count</c>).</param>
public sealed record ChatNotification(string Id, string UserId, IReadOnlyList<NotifiedMessage> Messages, int MessageCount);

/// <summary>One message in a <see cref="ChatNotification"/>.</summary>
/// <param name="Message">The message as it was stored.</param>
/// <param name="ConversationType">Whether it was sent in a direct or a group conversation.</param>
/// <param name="ConversationName">The group's name, or <see langword="null"/> for a direct conversation.</param>
public sealed record NotifiedMessage(ChatMessage Message, ConversationType ConversationType, string? ConversationName);
