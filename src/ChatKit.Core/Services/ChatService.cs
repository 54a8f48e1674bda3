using System.Diagnostics.Metrics;
using System.Globalization;
using System.Threading.RateLimiting;
using ChatKit.Events;
using ChatKit.Internal;
using ChatKit.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatKit.Services;

/// <summary>
/// Every rule about conversations and messages, decided once: the hub and the REST endpoints both call this class, so
/// they can never disagree. Each method checks its input, the caller's membership and role, changes the store, then
/// publishes the event that reports the change.
/// </summary>
/// <remarks>
/// A caller who is not a participant gets <see cref="ChatErrorCode.NotFound"/>, exactly as if the conversation did not
/// exist, so nothing about other users' conversations leaks.
/// </remarks>
public sealed partial class ChatService
{
    /// <summary>The page size used when none is given.</summary>
    public const int DefaultPageSize = 50;

    /// <summary>The largest page size; larger requests are treated as this.</summary>
    public const int MaxPageSize = 100;

    private readonly IChatStore _store;
    private readonly EventDispatch _events;
    private readonly IChatRateLimiter _rateLimiter;
    private readonly TimeProvider _time;
    private readonly ChatKitOptions _options;
    private readonly ChatKitMetrics _metrics;
    private readonly MessageFilterPipeline _filters;
    private readonly ChatKitAttachmentOptions _attachmentOptions;
    private readonly AttachmentService? _attachments;

    /// <summary>Creates the service; resolve it from dependency injection rather than calling this.</summary>
    /// <param name="store">The store.</param>
    /// <param name="publisher">Where events go.</param>
    /// <param name="rateLimiter">The send rate limit.</param>
    /// <param name="time">The clock.</param>
    /// <param name="options">The limits.</param>
    /// <param name="logger">Logs failed event deliveries.</param>
    /// <param name="meterFactory">Creates the <c>ChatKit</c> meter; the host's, when it has one.</param>
    /// <param name="filters">The host's message filters, in order (see <see cref="Filters.IMessageFilter"/>).</param>
    /// <param name="attachmentOptions">The attachment limits, or <see langword="null"/> for the defaults.</param>
    /// <param name="attachments">Deletes a deleted message's attachments, or <see langword="null"/> to leave them.</param>
    public ChatService(
        IChatStore store,
        IChatEventPublisher publisher,
        IChatRateLimiter rateLimiter,
        TimeProvider time,
        IOptions<ChatKitOptions> options,
        ILogger<ChatService> logger,
        IMeterFactory? meterFactory = null,
        IEnumerable<Filters.IMessageFilter>? filters = null,
        IOptions<ChatKitAttachmentOptions>? attachmentOptions = null,
        AttachmentService? attachments = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _events = new EventDispatch(publisher, logger);
        _rateLimiter = rateLimiter;
        _time = time;
        _options = options.Value;
        _metrics = ChatKitMetrics.For(meterFactory);
        _filters = new MessageFilterPipeline(filters, store, time, _options, logger);
        _attachmentOptions = attachmentOptions?.Value ?? new ChatKitAttachmentOptions();
        _attachments = attachments;
    }

    /// <summary>
    /// Creates a conversation, or returns the existing direct conversation of the pair. The creator is always a
    /// participant, and a group's owner. Publishes <see cref="ConversationCreatedEvent"/> when one is created.
    /// </summary>
    /// <param name="caller">The creator.</param>
    /// <param name="request">The type, the other participants and, for a group, the name.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="ChatException"><c>validation_failed</c> for a bad request.</exception>
    public async Task<CreateConversationResult> CreateConversationAsync(ChatUser caller, CreateConversationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (request is null)
        {
            throw ChatException.Validation("body", "a conversation needs a type and participantIds");
        }

        if (request.ParticipantIds is null)
        {
            throw ChatException.Validation("participantIds", "participantIds is required");
        }

        // Counts first: no list longer than a group may be is ever looked at, and one pass de-duplicates the rest.
        if (request.ParticipantIds.Count > _options.MaxGroupParticipants)
        {
            throw ChatException.Validation("participantIds", Invariant($"a group has at most {_options.MaxGroupParticipants} participants"));
        }

        var others = new List<string>(request.ParticipantIds.Count);
        var seen = new HashSet<string>(request.ParticipantIds.Count, StringComparer.Ordinal) { caller.Id };
        foreach (var id in request.ParticipantIds)
        {
            ValidateUserId(id, "participantIds");
            if (seen.Add(id))
            {
                others.Add(id);
            }
        }

        var metadata = Metadata.Normalize(request.Metadata, _options.MaxMetadataBytes);
        var now = Ids.Now(_time);
        if (request.Type == ConversationType.Direct)
        {
            if (others.Count != 1)
            {
                throw ChatException.Validation("participantIds", "a direct conversation takes exactly one other user");
            }

            await EnforceAsync(caller, ChatOperation.CreateConversation, cancellationToken).ConfigureAwait(false);

            var candidate = new Conversation
            {
                Id = Ids.NewConversationId(now),
                Type = ConversationType.Direct,
                Name = null,
                CreatedBy = caller.Id,
                CreatedAt = now,
                LastActivityAt = now,
                DirectKey = Conversation.DirectKeyFor(caller.Id, others[0]),
                Metadata = metadata,
                Participants =
                [
                    new Participant(caller.Id, ParticipantRole.Member, now),
                    new Participant(others[0], ParticipantRole.Member, now),
                ],
            };
            var (result, created) = await RecordAsync(
                candidate.Id,
                ct => _store.GetOrCreateDirectConversationAsync(candidate, ct),
                r => r.Created ? [new ConversationCreatedEvent(new ConversationView(r.Value, null, 0))] : [],
                cancellationToken).ConfigureAwait(false);
            if (result.Created)
            {
                _metrics.ConversationCreated(ConversationType.Direct);
                await PublishAllAsync(created).ConfigureAwait(false);
                return new CreateConversationResult(((ConversationCreatedEvent)created[0]).Conversation, true);
            }

            var existing = await _store.FindConversationViewAsync(result.Value.Id, caller.Id, cancellationToken).ConfigureAwait(false);
            return new CreateConversationResult(await CompleteViewAsync(existing ?? new ConversationView(result.Value, null, 0), cancellationToken).ConfigureAwait(false), false);
        }

        if (request.Type != ConversationType.Group)
        {
            throw ChatException.Validation("type", "type must be direct or group");
        }

        var name = ValidateGroupName(request.Name ?? string.Empty);

        if (others.Count == 0)
        {
            throw ChatException.Validation("participantIds", "a group needs at least one other participant");
        }

        if (others.Count + 1 > _options.MaxGroupParticipants)
        {
            throw ChatException.Validation("participantIds", Invariant($"a group has at most {_options.MaxGroupParticipants} participants"));
        }

        await EnforceAsync(caller, ChatOperation.CreateConversation, cancellationToken).ConfigureAwait(false);
        var participants = new List<Participant>(others.Count + 1) { new(caller.Id, ParticipantRole.Owner, now) };
        participants.AddRange(others.Select(id => new Participant(id, ParticipantRole.Member, now)));
        var group = new Conversation
        {
            Id = Ids.NewConversationId(now),
            Type = ConversationType.Group,
            Name = name,
            CreatedBy = caller.Id,
            CreatedAt = now,
            LastActivityAt = now,
            Participants = participants,
            Metadata = metadata,
        };
        var groupView = new ConversationView(group, null, 0);
        var (_, groupCreated) = await RecordAsync(
            group.Id,
            async ct =>
            {
                await _store.CreateConversationAsync(group, ct).ConfigureAwait(false);
                return true;
            },
            _ => [new ConversationCreatedEvent(groupView)],
            cancellationToken).ConfigureAwait(false);
        _metrics.ConversationCreated(ConversationType.Group);
        await PublishAllAsync(groupCreated).ConfigureAwait(false);
        return new CreateConversationResult(groupView, true);
    }

    /// <summary>Returns a conversation as the caller sees it.</summary>
    /// <param name="caller">A participant.</param>
    /// <param name="conversationId">The conversation id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="ChatException"><c>not_found</c> when it does not exist or the caller is not a participant.</exception>
    public async Task<ConversationView> GetConversationAsync(ChatUser caller, string conversationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ValidateConversationId(conversationId);
        await EnforceAsync(caller, ChatOperation.Query, cancellationToken).ConfigureAwait(false);
        return await FindViewAsync(caller, conversationId, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ConversationView> FindViewAsync(ChatUser caller, string conversationId, CancellationToken cancellationToken)
    {
        var view = await _store.FindConversationViewAsync(conversationId, caller.Id, cancellationToken).ConfigureAwait(false);
        if (view is null || !view.Conversation.HasParticipant(caller.Id))
        {
            throw ChatException.ConversationNotFound(conversationId);
        }

        return WithMute(await CompleteViewAsync(view, cancellationToken).ConfigureAwait(false), caller.Id);
    }

    /// <summary>Lists the caller's conversations, most recent activity first.</summary>
    /// <param name="caller">The user.</param>
    /// <param name="limit">The page size: default 50, clamped to 1..100.</param>
    /// <param name="cursor">The <see cref="ConversationPage.NextCursor"/> of the previous page, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="ChatException"><c>validation_failed</c> for a cursor this service did not issue.</exception>
    public async Task<ConversationPage> ListConversationsAsync(ChatUser caller, int? limit = null, string? cursor = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var size = ClampLimit(limit);
        ConversationPosition? after = null;
        if (!string.IsNullOrEmpty(cursor))
        {
            after = (cursor.Length <= MaxCursorLength ? Ids.DecodeCursor(cursor) : null) is { } position && ContentNormalizer.IsValidId(position.ConversationId, MaxCursorLength)
                ? position
                : throw ChatException.Validation("cursor", "cursor is not one this server issued");
        }

        await EnforceAsync(caller, ChatOperation.Query, cancellationToken).ConfigureAwait(false);

        var items = (await CompleteViewsAsync(
            await _store.ListConversationsAsync(caller.Id, after, size + 1, cancellationToken).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false)).Select(v => WithMute(v, caller.Id)).ToList();
        if (items.Count <= size)
        {
            return new ConversationPage(items, null);
        }

        var page = items.Take(size).ToList();
        var last = page[^1].Conversation;
        return new ConversationPage(page, Ids.EncodeCursor(new ConversationPosition(last.LastActivityAt, last.Id)));
    }

    /// <summary>
    /// Checks that the caller may see a conversation's live events (the hub's <c>joinRoom</c>) and returns it.
    /// </summary>
    /// <param name="caller">A participant.</param>
    /// <param name="conversationId">The conversation id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="ChatException"><c>not_found</c> when it does not exist or the caller is not a participant.</exception>
    public async Task<ConversationView> JoinAsync(ChatUser caller, string conversationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ValidateConversationId(conversationId);
        await EnforceAsync(caller, ChatOperation.JoinRoom, cancellationToken).ConfigureAwait(false);
        return await FindViewAsync(caller, conversationId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends a message: normalises the content, checks membership and the send rate limit, and appends it. A
    /// <see cref="SendMessageRequest.TempId"/> the caller already used in the conversation returns the first message
    /// and stores nothing. Publishes <see cref="MessageCreatedEvent"/> for a new message, after it is durable.
    /// </summary>
    /// <param name="caller">The sender, a participant.</param>
    /// <param name="request">The conversation, the content, and an optional tempId.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="ChatException">
    /// <c>validation_failed</c> for empty or too long content; <c>not_found</c> for a conversation the caller is not in;
    /// <c>rate_limited</c> when the caller sends too fast.
    /// </exception>
    public async Task<SendMessageResult> SendMessageAsync(ChatUser caller, SendMessageRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (request is null)
        {
            throw ChatException.Validation("body", "a message needs a conversationId and content");
        }

        ValidateConversationId(request.ConversationId);
        if (request.Type != MessageType.Text)
        {
            throw ChatException.Validation("type", "users may only send text messages");
        }

        if (request.TempId is not null && (request.TempId.Length == 0 || request.TempId.Length > _options.MaxIdLength))
        {
            throw ChatException.Validation("tempId", Invariant($"tempId has 1 to {_options.MaxIdLength} characters"));
        }

        if (request.TempId is not null && !ContentNormalizer.IsValidId(request.TempId, _options.MaxIdLength))
        {
            throw ChatException.Validation("tempId", "tempId is not blank and has no control or format characters");
        }

        var attachmentIds = ValidateAttachmentIds(request.AttachmentIds);
        var content = attachmentIds.Count > 0 && !ContentNormalizer.HasVisible(ContentNormalizer.Normalize(request.Content ?? string.Empty))
            ? string.Empty
            : NormalizeContent(request.Content);
        var mentions = ValidateMentionIds(request.Mentions);
        if (request.ReplyToId is not null)
        {
            ValidateMessageId(request.ReplyToId, "replyToId");
        }

        var metadata = Metadata.Normalize(request.Metadata, _options.MaxMetadataBytes);
        await EnforceAsync(caller, ChatOperation.SendMessage, cancellationToken).ConfigureAwait(false);
        if (mentions.Count > 0 || request.ReplyToId is not null)
        {
            await CheckReplyAndMentionsAsync(caller, request.ConversationId, request.ReplyToId, mentions, cancellationToken).ConfigureAwait(false);
        }

        if (_filters.Active && (content.Length > 0 || attachmentIds.Count == 0))
        {
            // The host's filters may rewrite or refuse; a refused retry of a stored tempId still reaches the append below.
            content = await _filters.RunAsync(caller, request, content, cancellationToken).ConfigureAwait(false);
        }

        var started = _time.GetTimestamp();
        var now = Ids.Now(_time);
        var messageId = Ids.NewMessageId(now);
        var (attachments, sentKey) = await ClaimAttachmentsAsync(caller, request, attachmentIds, messageId, cancellationToken).ConfigureAwait(false);
        var message = new ChatMessage
        {
            Id = messageId,
            ConversationId = request.ConversationId,
            Seq = 0,
            SenderId = caller.Id,
            SenderName = DisplayNameOf(caller),
            Content = content,
            Type = MessageType.Text,
            TempId = request.TempId,
            CreatedAt = now,
            Metadata = metadata,
            ReplyToId = request.ReplyToId,
            Mentions = mentions,
            Attachments = attachments,
        };
        // Membership is checked by the append itself (atomically where the store can), which also says whom to tell.
        var appended = await (ChatKitActivities.Source.HasListeners()
                ? AppendTracedAsync(message, cancellationToken)
                : _store.AppendParticipantMessageAsync(message, cancellationToken)).ConfigureAwait(false);
        if (appended is null)
        {
            await ReleaseAttachmentsAsync(attachmentIds, sentKey, cancellationToken).ConfigureAwait(false);
            throw ChatException.ConversationNotFound(request.ConversationId);
        }

        var result = appended.Result;
        if (!result.Created && attachmentIds.Count > 0)
        {
            // A retry whose first send is stored: uploads it named anew (and the first did not) are not its.
            var kept = result.Value.Attachments.Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
            await ReleaseAttachmentsAsync([.. attachmentIds.Where(id => !kept.Contains(id))], sentKey, cancellationToken).ConfigureAwait(false);
        }

        // A message this call created has no reactions yet, and one that replies to nothing needs no look-up: the send
        // path reads nothing more from the store. A retry's first message may have gained reactions since.
        var stored = result.Created && result.Value.ReplyToId is null
            ? result.Value
            : await DecorateAsync(result.Value, cancellationToken).ConfigureAwait(false);
        if (!result.Created)
        {
            _metrics.MessageDeduplicated();
        }
        else
        {
            _metrics.MessageStored(appended.ConversationType, _time.GetElapsedTime(started));
            // The append recorded its newMessage event under the message's id.
            await _events.PublishAsync(new MessageCreatedEvent(stored, appended.ParticipantIds) { EventId = stored.Id }).ConfigureAwait(false);
        }

        return new SendMessageResult(stored, result.Created);
    }

    /// <summary>The append, inside a <c>ChatKit store AppendMessage</c> span when a host traces ChatKit.</summary>
    private async Task<ParticipantAppend?> AppendTracedAsync(ChatMessage message, CancellationToken cancellationToken)
    {
        using var activity = ChatKitActivities.StartStore("AppendMessage", _store, message.ConversationId);
        try
        {
            var appended = await _store.AppendParticipantMessageAsync(message, cancellationToken).ConfigureAwait(false);
            if (activity is { IsAllDataRequested: true } && appended is not null)
            {
                activity.SetTag("chatkit.message.id", appended.Result.Value.Id);
                activity.SetTag("chatkit.message.seq", appended.Result.Value.Seq);
                activity.SetTag("chatkit.message.deduplicated", !appended.Result.Created);
            }

            return appended;
        }
        catch (Exception ex)
        {
            ChatKitActivities.Fail(activity, ex);
            throw;
        }
    }

    /// <summary>Reads a page of a conversation's history, ascending by seq, tombstones included.</summary>
    /// <param name="caller">A participant.</param>
    /// <param name="conversationId">The conversation id.</param>
    /// <param name="query">Before or after a seq, and the page size (default 50, clamped to 1..100).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="ChatException"><c>validation_failed</c> for both before and after, or a seq below its range; <c>not_found</c>.</exception>
    public async Task<MessagePage> GetMessagesAsync(ChatUser caller, string conversationId, MessageQuery? query = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        query ??= new MessageQuery();
        if (query.BeforeSeq is not null && query.AfterSeq is not null)
        {
            throw ChatException.Validation("before", "give before or after, not both");
        }

        if (query.BeforeSeq is < 1)
        {
            throw ChatException.Validation("before", "before is a seq of 1 or more");
        }

        if (query.AfterSeq is < 0)
        {
            throw ChatException.Validation("after", "after is a seq of 0 or more");
        }

        ValidateConversationId(conversationId);
        await EnforceAsync(caller, ChatOperation.Query, cancellationToken).ConfigureAwait(false);
        await RequireParticipantAsync(caller, conversationId, cancellationToken).ConfigureAwait(false);
        var page = await _store.GetMessagesAsync(conversationId, query.BeforeSeq, query.AfterSeq, ClampLimit(query.Limit), cancellationToken).ConfigureAwait(false);
        return page with { Items = await DecorateMessagesAsync(page.Items, cancellationToken).ConfigureAwait(false) };
    }

    /// <summary>
    /// Moves the caller's read position forward to a message (never backward) and publishes <see cref="MessageReadEvent"/>.
    /// </summary>
    /// <param name="caller">A participant.</param>
    /// <param name="conversationId">The conversation id.</param>
    /// <param name="messageId">A message of that conversation.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="ChatException"><c>not_found</c> for a conversation or message the caller cannot see.</exception>
    public async Task MarkAsReadAsync(ChatUser caller, string conversationId, string messageId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ValidateConversationId(conversationId);
        ValidateMessageId(messageId);
        await EnforceAsync(caller, ChatOperation.MarkAsRead, cancellationToken).ConfigureAwait(false);
        var conversation = await RequireParticipantAsync(caller, conversationId, cancellationToken).ConfigureAwait(false);
        var message = await _store.FindMessageAsync(messageId, cancellationToken).ConfigureAwait(false);
        if (message is null || message.ConversationId != conversationId)
        {
            throw ChatException.MessageNotFound(messageId);
        }

        var readAt = Ids.Now(_time);
        var (_, read) = await RecordAsync(
            conversationId,
            ct => _store.AdvanceReadPositionAsync(conversationId, caller.Id, message.Seq, ct),
            _ => [new MessageReadEvent(message.Id, conversationId, caller.Id, readAt, ParticipantIds(conversation))],
            cancellationToken).ConfigureAwait(false);
        await PublishAllAsync(read).ConfigureAwait(false);
    }

    /// <summary>Moves the caller's read position to the newest message and publishes <see cref="ConversationReadEvent"/>.</summary>
    /// <param name="caller">A participant.</param>
    /// <param name="conversationId">The conversation id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="ChatException"><c>not_found</c> for a conversation the caller cannot see.</exception>
    public async Task MarkConversationAsReadAsync(ChatUser caller, string conversationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ValidateConversationId(conversationId);
        await EnforceAsync(caller, ChatOperation.MarkAsRead, cancellationToken).ConfigureAwait(false);
        var conversation = await RequireParticipantAsync(caller, conversationId, cancellationToken).ConfigureAwait(false);
        var readAt = Ids.Now(_time);
        var (_, read) = await RecordAsync(
            conversationId,
            ct => conversation.LastSeq > 0 ? _store.AdvanceReadPositionAsync(conversationId, caller.Id, conversation.LastSeq, ct) : Task.FromResult(0L),
            _ => [new ConversationReadEvent(conversationId, caller.Id, readAt, ParticipantIds(conversation))],
            cancellationToken).ConfigureAwait(false);
        await PublishAllAsync(read).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes a message, leaving a tombstone with its id and seq. Allowed to its sender, and in a group to the owner
    /// and admins. Publishes <see cref="MessageDeletedEvent"/>; deleting a tombstone again changes and publishes nothing.
    /// </summary>
    /// <param name="caller">A participant.</param>
    /// <param name="messageId">The message id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="ChatException"><c>not_found</c> for a message the caller cannot see; <c>forbidden</c> without the right.</exception>
    public async Task DeleteMessageAsync(ChatUser caller, string messageId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ValidateMessageId(messageId);
        await EnforceAsync(caller, ChatOperation.DeleteMessage, cancellationToken).ConfigureAwait(false);
        var message = await _store.FindMessageAsync(messageId, cancellationToken).ConfigureAwait(false)
            ?? throw ChatException.MessageNotFound(messageId);
        var conversation = await _store.FindConversationAsync(message.ConversationId, cancellationToken).ConfigureAwait(false);
        var me = conversation?.FindParticipant(caller.Id);
        if (conversation is null || me is null)
        {
            throw ChatException.MessageNotFound(messageId);
        }

        var allowed = message.SenderId == caller.Id
            || (conversation.Type == ConversationType.Group && me.Role is ParticipantRole.Owner or ParticipantRole.Admin);
        if (!allowed)
        {
            throw new ChatException(ChatErrorCode.Forbidden, "only the sender, or a group's owner or admin, may delete a message");
        }

        if (message.IsDeleted)
        {
            return;
        }

        var deletedAt = Ids.Now(_time);
        var (_, deleted) = await RecordAsync(
            conversation.Id,
            ct => _store.DeleteMessageAsync(messageId, deletedAt, ct),
            m => m?.DeletedAt == deletedAt ? [new MessageDeletedEvent(messageId, conversation.Id, ParticipantIds(conversation))] : [],
            cancellationToken).ConfigureAwait(false);
        if (_attachments is not null)
        {
            await _attachments.DeleteWithMessageAsync(message, cancellationToken).ConfigureAwait(false);
        }

        _metrics.MessageDeleted();
        await PublishAllAsync(deleted).ConfigureAwait(false);
    }

    /// <summary>
    /// Adds users to a group as members. Allowed to the owner and admins. Users already in it are left as they are;
    /// publishes <see cref="ParticipantsAddedEvent"/> when anyone was added.
    /// </summary>
    /// <param name="caller">The group's owner or an admin.</param>
    /// <param name="conversationId">The group id.</param>
    /// <param name="userIds">The users to add.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="ChatException">
    /// <c>validation_failed</c> for no or bad ids or too many participants; <c>not_found</c>; <c>conflict</c> for a
    /// direct conversation; <c>forbidden</c> for a member.
    /// </exception>
    public async Task<ConversationView> AddParticipantsAsync(ChatUser caller, string conversationId, IReadOnlyList<string> userIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ValidateConversationId(conversationId);
        if (userIds is null || userIds.Count == 0)
        {
            throw ChatException.Validation("userIds", "userIds needs at least one user id");
        }

        // Counts first: no list longer than a group may be is ever looked at, and one pass de-duplicates the rest.
        if (userIds.Count > _options.MaxGroupParticipants)
        {
            throw ChatException.Validation("userIds", Invariant($"a group has at most {_options.MaxGroupParticipants} participants"));
        }

        var requested = new HashSet<string>(userIds.Count, StringComparer.Ordinal);
        foreach (var id in userIds)
        {
            ValidateUserId(id, "userIds");
            requested.Add(id);
        }

        await EnforceAsync(caller, ChatOperation.ManageParticipants, cancellationToken).ConfigureAwait(false);
        var conversation = await RequireParticipantAsync(caller, conversationId, cancellationToken).ConfigureAwait(false);
        RequireGroupManager(caller, conversation, "add participants to");
        var now = Ids.Now(_time);
        var present = conversation.Participants.Select(p => p.UserId).ToHashSet(StringComparer.Ordinal);
        var added = userIds.Where(id => requested.Remove(id) && !present.Contains(id)).ToList();
        if (added.Count == 0)
        {
            return await FindViewAsync(caller, conversationId, cancellationToken).ConfigureAwait(false);
        }

        if (conversation.Participants.Count + added.Count > _options.MaxGroupParticipants)
        {
            throw ChatException.Validation("userIds", Invariant($"a group has at most {_options.MaxGroupParticipants} participants"));
        }

        // The store checks the limit again, atomically with the insert: concurrent adds never pass it.
        var (result, addedEvents) = await RecordAsync(
            conversationId,
            ct => _store.AddParticipantsAsync(conversationId, [.. added.Select(id => new Participant(id, ParticipantRole.Member, now))], _options.MaxGroupParticipants, ct),
            r => r.Conversation is { } c && !r.LimitExceeded
                ? [new ParticipantsAddedEvent(conversationId, [.. added.Where(c.HasParticipant)], ParticipantIds(c))]
                : [],
            cancellationToken).ConfigureAwait(false);
        var updated = result.Conversation ?? throw ChatException.ConversationNotFound(conversationId);
        if (result.LimitExceeded)
        {
            throw ChatException.Validation("userIds", Invariant($"a group has at most {_options.MaxGroupParticipants} participants"));
        }

        added = [.. added.Where(updated.HasParticipant)];
        var notice = await AppendSystemMessageAsync(
            caller,
            conversationId,
            new SystemMessageInfo(SystemEventKind.ParticipantsAdded, caller.Id, added),
            Invariant($"{DisplayNameOf(caller)} added {NameList(added)}"),
            cancellationToken).ConfigureAwait(false);
        await PublishAllAsync(addedEvents).ConfigureAwait(false);
        await PublishNoticeAsync(notice, updated).ConfigureAwait(false);
        return await FindViewAsync(caller, conversationId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Removes a participant from a group. The owner may remove anyone; an admin may remove members; removing oneself is
    /// leaving (<see cref="LeaveConversationAsync"/>). Publishes <see cref="ParticipantRemovedEvent"/>.
    /// </summary>
    /// <param name="caller">The group's owner or an admin.</param>
    /// <param name="conversationId">The group id.</param>
    /// <param name="userId">The participant to remove.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="ChatException">
    /// <c>not_found</c> for a conversation the caller cannot see or a user who is not a participant; <c>conflict</c> for a
    /// direct conversation; <c>forbidden</c> without the right.
    /// </exception>
    public async Task RemoveParticipantAsync(ChatUser caller, string conversationId, string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ValidateConversationId(conversationId);
        ValidateUserId(userId, "userId");
        await EnforceAsync(caller, ChatOperation.ManageParticipants, cancellationToken).ConfigureAwait(false);
        if (userId == caller.Id)
        {
            await LeaveAsync(caller, conversationId, cancellationToken).ConfigureAwait(false);
            return;
        }

        var conversation = await RequireParticipantAsync(caller, conversationId, cancellationToken).ConfigureAwait(false);
        var me = RequireGroupManager(caller, conversation, "remove participants from");
        var target = conversation.FindParticipant(userId) ?? throw NotAParticipant(conversationId, userId);
        if (me.Role != ParticipantRole.Owner && target.Role != ParticipantRole.Member)
        {
            throw new ChatException(ChatErrorCode.Forbidden, "an admin may remove members only; the owner may remove anyone");
        }

        // Passing ownership on should the target have become owner since the check: a group never loses its owner.
        var (removal, removed) = await RecordAsync(
            conversationId,
            ct => _store.RemoveParticipantPassingOwnershipAsync(conversationId, userId, ct),
            c => c is null ? [] : RemovalEvents(conversationId, userId, conversation, c),
            cancellationToken).ConfigureAwait(false);
        var updated = removal ?? throw ChatException.ConversationNotFound(conversationId);
        var notice = await AppendSystemMessageAsync(
            caller,
            conversationId,
            new SystemMessageInfo(SystemEventKind.ParticipantRemoved, caller.Id, [userId]),
            Invariant($"{DisplayNameOf(caller)} removed {userId}"),
            cancellationToken).ConfigureAwait(false);
        await PublishRemovalAsync(removed, cancellationToken).ConfigureAwait(false);
        await PublishNoticeAsync(notice, updated).ConfigureAwait(false);
    }

    /// <summary>
    /// The caller leaves a group. When the owner leaves, ownership passes in the same store operation to the admin who
    /// joined first, or else to the member who joined first (ties broken by user id, ordinal). Publishes <see cref="ParticipantRemovedEvent"/>.
    /// </summary>
    /// <param name="caller">A participant.</param>
    /// <param name="conversationId">The group id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="ChatException"><c>not_found</c>; <c>conflict</c> for a direct conversation.</exception>
    public async Task LeaveConversationAsync(ChatUser caller, string conversationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ValidateConversationId(conversationId);
        await EnforceAsync(caller, ChatOperation.ManageParticipants, cancellationToken).ConfigureAwait(false);
        await LeaveAsync(caller, conversationId, cancellationToken).ConfigureAwait(false);
    }

    private async Task LeaveAsync(ChatUser caller, string conversationId, CancellationToken cancellationToken)
    {
        var conversation = await RequireParticipantAsync(caller, conversationId, cancellationToken).ConfigureAwait(false);
        if (conversation.Type != ConversationType.Group)
        {
            throw new ChatException(ChatErrorCode.Conflict, "a direct conversation cannot be left");
        }

        // The store decides whether the caller is still the owner, and who succeeds them, in the removal's own atomic
        // step: a concurrent ownership transfer never leaves the group with two owners or none.
        var (removal, removed) = await RecordAsync(
            conversationId,
            ct => _store.RemoveParticipantPassingOwnershipAsync(conversationId, caller.Id, ct),
            c => c is null ? [] : RemovalEvents(conversationId, caller.Id, conversation, c),
            cancellationToken).ConfigureAwait(false);
        var updated = removal ?? throw ChatException.ConversationNotFound(conversationId);
        var notice = await AppendSystemMessageAsync(
            caller,
            conversationId,
            new SystemMessageInfo(SystemEventKind.ParticipantLeft, caller.Id, [caller.Id]),
            Invariant($"{DisplayNameOf(caller)} left"),
            cancellationToken).ConfigureAwait(false);
        await PublishRemovalAsync(removed, cancellationToken).ConfigureAwait(false);
        await PublishNoticeAsync(notice, updated).ConfigureAwait(false);
    }

    /// <summary>Returns the conversation when the caller is a participant; otherwise <c>not_found</c>.</summary>
    /// <param name="caller">The user.</param>
    /// <param name="conversationId">The conversation id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    internal async Task<Conversation> RequireParticipantAsync(ChatUser caller, string conversationId, CancellationToken cancellationToken)
    {
        var conversation = await _store.FindConversationAsync(conversationId, cancellationToken).ConfigureAwait(false);
        if (conversation is null || !conversation.HasParticipant(caller.Id))
        {
            throw ChatException.ConversationNotFound(conversationId);
        }

        return conversation;
    }

    private static Participant RequireGroupManager(ChatUser caller, Conversation conversation, string action)
    {
        if (conversation.Type != ConversationType.Group)
        {
            throw new ChatException(ChatErrorCode.Conflict, $"cannot {action} a direct conversation");
        }

        var me = conversation.FindParticipant(caller.Id)!;
        if (me.Role == ParticipantRole.Member)
        {
            throw new ChatException(ChatErrorCode.Forbidden, $"only the group's owner or an admin may {action} it");
        }

        return me;
    }

    private static IReadOnlyList<string> ParticipantIds(Conversation conversation) =>
        [.. conversation.Participants.Select(p => p.UserId)];

    // Conversation and message ids are the server's (ChatKit's are under 40 characters); this bound only keeps a
    // client's made-up id from reaching a store. Cursors are the server's too.
    private const int MaxServerIdLength = 256;
    private const int MaxCursorLength = 1_024;

    private static int ClampLimit(int? limit) => Math.Clamp(limit ?? DefaultPageSize, 1, MaxPageSize);

    /// <summary>Refuses a blank, over-long or malformed conversation id before any store sees it.</summary>
    internal void ValidateConversationId(string conversationId)
    {
        if (string.IsNullOrWhiteSpace(conversationId))
        {
            throw ChatException.Validation("conversationId", "conversationId is required");
        }

        if (!ContentNormalizer.IsValidId(conversationId, MaxServerIdLength))
        {
            throw ChatException.Validation("conversationId", Invariant($"a conversationId has 1 to {MaxServerIdLength} characters, without control or format characters"));
        }
    }

    /// <summary>Takes a permit of <paramref name="operation"/> for the caller, or throws <c>rate_limited</c>.</summary>
    internal ValueTask EnforceAsync(ChatUser caller, ChatOperation operation, CancellationToken cancellationToken) =>
        RateLimits.EnforceAsync(_rateLimiter, _metrics, caller.Id, operation, cancellationToken);

    /// <summary>The caller's display name as ChatKit shows and stores it: normalised, bounded, the id when blank.</summary>
    internal string DisplayNameOf(ChatUser caller) =>
        ContentNormalizer.DisplayName(caller.Name, caller.Id, _options.MaxDisplayNameLength);

    private static void ValidateMessageId(string messageId, string field = "messageId")
    {
        if (string.IsNullOrEmpty(messageId))
        {
            throw ChatException.Validation(field, $"{field} is required");
        }

        if (!ContentNormalizer.IsValidId(messageId, MaxServerIdLength))
        {
            throw ChatException.Validation(field, Invariant($"a {field} has 1 to {MaxServerIdLength} characters, without control or format characters"));
        }
    }

    private void ValidateUserId(string? userId, string field)
    {
        if (!ContentNormalizer.IsValidId(userId, _options.MaxIdLength))
        {
            throw ChatException.Validation(field, Invariant($"a user id has 1 to {_options.MaxIdLength} characters, is not blank and has no control or format characters"));
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
