using ChatKit.Events;
using ChatKit.Internal;

namespace ChatKit.Services;

// v2: delivery positions, group administration, system messages.
public sealed partial class ChatService
{
    /// <summary>
    /// Moves the caller's delivery position forward to <paramref name="seq"/> (never backward; a seq beyond the newest
    /// message counts as the newest). Publishes <see cref="MessageDeliveredEvent"/> only when the position moved (a read
    /// position at or beyond it counts: reading implies delivery), and only in conversations of at most
    /// <see cref="ChatKitOptions.DeliveryReceiptsMaxParticipants"/> participants.
    /// </summary>
    /// <param name="caller">A participant.</param>
    /// <param name="conversationId">The conversation id.</param>
    /// <param name="seq">The seq received up to, 0 or more.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="ChatException"><c>validation_failed</c> for a negative seq; <c>not_found</c>.</exception>
    public async Task MarkAsDeliveredAsync(ChatUser caller, string conversationId, long seq, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ValidateConversationId(conversationId);
        if (seq < 0)
        {
            throw ChatException.Validation("seq", "seq is 0 or more");
        }

        await EnforceAsync(caller, ChatOperation.MarkAsRead, cancellationToken).ConfigureAwait(false);
        var conversation = await RequireParticipantAsync(caller, conversationId, cancellationToken).ConfigureAwait(false);
        var upTo = Math.Min(seq, conversation.LastSeq);
        if (upTo <= 0)
        {
            return;
        }

        // Recorded only where it is published: the receipts limit decides whether there is an event at all.
        var receipts = conversation.Participants.Count <= _options.DeliveryReceiptsMaxParticipants;
        var (_, delivered) = await RecordAsync(
            conversationId,
            ct => _store.AdvanceDeliveryPositionAsync(conversationId, caller.Id, upTo, ct),
            moved => moved is { } position && receipts ? [new MessageDeliveredEvent(conversationId, caller.Id, position, ParticipantIds(conversation))] : [],
            cancellationToken).ConfigureAwait(false);
        await PublishAllAsync(delivered).ConfigureAwait(false);
    }

    /// <summary>
    /// Renames a group and/or replaces its metadata. Allowed to the owner and admins. A rename records a
    /// <see cref="SystemEventKind.ConversationRenamed"/> system message; any change publishes
    /// <see cref="ConversationUpdatedEvent"/>. Nothing that equals the current value changes or publishes anything.
    /// </summary>
    /// <param name="caller">The group's owner or an admin.</param>
    /// <param name="conversationId">The group id.</param>
    /// <param name="request">The new name and/or metadata.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The conversation afterwards, as the caller sees it.</returns>
    /// <exception cref="ChatException">
    /// <c>validation_failed</c> for a bad name or metadata; <c>not_found</c>; <c>conflict</c> for a direct conversation;
    /// <c>forbidden</c> for a member.
    /// </exception>
    public async Task<ConversationView> UpdateConversationAsync(ChatUser caller, string conversationId, UpdateConversationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ValidateConversationId(conversationId);
        if (request is null)
        {
            throw ChatException.Validation("body", "give a name or metadata");
        }

        var name = request.Name is null ? null : ValidateGroupName(request.Name);
        var setMetadata = request.Metadata is not null;
        var metadata = setMetadata ? Metadata.Normalize(request.Metadata, _options.MaxMetadataBytes) : null;

        await EnforceAsync(caller, ChatOperation.ManageParticipants, cancellationToken).ConfigureAwait(false);
        var conversation = await RequireParticipantAsync(caller, conversationId, cancellationToken).ConfigureAwait(false);
        RequireGroupManager(caller, conversation, "rename or change the metadata of");
        if (name == conversation.Name)
        {
            name = null;
        }

        if (setMetadata && metadata == conversation.Metadata)
        {
            setMetadata = false;
        }

        if (name is null && !setMetadata)
        {
            return await FindViewAsync(caller, conversationId, cancellationToken).ConfigureAwait(false);
        }

        var (changed, recorded) = await RecordAsync(
            conversationId,
            ct => _store.UpdateConversationAsync(conversationId, new ConversationChange(name, setMetadata, metadata), ct),
            c => c is null ? [] : [new ConversationUpdatedEvent(new ConversationView(c, null, 0), ParticipantIds(c))],
            cancellationToken).ConfigureAwait(false);
        var updated = changed ?? throw ChatException.ConversationNotFound(conversationId);
        ChatMessage? notice = null;
        if (name is not null)
        {
            notice = await AppendSystemMessageAsync(
                caller,
                conversationId,
                new SystemMessageInfo(SystemEventKind.ConversationRenamed, caller.Id, [], name),
                Invariant($"{DisplayNameOf(caller)} renamed the group to \"{name}\""),
                cancellationToken).ConfigureAwait(false);
        }

        return await PublishUpdatedAsync(caller, updated, recorded, notice, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Changes a participant's role. Allowed to the owner only. <see cref="ParticipantRole.Owner"/> transfers ownership:
    /// the target becomes owner and the caller admin, in one atomic store step. Records a
    /// <see cref="SystemEventKind.RoleChanged"/> system message and publishes <see cref="ConversationUpdatedEvent"/>;
    /// giving a participant the role they have changes and publishes nothing.
    /// </summary>
    /// <param name="caller">The group's owner.</param>
    /// <param name="conversationId">The group id.</param>
    /// <param name="userId">The participant whose role changes.</param>
    /// <param name="role">The new role.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The conversation afterwards, as the caller sees it.</returns>
    /// <exception cref="ChatException">
    /// <c>not_found</c> for a conversation the caller cannot see or a user who is not a participant; <c>conflict</c> for a
    /// direct conversation or the owner changing their own role; <c>forbidden</c> for anyone but the owner.
    /// </exception>
    public async Task<ConversationView> ChangeRoleAsync(ChatUser caller, string conversationId, string userId, ParticipantRole role, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ValidateConversationId(conversationId);
        ValidateUserId(userId, "userId");
        if (!Enum.IsDefined(role))
        {
            throw ChatException.Validation("role", "role is admin, member or owner");
        }

        await EnforceAsync(caller, ChatOperation.ManageParticipants, cancellationToken).ConfigureAwait(false);
        var conversation = await RequireParticipantAsync(caller, conversationId, cancellationToken).ConfigureAwait(false);
        if (conversation.Type != ConversationType.Group)
        {
            throw new ChatException(ChatErrorCode.Conflict, "a direct conversation has no roles to change");
        }

        if (conversation.FindParticipant(caller.Id)!.Role != ParticipantRole.Owner)
        {
            throw new ChatException(ChatErrorCode.Forbidden, "only the group's owner may change roles");
        }

        if (userId == caller.Id)
        {
            if (role == ParticipantRole.Owner)
            {
                return await FindViewAsync(caller, conversationId, cancellationToken).ConfigureAwait(false);
            }

            throw new ChatException(ChatErrorCode.Conflict, "the owner keeps their role until they transfer ownership to another participant");
        }

        var (result, recorded) = await RecordAsync(
            conversationId,
            ct => _store.ChangeRoleAsync(conversationId, caller.Id, userId, role, ct),
            r => r.Outcome == RoleChangeOutcome.Changed && r.Conversation is { } c ? [new ConversationUpdatedEvent(new ConversationView(c, null, 0), ParticipantIds(c))] : [],
            cancellationToken).ConfigureAwait(false);
        switch (result.Outcome)
        {
            case RoleChangeOutcome.NotFound:
                throw ChatException.ConversationNotFound(conversationId);
            case RoleChangeOutcome.NotOwner:
                throw new ChatException(ChatErrorCode.Forbidden, "only the group's owner may change roles");
            case RoleChangeOutcome.TargetNotFound:
                throw NotAParticipant(conversationId, userId);
            case RoleChangeOutcome.Unchanged:
                return await FindViewAsync(caller, conversationId, cancellationToken).ConfigureAwait(false);
        }

        var notice = await AppendSystemMessageAsync(
            caller,
            conversationId,
            new SystemMessageInfo(SystemEventKind.RoleChanged, caller.Id, [userId], null, role),
            Invariant($"{DisplayNameOf(caller)} made {userId} {RolePhrase(role)}"),
            cancellationToken).ConfigureAwait(false);
        return await PublishUpdatedAsync(caller, result.Conversation!, recorded, notice, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Appends a system message through the store's ordinary append (so it takes the next seq like any message) with
    /// the actor as its sender, and returns it.
    /// </summary>
    private async Task<ChatMessage> AppendSystemMessageAsync(ChatUser actor, string conversationId, SystemMessageInfo info, string content, CancellationToken cancellationToken)
    {
        var now = Ids.Now(_time);
        var message = new ChatMessage
        {
            Id = Ids.NewMessageId(now),
            ConversationId = conversationId,
            Seq = 0,
            SenderId = actor.Id,
            SenderName = DisplayNameOf(actor),
            Content = content,
            Type = MessageType.System,
            CreatedAt = now,
            System = info,
        };

        // A system message is written whatever the caller's token says: the change it records is already stored.
        var result = await _store.AppendMessageAsync(message, CancellationToken.None).ConfigureAwait(false);
        return result.Value;
    }

    /// <summary>Publishes a system message to the participants as <c>newMessage</c>.</summary>
    private ValueTask PublishNoticeAsync(ChatMessage? notice, Conversation conversation) =>
        notice is null ? ValueTask.CompletedTask : _events.PublishAsync(new MessageCreatedEvent(notice, ParticipantIds(conversation)) { EventId = notice.Id });

    /// <summary>Publishes the recorded conversationUpdated with the conversation as the caller sees it now, then the notice.</summary>
    private async Task<ConversationView> PublishUpdatedAsync(ChatUser caller, Conversation updated, IReadOnlyList<ChatEvent> recorded, ChatMessage? notice, CancellationToken cancellationToken)
    {
        var view = await FindViewAsync(caller, updated.Id, cancellationToken).ConfigureAwait(false);
        await _events.PublishAsync(new ConversationUpdatedEvent(view with { MutedUntil = null }, ParticipantIds(view.Conversation)) { EventId = recorded.FirstOrDefault()?.EventId }).ConfigureAwait(false);
        await PublishNoticeAsync(notice, view.Conversation).ConfigureAwait(false);
        return view;
    }

    /// <summary>
    /// Completes conversations as every response and event shows them: the last message with its reply summary and
    /// reactions, and every participant's read and delivery positions, in a fixed number of store calls whatever the count.
    /// </summary>
    private async Task<IReadOnlyList<ConversationView>> CompleteViewsAsync(IReadOnlyList<ConversationView> views, CancellationToken cancellationToken) =>
        await WithPositionsAsync(await DecorateViewsAsync(views, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <summary>Completes one conversation as <see cref="CompleteViewsAsync"/> does.</summary>
    private async Task<ConversationView> CompleteViewAsync(ConversationView view, CancellationToken cancellationToken) =>
        (await CompleteViewsAsync([view], cancellationToken).ConfigureAwait(false))[0];

    /// <summary>Adds every participant's read and delivery positions to views, in one store call.</summary>
    private async Task<IReadOnlyList<ConversationView>> WithPositionsAsync(IReadOnlyList<ConversationView> views, CancellationToken cancellationToken)
    {
        if (views.Count == 0)
        {
            return views;
        }

        var positions = await _store.GetReceiptPositionsAsync([.. views.Select(v => v.Conversation.Id)], cancellationToken).ConfigureAwait(false);
        var byConversation = positions.ToLookup(p => p.ConversationId, StringComparer.Ordinal);
        return [.. views.Select(v => v with
        {
            Positions = [.. byConversation[v.Conversation.Id].Where(p => v.Conversation.HasParticipant(p.UserId))],
        })];
    }

    private string ValidateGroupName(string raw)
    {
        var name = ContentNormalizer.NormalizeLine(raw, "name");
        if (string.IsNullOrEmpty(name))
        {
            throw ChatException.Validation("name", "a group needs a name");
        }

        if (!ContentNormalizer.HasVisible(name))
        {
            throw ChatException.Validation("name", "a group name needs a visible character");
        }

        if (name.Length > _options.MaxConversationNameLength)
        {
            throw ChatException.Validation("name", Invariant($"a group name has at most {_options.MaxConversationNameLength} characters"));
        }

        return name;
    }

    private static ChatException NotAParticipant(string conversationId, string userId) =>
        new(ChatErrorCode.NotFound, Invariant($"user {userId} is not a participant of conversation {conversationId}"));

    private static string RolePhrase(ParticipantRole role) => role switch
    {
        ParticipantRole.Owner => "the owner",
        ParticipantRole.Admin => "an admin",
        _ => "a member",
    };

    /// <summary>"bob", "bob and carol", "bob, carol and dave", "bob, carol, dave and 2 others".</summary>
    private static string NameList(IReadOnlyList<string> names)
    {
        const int Shown = 3;
        if (names.Count <= 1)
        {
            return names.Count == 0 ? string.Empty : names[0];
        }

        if (names.Count <= Shown)
        {
            return Invariant($"{string.Join(", ", names.Take(names.Count - 1))} and {names[^1]}");
        }

        var others = names.Count - Shown;
        return Invariant($"{string.Join(", ", names.Take(Shown))} and {others} {(others == 1 ? "other" : "others")}");
    }
}
