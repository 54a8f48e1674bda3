using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChatKit.Client.Internal;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChatKit.Client;

public sealed partial class ChatClient
{
    /// <summary>The server stored a message of the outbox: <see cref="SendMessageAck.TempId"/> names it.</summary>
    public event EventHandler<SendMessageAck>? MessageAcknowledged;

    /// <summary>The server refused a message of the outbox for good (validation, rights); it left the outbox.</summary>
    public event EventHandler<MessageRejectedEvent>? MessageRejected;

    /// <summary>
    /// Sends a text message through the outbox under a tempId the client generates; see <see cref="SendMessageAsync(OutgoingMessage, CancellationToken)"/>.
    /// </summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="content">The text.</param>
    /// <param name="cancellationToken">Stops waiting for the acknowledgement; the message stays in the outbox.</param>
    public Task<SendMessageAck> SendMessageAsync(string conversationId, string content, CancellationToken cancellationToken = default) =>
        SendMessageAsync(new OutgoingMessage(Guid.CreateVersion7().ToString("N"), conversationId, content), cancellationToken);

    /// <summary>
    /// Puts <paramref name="message"/> in the outbox and returns when the server acknowledged it. While the client is
    /// disconnected (or the server answers <c>rate_limited</c> or <c>unavailable</c>) the message waits and is resent
    /// under the same tempId, so it is stored once however often it is sent. A refusal for good (for example
    /// <c>validation_failed</c>) throws <see cref="ChatClientException"/> and takes it out of the outbox.
    /// </summary>
    /// <param name="message">The message, with a tempId unique for this user and conversation.</param>
    /// <param name="cancellationToken">Stops waiting for the acknowledgement; the message stays in the outbox.</param>
    public async Task<SendMessageAck> SendMessageAsync(OutgoingMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var waiter = _acks.GetOrAdd(message.TempId, _ => new TaskCompletionSource<SendMessageAck>(TaskCreationOptions.RunContinuationsAsynchronously));
        await _outboxGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _outbox.AddAsync(message, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _outboxGate.Release();
        }

        SignalOutbox();
        return await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates a conversation (or returns the existing direct one).</summary>
    /// <param name="type">Direct (exactly one other user) or group (a name, at least one other user).</param>
    /// <param name="participantIds">The other participants.</param>
    /// <param name="name">A group's name.</param>
    /// <param name="metadata">A JSON object, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<Conversation> CreateConversationAsync(
        ConversationType type, IEnumerable<string> participantIds, string? name = null, JsonElement? metadata = null, CancellationToken cancellationToken = default) =>
        _rest.SendAsync<Conversation>(HttpMethod.Post, "/conversations", new { type, participantIds, name, metadata }, cancellationToken);

    /// <summary>A page of the user's conversations, most recent activity first.</summary>
    /// <param name="cursor">The previous page's <see cref="ConversationPage.NextCursor"/>, or <see langword="null"/> for the first.</param>
    /// <param name="limit">1 to 100; the server's default (50) when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<ConversationPage> GetConversationsAsync(string? cursor = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        var query = new List<string>(2);
        if (limit is { } l)
        {
            query.Add("limit=" + l.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (cursor is not null)
        {
            query.Add("cursor=" + Uri.EscapeDataString(cursor));
        }

        return _rest.GetAsync<ConversationPage>("/conversations" + (query.Count > 0 ? "?" + string.Join('&', query) : ""), cancellationToken);
    }

    /// <summary>One conversation, as the user sees it.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<Conversation> GetConversationAsync(string conversationId, CancellationToken cancellationToken = default) =>
        _rest.GetAsync<Conversation>($"/conversations/{Uri.EscapeDataString(conversationId)}", cancellationToken);

    /// <summary>
    /// A page of history, ascending by seq: the newest page (no position), the newest page older than
    /// <paramref name="before"/>, or the oldest page newer than <paramref name="after"/>.
    /// </summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="before">Older than this seq.</param>
    /// <param name="after">Newer than this seq.</param>
    /// <param name="limit">1 to 100; the server's default (50) when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<MessagePage> GetMessagesAsync(string conversationId, long? before = null, long? after = null, int? limit = null, CancellationToken cancellationToken = default) =>
        _rest.GetAsync<MessagePage>($"/conversations/{Uri.EscapeDataString(conversationId)}/messages{Query(before, after, limit)}", cancellationToken);

    /// <summary>Edits one of the user's messages; returns it as it is after the edit.</summary>
    /// <param name="messageId">The message.</param>
    /// <param name="content">The new text.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<ChatMessage> EditMessageAsync(string messageId, string content, CancellationToken cancellationToken = default) =>
        _rest.SendAsync<ChatMessage>(HttpMethod.Patch, $"/messages/{Uri.EscapeDataString(messageId)}", new { content }, cancellationToken);

    /// <summary>Deletes a message (the sender's own, or any in a group the user administers).</summary>
    /// <param name="messageId">The message.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task DeleteMessageAsync(string messageId, CancellationToken cancellationToken = default) =>
        _rest.SendAsync(HttpMethod.Delete, $"/messages/{Uri.EscapeDataString(messageId)}", null, cancellationToken);

    /// <summary>Adds the user's reaction; returns the message with its reactions.</summary>
    /// <param name="messageId">The message.</param>
    /// <param name="emoji">The emoji.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<ChatMessage> AddReactionAsync(string messageId, string emoji, CancellationToken cancellationToken = default) =>
        _rest.SendAsync<ChatMessage>(HttpMethod.Put, $"/messages/{Uri.EscapeDataString(messageId)}/reactions/{Uri.EscapeDataString(emoji)}", null, cancellationToken);

    /// <summary>Removes the user's reaction; returns the message with its reactions.</summary>
    /// <param name="messageId">The message.</param>
    /// <param name="emoji">The emoji.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<ChatMessage> RemoveReactionAsync(string messageId, string emoji, CancellationToken cancellationToken = default) =>
        _rest.SendAsync<ChatMessage>(HttpMethod.Delete, $"/messages/{Uri.EscapeDataString(messageId)}/reactions/{Uri.EscapeDataString(emoji)}", null, cancellationToken);

    /// <summary>Moves the user's read position forward to a message.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="messageId">The message read.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task MarkAsReadAsync(string conversationId, string messageId, CancellationToken cancellationToken = default) =>
        InvokeAsync("markAsRead", new { conversationId, messageId }, cancellationToken);

    /// <summary>Marks a whole conversation read.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task MarkConversationAsReadAsync(string conversationId, CancellationToken cancellationToken = default) =>
        _rest.SendAsync(HttpMethod.Post, $"/conversations/{Uri.EscapeDataString(conversationId)}/read", null, cancellationToken);

    /// <summary>Moves the user's delivery position forward to <paramref name="seq"/>.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="seq">The newest seq this client has.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task MarkAsDeliveredAsync(string conversationId, long seq, CancellationToken cancellationToken = default) =>
        InvokeAsync("markAsDelivered", new { conversationId, seq }, cancellationToken);

    /// <summary>Joins a conversation's room (typing events) on this connection, and again after every reconnect.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<Conversation> JoinRoomAsync(string conversationId, CancellationToken cancellationToken = default)
    {
        var conversation = await InvokeAsync<Conversation>("joinRoom", new { conversationId }, cancellationToken).ConfigureAwait(false);
        _rooms[conversationId] = true;
        return conversation;
    }

    /// <summary>Leaves a conversation's room.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task LeaveRoomAsync(string conversationId, CancellationToken cancellationToken = default)
    {
        _rooms.TryRemove(conversationId, out _);
        return InvokeAsync("leaveRoom", new { conversationId }, cancellationToken);
    }

    /// <summary>Tells the room the user is typing.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task TypingAsync(string conversationId, CancellationToken cancellationToken = default) =>
        InvokeAsync("typing", new { conversationId }, cancellationToken);

    /// <summary>Tells the room the user stopped typing.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task StopTypingAsync(string conversationId, CancellationToken cancellationToken = default) =>
        InvokeAsync("stopTyping", new { conversationId }, cancellationToken);

    /// <summary>The online users among those who share a conversation with the user.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<IReadOnlyList<string>> GetOnlineUsersAsync(CancellationToken cancellationToken = default) =>
        InvokeAsync<IReadOnlyList<string>>("getOnlineUsers", null, cancellationToken);

    /// <summary>Adds users to a group (its owner or an admin); returns the group.</summary>
    /// <param name="conversationId">The group.</param>
    /// <param name="userIds">The users.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<Conversation> AddParticipantsAsync(string conversationId, IEnumerable<string> userIds, CancellationToken cancellationToken = default) =>
        _rest.SendAsync<Conversation>(HttpMethod.Post, $"/conversations/{Uri.EscapeDataString(conversationId)}/participants", new { userIds }, cancellationToken);

    /// <summary>
    /// Mutes a conversation for the calling user: no notification about it reaches them while they are offline, until
    /// <paramref name="until"/> (until unmuted when <see langword="null"/>). Live events still arrive.
    /// </summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="until">When the mute ends (in the future), or <see langword="null"/> for until unmuted.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The conversation, with <see cref="Conversation.MutedUntil"/> set.</returns>
    public Task<Conversation> MuteConversationAsync(string conversationId, DateTimeOffset? until = null, CancellationToken cancellationToken = default) =>
        _rest.SendAsync<Conversation>(HttpMethod.Put, $"/conversations/{Uri.EscapeDataString(conversationId)}/mute", new { until }, cancellationToken);

    /// <summary>Ends the calling user's mute of a conversation (nothing when it was not muted).</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The conversation, with <see cref="Conversation.MutedUntil"/> <see langword="null"/>.</returns>
    public Task<Conversation> UnmuteConversationAsync(string conversationId, CancellationToken cancellationToken = default) =>
        _rest.SendAsync<Conversation>(HttpMethod.Delete, $"/conversations/{Uri.EscapeDataString(conversationId)}/mute", null, cancellationToken);

    /// <summary>Removes a user from a group (its owner or an admin).</summary>
    /// <param name="conversationId">The group.</param>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task RemoveParticipantAsync(string conversationId, string userId, CancellationToken cancellationToken = default) =>
        _rest.SendAsync(HttpMethod.Delete, $"/conversations/{Uri.EscapeDataString(conversationId)}/participants/{Uri.EscapeDataString(userId)}", null, cancellationToken);

    /// <summary>Leaves a group.</summary>
    /// <param name="conversationId">The group.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task LeaveConversationAsync(string conversationId, CancellationToken cancellationToken = default) =>
        _rest.SendAsync(HttpMethod.Post, $"/conversations/{Uri.EscapeDataString(conversationId)}/leave", null, cancellationToken);

    /// <summary>Renames a group or sets its metadata (its owner or an admin); what is <see langword="null"/> stays as it is.</summary>
    /// <param name="conversationId">The group.</param>
    /// <param name="name">The new name.</param>
    /// <param name="metadata">The new metadata object.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<Conversation> UpdateConversationAsync(string conversationId, string? name = null, JsonElement? metadata = null, CancellationToken cancellationToken = default) =>
        _rest.SendAsync<Conversation>(HttpMethod.Patch, $"/conversations/{Uri.EscapeDataString(conversationId)}", new { name, metadata }, cancellationToken);

    /// <summary>Gives a participant a role (the group's owner only; <see cref="ParticipantRole.Owner"/> transfers ownership).</summary>
    /// <param name="conversationId">The group.</param>
    /// <param name="userId">The participant.</param>
    /// <param name="role">The role.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<Conversation> SetRoleAsync(string conversationId, string userId, ParticipantRole role, CancellationToken cancellationToken = default) =>
        _rest.SendAsync<Conversation>(
            HttpMethod.Put, $"/conversations/{Uri.EscapeDataString(conversationId)}/participants/{Uri.EscapeDataString(userId)}/role", new { role }, cancellationToken);

    /// <summary>Uploads a file to attach to a message of the conversation (send its id in <see cref="OutgoingMessage.AttachmentIds"/>).</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="content">The file's bytes.</param>
    /// <param name="fileName">Its name.</param>
    /// <param name="contentType">Its media type.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<Attachment> UploadAttachmentAsync(string conversationId, Stream content, string fileName, string contentType, CancellationToken cancellationToken = default) =>
        _rest.UploadAsync<Attachment>($"/conversations/{Uri.EscapeDataString(conversationId)}/attachments", content, fileName, contentType, cancellationToken);

    private void SignalOutbox() => _outboxSignal.Writer.TryWrite(true);

    /// <summary>Sends what the outbox holds, in order, whenever signalled (a new message, a (re)connect, a retry's time).</summary>
    private async Task OutboxLoopAsync()
    {
        var cancellationToken = _lifetime.Token;
        var retries = 0;
        try
        {
            while (await _outboxSignal.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                _outboxSignal.Reader.TryRead(out _);
                if (_hub.State != HubConnectionState.Connected)
                {
                    continue;
                }

                IReadOnlyList<OutgoingMessage> pending;
                await _outboxGate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    pending = await _outbox.GetAllAsync(cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    _outboxGate.Release();
                }

                foreach (var message in pending)
                {
                    if (!await TrySendAsync(message, cancellationToken).ConfigureAwait(false))
                    {
                        break;
                    }

                    retries = 0;
                }

                async Task<bool> TrySendAsync(OutgoingMessage message, CancellationToken cancellationToken)
                {
                    try
                    {
                        var ack = await InvokeAsync<SendMessageAck>("sendMessage", message, cancellationToken).ConfigureAwait(false);
                        await RemoveAsync(message.TempId).ConfigureAwait(false);
                        if (_acks.TryRemove(message.TempId, out var waiter))
                        {
                            waiter.TrySetResult(ack);
                        }

                        _inbox.Writer.TryWrite(new AckWork(ack));
                        return true;
                    }
                    catch (ChatClientException ex) when (ex.IsTransient)
                    {
                        Log.SendDeferred(_logger, message.TempId, ex);
                        RetryLater(BackoffRetryPolicy.RestartDelay(retries++, _options.MaxRestartDelay));
                        return false;
                    }
                    catch (ChatClientException ex) when (ex.Code is not null)
                    {
                        Log.MessageRejected(_logger, message.TempId, ex.Code);
                        await RemoveAsync(message.TempId).ConfigureAwait(false);
                        if (_acks.TryRemove(message.TempId, out var waiter))
                        {
                            waiter.TrySetException(ex);
                        }

                        _inbox.Writer.TryWrite(new RejectedWork(new MessageRejectedEvent(message, ex)));
                        return true;
                    }
                    catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                    {
                        // The connection broke: the message stays; the (re)connect signals again.
                        Log.SendDeferred(_logger, message.TempId, ex);
                        if (_hub.State == HubConnectionState.Connected)
                        {
                            RetryLater(BackoffRetryPolicy.RestartDelay(retries++, _options.MaxRestartDelay));
                        }

                        return false;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped.
        }

        async Task RemoveAsync(string tempId)
        {
            await _outboxGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await _outbox.RemoveAsync(tempId, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _outboxGate.Release();
            }
        }

        void RetryLater(TimeSpan delay) => _ = Later(delay);

        async Task Later(TimeSpan delay)
        {
            try
            {
                await Task.Delay(delay, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
                SignalOutbox();
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
        }
    }

    private async Task<T> InvokeAsync<T>(string method, object? argument, CancellationToken cancellationToken)
    {
        try
        {
            var result = argument is null
                ? await _hub.InvokeAsync<JsonElement>(method, cancellationToken).ConfigureAwait(false)
                : await _hub.InvokeAsync<JsonElement>(method, ChatJson.Write(argument), cancellationToken).ConfigureAwait(false);
            return ChatJson.Read<T>(result);
        }
        catch (HubException ex)
        {
            throw Refusal(ex);
        }
    }

    private async Task InvokeAsync(string method, object argument, CancellationToken cancellationToken)
    {
        try
        {
            await _hub.InvokeAsync(method, ChatJson.Write(argument), cancellationToken).ConfigureAwait(false);
        }
        catch (HubException ex)
        {
            throw Refusal(ex);
        }
    }

    /// <summary>A hub refusal, <c>code: sentence</c>, as a <see cref="ChatClientException"/>.</summary>
    private static ChatClientException Refusal(HubException exception)
    {
        var match = HubError().Match(exception.Message);
        return new ChatClientException(match.Success ? match.Groups[1].Value : null, exception.Message, (HttpStatusCode?)null, exception);
    }

    [GeneratedRegex("^([a-z_]+): ")]
    private static partial Regex HubError();
}
