namespace ChatKit.Client;

/// <summary>A message was edited (<c>messageUpdated</c>): <see cref="Message"/> is the message after the edit.</summary>
/// <param name="Message">The message as it is now.</param>
/// <param name="ConversationId">Its conversation.</param>
/// <param name="EventId">The event's identity, the same live and in a sync.</param>
public sealed record MessageUpdatedEvent(ChatMessage Message, string ConversationId, string? EventId = null);

/// <summary>A message was deleted (<c>messageDeleted</c>).</summary>
/// <param name="MessageId">The message.</param>
/// <param name="ConversationId">Its conversation.</param>
/// <param name="EventId">The event's identity.</param>
public sealed record MessageDeletedEvent(string MessageId, string ConversationId, string? EventId = null);

/// <summary>A reaction was added or removed (<c>reactionAdded</c>, <c>reactionRemoved</c>).</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="MessageId">The message.</param>
/// <param name="Emoji">The emoji.</param>
/// <param name="UserId">Who reacted.</param>
/// <param name="EventId">The event's identity.</param>
public sealed record ReactionEvent(string ConversationId, string MessageId, string Emoji, string UserId, string? EventId = null);

/// <summary>A participant read up to a message (<c>messageRead</c>).</summary>
/// <param name="MessageId">The message.</param>
/// <param name="ConversationId">Its conversation.</param>
/// <param name="ReadBy">Who read.</param>
/// <param name="ReadAt">When.</param>
/// <param name="EventId">The event's identity.</param>
public sealed record MessageReadEvent(string MessageId, string ConversationId, string ReadBy, DateTimeOffset ReadAt, string? EventId = null);

/// <summary>A participant read a whole conversation (<c>conversationRead</c>).</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="ReadBy">Who read.</param>
/// <param name="ReadAt">When.</param>
/// <param name="EventId">The event's identity.</param>
public sealed record ConversationReadEvent(string ConversationId, string ReadBy, DateTimeOffset ReadAt, string? EventId = null);

/// <summary>A participant's delivery position moved (<c>messageDelivered</c>).</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="UserId">Whose position.</param>
/// <param name="Seq">The new position.</param>
/// <param name="EventId">The event's identity.</param>
public sealed record MessageDeliveredEvent(string ConversationId, string UserId, long Seq, string? EventId = null);

/// <summary>Users were added to a group (<c>participantsAdded</c>).</summary>
/// <param name="ConversationId">The group.</param>
/// <param name="UserIds">The users added.</param>
/// <param name="EventId">The event's identity.</param>
public sealed record ParticipantsAddedEvent(string ConversationId, IReadOnlyList<string> UserIds, string? EventId = null);

/// <summary>A user was removed from or left a group (<c>participantRemoved</c>).</summary>
/// <param name="ConversationId">The group.</param>
/// <param name="UserId">The user.</param>
/// <param name="EventId">The event's identity.</param>
public sealed record ParticipantRemovedEvent(string ConversationId, string UserId, string? EventId = null);

/// <summary>A participant started typing (<c>userTyping</c>; only in rooms this client joined).</summary>
/// <param name="UserId">The typist.</param>
/// <param name="ConversationId">The conversation.</param>
/// <param name="Username">Their display name.</param>
public sealed record UserTypingEvent(string UserId, string ConversationId, string Username);

/// <summary>A participant stopped typing (<c>userStoppedTyping</c>).</summary>
/// <param name="UserId">The typist.</param>
/// <param name="ConversationId">The conversation.</param>
public sealed record UserStoppedTypingEvent(string UserId, string ConversationId);

/// <summary>A user came online or went offline (<c>userStatusChanged</c>).</summary>
/// <param name="UserId">The user.</param>
/// <param name="Status">Online or offline.</param>
/// <param name="Timestamp">When.</param>
public sealed record UserStatusChangedEvent(string UserId, UserStatus Status, DateTimeOffset Timestamp);

/// <summary>The server refused a message of the outbox for good; it was taken out of the outbox.</summary>
/// <param name="Message">The message.</param>
/// <param name="Error">Why.</param>
public sealed record MessageRejectedEvent(OutgoingMessage Message, ChatClientException Error);
