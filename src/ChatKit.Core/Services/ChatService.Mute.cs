using ChatKit.Internal;

namespace ChatKit.Services;

public sealed partial class ChatService
{
    /// <summary>
    /// Mutes a conversation for the caller: no offline notifications reach them from it until <paramref name="until"/>
    /// (<see langword="null"/>: until unmuted, stored as <see cref="Participant.MutedForever"/>). Private to the caller:
    /// nobody else is told, and live events still arrive. Muting again replaces the time.
    /// </summary>
    /// <param name="caller">A participant.</param>
    /// <param name="conversationId">The conversation id.</param>
    /// <param name="until">Until when, in the future; <see langword="null"/> for no end.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The conversation as the caller sees it, with <see cref="ConversationView.MutedUntil"/> set.</returns>
    /// <exception cref="ChatException">
    /// <c>not_found</c> when it does not exist or the caller is not a participant; <c>validation_failed</c> when
    /// <paramref name="until"/> is not in the future.
    /// </exception>
    public Task<ConversationView> MuteConversationAsync(ChatUser caller, string conversationId, DateTimeOffset? until, CancellationToken cancellationToken = default)
    {
        var now = Ids.Now(_time);
        var mutedUntil = until is { } time
            ? new DateTimeOffset(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero)
            : Participant.MutedForever;
        if (mutedUntil <= now)
        {
            throw ChatException.Validation("until", "until must be in the future");
        }

        return SetMuteAsync(caller, conversationId, mutedUntil > Participant.MutedForever ? Participant.MutedForever : mutedUntil, cancellationToken);
    }

    /// <summary>Unmutes a conversation for the caller (nothing changes when it was not muted).</summary>
    /// <param name="caller">A participant.</param>
    /// <param name="conversationId">The conversation id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The conversation as the caller sees it.</returns>
    /// <exception cref="ChatException"><c>not_found</c> when it does not exist or the caller is not a participant.</exception>
    public Task<ConversationView> UnmuteConversationAsync(ChatUser caller, string conversationId, CancellationToken cancellationToken = default) =>
        SetMuteAsync(caller, conversationId, null, cancellationToken);

    private async Task<ConversationView> SetMuteAsync(ChatUser caller, string conversationId, DateTimeOffset? mutedUntil, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ValidateConversationId(conversationId);
        await EnforceAsync(caller, ChatOperation.Query, cancellationToken).ConfigureAwait(false);
        Conversation? changed;
        try
        {
            changed = await _store.SetParticipantMuteAsync(conversationId, caller.Id, mutedUntil, cancellationToken).ConfigureAwait(false);
        }
        catch (NotSupportedException)
        {
            // A store written before mutes existed: a missing feature of this server, which no retry will fix.
            throw new ChatException(ChatErrorCode.NotFound, "muting conversations is not available on this server: its chat store keeps no mutes");
        }

        _ = changed ?? throw ChatException.ConversationNotFound(conversationId);
        return await FindViewAsync(caller, conversationId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A view with the caller's own mute, for the caller's responses (never for events: the mute is private).</summary>
    private ConversationView WithMute(ConversationView view, string userId) =>
        view.Conversation.FindParticipant(userId)?.MutedUntil is { } until && until > Ids.Now(_time)
            ? view with { MutedUntil = until }
            : view;
}
