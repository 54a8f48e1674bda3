using ChatKit.AspNetCore.Wire;
using ChatKit.Events;
using ChatKit.Presence;
using Microsoft.AspNetCore.SignalR;

namespace ChatKit.AspNetCore.Internal;

/// <summary>
/// Delivers Core's events with SignalR. Every connection joins its user's group when it opens, so "to the participants"
/// is a send to their user groups: each open connection receives it once, on whichever node it is, whether or not it
/// joined the room. Typing goes only to the room group, less the typist's own connections.
/// </summary>
internal sealed class SignalRChatEventPublisher(IHubContext<ChatHub, IChatClient> hub, IPresenceTracker presence) : IChatEventPublisher
{
    public async ValueTask PublishAsync(ChatEvent chatEvent, CancellationToken cancellationToken)
    {
        var clients = hub.Clients;
        switch (chatEvent)
        {
            case MessageCreatedEvent e:
                await clients.Groups(Groups.Users(e.ParticipantIds))
                    .newMessage(new NewMessagePayload(WireMapper.ToDto(e.Message), e.Message.ConversationId)).ConfigureAwait(false);
                break;
            case ConversationCreatedEvent e:
                await clients.Groups(Groups.Users(e.Conversation.Conversation.Participants.Select(p => p.UserId)))
                    .conversationCreated(WireMapper.ToDto(e.Conversation)).ConfigureAwait(false);
                break;
            case UserTypingEvent e:
                await clients.GroupExcept(Groups.Room(e.ConversationId), await TypistConnectionsAsync(e.UserId, cancellationToken).ConfigureAwait(false))
                    .userTyping(new UserTypingPayload(e.UserId, e.ConversationId, e.UserName)).ConfigureAwait(false);
                break;
            case UserStoppedTypingEvent e:
                await clients.GroupExcept(Groups.Room(e.ConversationId), await TypistConnectionsAsync(e.UserId, cancellationToken).ConfigureAwait(false))
                    .userStoppedTyping(new UserStoppedTypingPayload(e.UserId, e.ConversationId)).ConfigureAwait(false);
                break;
            case MessageReadEvent e:
                await clients.Groups(Groups.Users(e.ParticipantIds))
                    .messageRead(new MessageReadPayload(e.MessageId, e.ConversationId, e.ReadBy, e.ReadAt.UtcDateTime)).ConfigureAwait(false);
                break;
            case ConversationReadEvent e:
                await clients.Groups(Groups.Users(e.ParticipantIds))
                    .conversationRead(new ConversationReadPayload(e.ConversationId, e.ReadBy, e.ReadAt.UtcDateTime)).ConfigureAwait(false);
                break;
            case MessageDeletedEvent e:
                await clients.Groups(Groups.Users(e.ParticipantIds))
                    .messageDeleted(new MessageDeletedPayload(e.MessageId, e.ConversationId)).ConfigureAwait(false);
                break;
            case ParticipantsAddedEvent e:
                await clients.Groups(Groups.Users(e.ParticipantIds))
                    .participantsAdded(new ParticipantsAddedPayload(e.ConversationId, e.UserIds)).ConfigureAwait(false);
                break;
            case ParticipantRemovedEvent e:
                // The removed user's connections leave the room first, so they hear no more typing from it.
                foreach (var connectionId in await presence.GetConnectionsAsync(e.UserId, cancellationToken).ConfigureAwait(false))
                {
                    await hub.Groups.RemoveFromGroupAsync(connectionId, Groups.Room(e.ConversationId), cancellationToken).ConfigureAwait(false);
                }

                await clients.Groups(Groups.Users(e.ParticipantIds.Append(e.UserId)))
                    .participantRemoved(new ParticipantRemovedPayload(e.ConversationId, e.UserId)).ConfigureAwait(false);
                break;
            case UserStatusChangedEvent e:
                await clients.Groups(Groups.Users(e.ContactIds))
                    .userStatusChanged(new UserStatusChangedPayload(e.UserId, WireMapper.Name(e.Status), e.Timestamp.UtcDateTime)).ConfigureAwait(false);
                break;
        }
    }

    private async Task<IReadOnlyList<string>> TypistConnectionsAsync(string userId, CancellationToken cancellationToken) =>
        [.. await presence.GetConnectionsAsync(userId, cancellationToken).ConfigureAwait(false)];
}
