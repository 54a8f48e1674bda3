using ChatKit.AspNetCore.Wire;
using ChatKit.Events;
using ChatKit.Presence;
using ChatKit.Storage;
using Microsoft.AspNetCore.SignalR;

namespace ChatKit.AspNetCore.Internal;

/// <summary>
/// Delivers Core's events with SignalR. Every connection joins its user's group when it opens, so "to the participants"
/// is a send to their user groups: each open connection receives it once, on whichever node it is, whether or not it
/// joined the room. Typing goes to the room groups (one per participant: <see cref="Groups.Room"/>) of the conversation's
/// participants as the store has them when the event is delivered, less the typist's own: a connection that joined a room
/// and whose user was removed since is not addressed, even if it was never taken out of its group.
/// </summary>
internal sealed class SignalRChatEventPublisher(IHubContext<ChatHub, IChatClient> hub, IPresenceTracker presence, IChatStore store) : IChatEventPublisher
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
                if (await RoomsOfOthersAsync(e.ConversationId, e.UserId, cancellationToken).ConfigureAwait(false) is { Count: > 0 } typingRooms)
                {
                    await clients.Groups(typingRooms).userTyping(new UserTypingPayload(e.UserId, e.ConversationId, e.UserName)).ConfigureAwait(false);
                }

                break;
            case UserStoppedTypingEvent e:
                if (await RoomsOfOthersAsync(e.ConversationId, e.UserId, cancellationToken).ConfigureAwait(false) is { Count: > 0 } stoppedRooms)
                {
                    await clients.Groups(stoppedRooms).userStoppedTyping(new UserStoppedTypingPayload(e.UserId, e.ConversationId)).ConfigureAwait(false);
                }

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
                // The removed user's connections leave the room first, all at once: a removal waits for another node's
                // acknowledgement (up to the backplane's timeout when that node is cut off), once, not once per connection.
                var room = Groups.Room(e.ConversationId, e.UserId);
                var connections = await presence.GetConnectionsAsync(e.UserId, cancellationToken).ConfigureAwait(false);
                await Task.WhenAll(connections.Select(c => hub.Groups.RemoveFromGroupAsync(c, room, cancellationToken))).ConfigureAwait(false);

                await clients.Groups(Groups.Users(e.ParticipantIds.Append(e.UserId)))
                    .participantRemoved(new ParticipantRemovedPayload(e.ConversationId, e.UserId)).ConfigureAwait(false);
                break;
            case UserStatusChangedEvent e:
                await clients.Groups(Groups.Users(e.ContactIds))
                    .userStatusChanged(new UserStatusChangedPayload(e.UserId, WireMapper.Name(e.Status), e.Timestamp.UtcDateTime)).ConfigureAwait(false);
                break;
        }
    }

    /// <summary>The room groups of the conversation's participants as the store has them now, less the typist's own.</summary>
    private async Task<IReadOnlyList<string>> RoomsOfOthersAsync(string conversationId, string typistId, CancellationToken cancellationToken)
    {
        var conversation = await store.FindConversationAsync(conversationId, cancellationToken).ConfigureAwait(false);
        return conversation is null
            ? []
            : [.. conversation.Participants.Where(p => p.UserId != typistId).Select(p => Groups.Room(conversationId, p.UserId))];
    }
}
