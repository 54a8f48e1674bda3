using ChatKit.AspNetCore.Wire;
using ChatKit.Events;
using ChatKit.Presence;
using ChatKit.Storage;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Logging;

namespace ChatKit.AspNetCore.Internal;

/// <summary>
/// Delivers Core's events with SignalR. Every connection joins its user's group when it opens, so "to the participants"
/// is a send to their user groups: each open connection receives it once, on whichever node it is, whether or not it
/// joined the room. Typing goes to the room groups (one per participant: <see cref="Groups.Room"/>) of the conversation's
/// participants as the store has them when the event is delivered, less the typist's own: a connection that joined a room
/// and whose user was removed since is not addressed, even if it was never taken out of its group.
/// A send returns once it is handed to SignalR, never waiting for a connection to take it: SignalR writes to every
/// connection whose buffer has room at once and in order, while a client that stopped reading its socket holds only its
/// own writes (queued in order behind its connection's write lock) until the hub's send timeout closes it.
/// </summary>
internal sealed class SignalRChatEventPublisher(
    IHubContext<ChatHub, IChatClient> hub, IPresenceTracker presence, IChatStore store, ILogger<SignalRChatEventPublisher> logger, AttachmentLinks links) : IChatEventTransport
{
    public async ValueTask DeliverAsync(ChatEvent chatEvent, CancellationToken cancellationToken)
    {
        var clients = hub.Clients;
        switch (chatEvent)
        {
            case MessageCreatedEvent e:
                Deliver(clients.Groups(Groups.Users(e.ParticipantIds))
                    .newMessage((NewMessagePayload)EventWire.Payload(e, links)), chatEvent);
                break;
            case ConversationCreatedEvent e:
                Deliver(clients.Groups(Groups.Users(e.Conversation.Conversation.Participants.Select(p => p.UserId)))
                    .conversationCreated(WireMapper.ToDto(e.Conversation, links)), chatEvent);
                break;
            case UserTypingEvent e:
                if (await RoomsOfOthersAsync(e.ConversationId, e.UserId, cancellationToken).ConfigureAwait(false) is { Count: > 0 } typingRooms)
                {
                    Deliver(clients.Groups(typingRooms).userTyping(new UserTypingPayload(e.UserId, e.ConversationId, e.UserName)), chatEvent);
                }

                break;
            case UserStoppedTypingEvent e:
                if (await RoomsOfOthersAsync(e.ConversationId, e.UserId, cancellationToken).ConfigureAwait(false) is { Count: > 0 } stoppedRooms)
                {
                    Deliver(clients.Groups(stoppedRooms).userStoppedTyping(new UserStoppedTypingPayload(e.UserId, e.ConversationId)), chatEvent);
                }

                break;
            case MessageReadEvent e:
                Deliver(clients.Groups(Groups.Users(e.ParticipantIds))
                    .messageRead((MessageReadPayload)EventWire.Payload(e, links)), chatEvent);
                break;
            case ConversationReadEvent e:
                Deliver(clients.Groups(Groups.Users(e.ParticipantIds))
                    .conversationRead((ConversationReadPayload)EventWire.Payload(e, links)), chatEvent);
                break;
            case MessageDeletedEvent e:
                Deliver(clients.Groups(Groups.Users(e.ParticipantIds))
                    .messageDeleted((MessageDeletedPayload)EventWire.Payload(e, links)), chatEvent);
                break;
            case ParticipantsAddedEvent e:
                Deliver(clients.Groups(Groups.Users(e.ParticipantIds))
                    .participantsAdded((ParticipantsAddedPayload)EventWire.Payload(e, links)), chatEvent);
                break;
            case ParticipantRemovedEvent e:
                // The removed user's connections leave the room first, all at once: a removal waits for another node's
                // acknowledgement (up to the backplane's timeout when that node is cut off), once, not once per connection.
                var room = Groups.Room(e.ConversationId, e.UserId);
                var connections = await presence.GetConnectionsAsync(e.UserId, cancellationToken).ConfigureAwait(false);
                await Task.WhenAll(connections.Select(c => hub.Groups.RemoveFromGroupAsync(c, room, cancellationToken))).ConfigureAwait(false);

                Deliver(clients.Groups(Groups.Users(e.ParticipantIds.Append(e.UserId)))
                    .participantRemoved((ParticipantRemovedPayload)EventWire.Payload(e, links)), chatEvent);
                break;
            case UserStatusChangedEvent e:
                Deliver(clients.Groups(Groups.Users(e.ContactIds))
                    .userStatusChanged(new UserStatusChangedPayload(e.UserId, WireMapper.Name(e.Status), e.Timestamp.UtcDateTime)), chatEvent);
                break;
            case ConversationUpdatedEvent e:
                Deliver(clients.Groups(Groups.Users(e.ParticipantIds)).conversationUpdated(WireMapper.ToDto(e.Conversation, links)), chatEvent);
                break;
            case MessageDeliveredEvent e:
                Deliver(clients.Groups(Groups.Users(e.ParticipantIds))
                    .messageDelivered((MessageDeliveredPayload)EventWire.Payload(e, links)), chatEvent);
                break;
            case MessageUpdatedEvent e:
                Deliver(clients.Groups(Groups.Users(e.ParticipantIds))
                    .messageUpdated((MessageUpdatedPayload)EventWire.Payload(e, links)), chatEvent);
                break;
            case ReactionAddedEvent e:
                Deliver(clients.Groups(Groups.Users(e.ParticipantIds))
                    .reactionAdded((ReactionPayload)EventWire.Payload(e, links)), chatEvent);
                break;
            case ReactionRemovedEvent e:
                Deliver(clients.Groups(Groups.Users(e.ParticipantIds))
                    .reactionRemoved((ReactionPayload)EventWire.Payload(e, links)), chatEvent);
                break;
        }
    }

    /// <summary>
    /// Lets a send finish on its own: a failure is logged (clients catch up by seq), and the caller, often a sender
    /// waiting for its acknowledgement, never waits for the slowest reader of the group.
    /// </summary>
    private void Deliver(Task send, ChatEvent chatEvent)
    {
        if (send.IsCompletedSuccessfully)
        {
            return;
        }

        _ = send.ContinueWith(
            static (task, state) =>
            {
                var (logger, name) = ((ILogger, string))state!;
                Log.DeliveryFailed(logger, name, task.Exception!.GetBaseException());
            },
            (logger, chatEvent.GetType().Name),
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
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
