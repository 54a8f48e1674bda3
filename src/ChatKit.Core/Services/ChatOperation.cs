namespace ChatKit.Services;

/// <summary>The operations a user's calls are counted under, each with its own rate limit in <see cref="ChatKitOptions"/>.</summary>
public enum ChatOperation
{
    /// <summary><c>sendMessage</c>: <see cref="ChatKitOptions.SendRateLimit"/>.</summary>
    SendMessage,

    /// <summary><c>typing</c> and <c>stopTyping</c>: <see cref="ChatKitOptions.TypingRateLimit"/>.</summary>
    Typing,

    /// <summary><c>markAsRead</c> and <c>markConversationAsRead</c>: <see cref="ChatKitOptions.MarkAsReadRateLimit"/>.</summary>
    MarkAsRead,

    /// <summary><c>createConversation</c>: <see cref="ChatKitOptions.CreateConversationRateLimit"/>.</summary>
    CreateConversation,

    /// <summary>Adding and removing participants, leaving: <see cref="ChatKitOptions.ManageParticipantsRateLimit"/>.</summary>
    ManageParticipants,

    /// <summary><c>joinRoom</c>: <see cref="ChatKitOptions.JoinRoomRateLimit"/>.</summary>
    JoinRoom,

    /// <summary><c>getOnlineUsers</c>: <see cref="ChatKitOptions.GetOnlineUsersRateLimit"/>.</summary>
    GetOnlineUsers,

    /// <summary>Reading a conversation, the conversation list or history: <see cref="ChatKitOptions.QueryRateLimit"/>.</summary>
    Query,

    /// <summary>Deleting a message: <see cref="ChatKitOptions.DeleteMessageRateLimit"/>.</summary>
    DeleteMessage,

    /// <summary>Editing a message: <see cref="ChatKitOptions.EditMessageRateLimit"/>.</summary>
    EditMessage,

    /// <summary>Adding and removing reactions: <see cref="ChatKitOptions.ReactionRateLimit"/>.</summary>
    React,

    /// <summary>Uploading an attachment: <see cref="ChatKitOptions.UploadAttachmentRateLimit"/>.</summary>
    UploadAttachment,

    /// <summary>
    /// Saving and removing push registrations (Web Push subscriptions, FCM tokens):
    /// <see cref="ChatKitOptions.PushRegistrationRateLimit"/>.
    /// </summary>
    ManagePushRegistrations,
}
