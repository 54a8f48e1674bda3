using ChatKit.AspNetCore.Internal;
using ChatKit.AspNetCore.Wire;
using ChatKit.Services;
using Microsoft.AspNetCore.SignalR;

namespace ChatKit.AspNetCore;

/// <summary>
/// ChatKit's SignalR hub, mapped at <c>/chat</c> by <c>MapChatKit()</c>. Every method is a thin adapter over
/// <see cref="ChatService"/>, <see cref="TypingService"/> and <see cref="PresenceService"/>; failures reach the client as a
/// <see cref="HubException"/> whose message is <c>code: sentence</c>. Method names are matched case-insensitively, so
/// clients call them as the contract spells them (<c>sendMessage</c>).
/// </summary>
public sealed partial class ChatHub : Hub<IChatClient>
{
    private readonly ChatService _chat;
    private readonly TypingService _typing;
    private readonly PresenceService _presence;
    private readonly ChatUserAccessor _users;
    private readonly AttachmentLinks _links;

    internal ChatHub(ChatService chat, TypingService typing, PresenceService presence, ChatUserAccessor users, AttachmentLinks links)
    {
        _chat = chat;
        _links = links;
        _typing = typing;
        _presence = presence;
        _users = users;
    }

    private ChatUser Caller => _users.Read(Context.User) ?? throw new HubException("unauthenticated: the connection has no authenticated user");

    /// <summary>Joins the user's own group and records the connection for presence.</summary>
    public override async Task OnConnectedAsync()
    {
        var user = Caller;
        await Groups.AddToGroupAsync(Context.ConnectionId, Internal.Groups.User(user.Id), Context.ConnectionAborted).ConfigureAwait(false);
        await _presence.ConnectedAsync(user, Context.ConnectionId, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Records the closed connection: its typing stops, and the user may go offline.</summary>
    /// <param name="exception">Why it closed, if it failed.</param>
    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        var user = _users.Read(Context.User);
        if (user is not null)
        {
            await _presence.DisconnectedAsync(user, Context.ConnectionId, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary><c>createConversation</c>: creates a conversation, or returns the existing direct one.</summary>
    /// <param name="args">The type, the other participants and, for a group, the name.</param>
    /// <returns>The conversation.</returns>
    public async Task<ConversationDto> CreateConversation(CreateConversationBody? args)
    {
        var result = await _chat.CreateConversationAsync(Caller, WireMapper.ToRequest(args), Context.ConnectionAborted).ConfigureAwait(false);
        return WireMapper.ToDto(result.Conversation, _links);
    }

    /// <summary><c>joinRoom</c>: this connection receives the conversation's typing events from now on.</summary>
    /// <param name="args">The conversation.</param>
    /// <returns>The conversation.</returns>
    public async Task<ConversationDto> JoinRoom(ConversationArgs? args)
    {
        var conversationId = RequireConversationId(args?.ConversationId);
        var caller = Caller;
        await _chat.JoinAsync(caller, conversationId, Context.ConnectionAborted).ConfigureAwait(false);
        var room = Internal.Groups.Room(conversationId, caller.Id);
        await Groups.AddToGroupAsync(Context.ConnectionId, room, Context.ConnectionAborted).ConfigureAwait(false);

        // A removal that completed between the check and the join could not take this connection out of the room, so
        // check again now that it is in: a removal from here on finds it there and takes it out.
        try
        {
            return WireMapper.ToDto(await _chat.JoinAsync(caller, conversationId, Context.ConnectionAborted).ConfigureAwait(false), _links);
        }
        catch (ChatException)
        {
            await Groups.RemoveFromGroupAsync(Context.ConnectionId, room, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary><c>leaveRoom</c>: this connection stops receiving the conversation's typing events.</summary>
    /// <param name="args">The conversation.</param>
    public async Task LeaveRoom(ConversationArgs? args)
    {
        var conversationId = RequireConversationId(args?.ConversationId);
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, Internal.Groups.Room(conversationId, Caller.Id), Context.ConnectionAborted).ConfigureAwait(false);
    }

    /// <summary><c>sendMessage</c>: stores a message and delivers it; idempotent on the tempId.</summary>
    /// <param name="args">The conversation, the content, and an optional tempId.</param>
    /// <returns>The acknowledgement: tempId, messageId, seq, createdAt.</returns>
    public async Task<SendMessageAck> SendMessage(SendMessageArgs? args)
    {
        if (args is null)
        {
            throw ChatException.Validation("body", "a message needs a conversationId and content");
        }

        var request = new SendMessageRequest
        {
            ConversationId = RequireConversationId(args.ConversationId),
            Content = args.Content ?? (args.AttachmentIds is { Count: > 0 } ? string.Empty : throw ChatException.Validation("content", "content is required")),
            Type = WireMapper.ParseMessageType(args.Type),
            TempId = args.TempId,
            Metadata = args.Metadata,
            ReplyToId = args.ReplyToId,
            Mentions = args.Mentions,
            AttachmentIds = args.AttachmentIds,
        };
        var result = await _chat.SendMessageAsync(Caller, request, Context.ConnectionAborted).ConfigureAwait(false);
        var message = result.Message;
        await Clients.Caller.messageSent(new MessageSentPayload(args.TempId, message.Id)).ConfigureAwait(false);
        return new SendMessageAck { TempId = args.TempId, MessageId = message.Id, Seq = message.Seq, CreatedAt = message.CreatedAt.UtcDateTime, Message = WireMapper.ToDto(message, _links) };
    }

    /// <summary><c>typing</c>: the caller is typing; others in the room see <c>userTyping</c>.</summary>
    /// <param name="args">The conversation.</param>
    public Task Typing(ConversationArgs? args) =>
        _typing.StartAsync(Caller, RequireConversationId(args?.ConversationId), Context.ConnectionId, Context.ConnectionAborted);

    /// <summary><c>stopTyping</c>: the caller stopped typing.</summary>
    /// <param name="args">The conversation.</param>
    public Task StopTyping(ConversationArgs? args) =>
        _typing.StopAsync(Caller, RequireConversationId(args?.ConversationId), Context.ConnectionAborted);

    /// <summary><c>markAsRead</c>: moves the caller's read position forward to a message.</summary>
    /// <param name="args">The conversation and the message.</param>
    public Task MarkAsRead(MarkAsReadArgs? args) =>
        _chat.MarkAsReadAsync(
            Caller,
            RequireConversationId(args?.ConversationId),
            args?.MessageId ?? throw ChatException.Validation("messageId", "messageId is required"),
            Context.ConnectionAborted);

    /// <summary><c>markConversationAsRead</c>: moves the caller's read position to the newest message.</summary>
    /// <param name="args">The conversation.</param>
    public Task MarkConversationAsRead(ConversationArgs? args) =>
        _chat.MarkConversationAsReadAsync(Caller, RequireConversationId(args?.ConversationId), Context.ConnectionAborted);

    /// <summary><c>getOnlineUsers</c>: the online users among those who share a conversation with the caller.</summary>
    /// <returns>Their ids; also sent to the caller as <c>onlineUsers</c>.</returns>
    public async Task<IReadOnlyCollection<string>> GetOnlineUsers()
    {
        var online = await _presence.GetOnlineContactsAsync(Caller, Context.ConnectionAborted).ConfigureAwait(false);
        await Clients.Caller.onlineUsers(online).ConfigureAwait(false);
        return online;
    }

    private static string RequireConversationId(string? conversationId) =>
        string.IsNullOrWhiteSpace(conversationId)
            ? throw ChatException.Validation("conversationId", "conversationId is required")
            : conversationId;
}
