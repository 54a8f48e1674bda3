using ChatKit.AspNetCore.Wire;

namespace ChatKit.AspNetCore;

/// <summary>
/// The events ChatKit's hub sends to clients. Method names are the contract's event names, exactly as a client
/// subscribes to them (<c>connection.on("newMessage", …)</c>), hence camelCase.
/// </summary>
#pragma warning disable IDE1006 // Naming: these names are the wire contract.
public interface IChatClient
{
    /// <summary><c>onlineUsers</c>: the online users among those who share a conversation with the caller.</summary>
    /// <param name="userIds">The online user ids.</param>
    Task onlineUsers(IReadOnlyCollection<string> userIds);

    /// <summary><c>conversationCreated</c>: a conversation the user participates in was created.</summary>
    /// <param name="conversation">The conversation.</param>
    Task conversationCreated(ConversationDto conversation);

    /// <summary><c>newMessage</c>: a message was stored in a conversation of the user.</summary>
    /// <param name="payload">The message and its conversation id.</param>
    Task newMessage(NewMessagePayload payload);

    /// <summary><c>messageSent</c>: the caller's message was stored.</summary>
    /// <param name="payload">The tempId and the message id.</param>
    Task messageSent(MessageSentPayload payload);

    /// <summary><c>userTyping</c>: another participant started typing in a joined room.</summary>
    /// <param name="payload">Who and where.</param>
    Task userTyping(UserTypingPayload payload);

    /// <summary><c>userStoppedTyping</c>: that participant stopped, timed out or disconnected.</summary>
    /// <param name="payload">Who and where.</param>
    Task userStoppedTyping(UserStoppedTypingPayload payload);

    /// <summary><c>messageRead</c>: a participant read up to a message.</summary>
    /// <param name="payload">The receipt.</param>
    Task messageRead(MessageReadPayload payload);

    /// <summary><c>conversationRead</c>: a participant read the whole conversation.</summary>
    /// <param name="payload">The receipt.</param>
    Task conversationRead(ConversationReadPayload payload);

    /// <summary><c>userStatusChanged</c>: a contact came online or went offline.</summary>
    /// <param name="payload">The user, the status and when.</param>
    Task userStatusChanged(UserStatusChangedPayload payload);

    /// <summary><c>messageDeleted</c>: a message became a tombstone.</summary>
    /// <param name="payload">The message and its conversation.</param>
    Task messageDeleted(MessageDeletedPayload payload);

    /// <summary><c>participantsAdded</c>: users joined a group.</summary>
    /// <param name="payload">The conversation and the users.</param>
    Task participantsAdded(ParticipantsAddedPayload payload);

    /// <summary><c>participantRemoved</c>: a user left or was removed from a group.</summary>
    /// <param name="payload">The conversation and the user.</param>
    Task participantRemoved(ParticipantRemovedPayload payload);

    /// <summary><c>conversationUpdated</c>: a group's name, metadata or roles changed.</summary>
    /// <param name="conversation">The conversation afterwards.</param>
    Task conversationUpdated(ConversationDto conversation);

    /// <summary><c>messageDelivered</c>: a participant's delivery position moved.</summary>
    /// <param name="payload">The conversation, the recipient and the seq.</param>
    Task messageDelivered(MessageDeliveredPayload payload);
    /// <summary><c>messageUpdated</c>: a message was edited (v2).</summary>
    /// <param name="payload">The message as it is now and its conversation.</param>
    Task messageUpdated(MessageUpdatedPayload payload);

    /// <summary><c>reactionAdded</c>: a participant added a reaction (v2).</summary>
    /// <param name="payload">Where, which emoji, and who.</param>
    Task reactionAdded(ReactionPayload payload);

    /// <summary><c>reactionRemoved</c>: a participant removed a reaction (v2).</summary>
    /// <param name="payload">Where, which emoji, and who.</param>
    Task reactionRemoved(ReactionPayload payload);
}
#pragma warning restore IDE1006
