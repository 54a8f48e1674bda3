using ChatKit.AspNetCore.Wire;

namespace ChatKit.AspNetCore;

// v2 hub methods: muting a conversation for the caller.
public sealed partial class ChatHub
{
    /// <summary><c>muteConversation</c>: no offline notifications from the conversation until <c>until</c> (absent or null: until unmuted).</summary>
    /// <param name="args">The conversation and the time.</param>
    /// <returns>The conversation as the caller sees it, with <c>mutedUntil</c>.</returns>
    public async Task<ConversationDto> MuteConversation(MuteConversationArgs? args) =>
        WireMapper.ToDto(
            await _chat.MuteConversationAsync(Caller, RequireConversationId(args?.ConversationId), WireMapper.ParseMuteUntil(args?.Until), Context.ConnectionAborted).ConfigureAwait(false),
            _links);

    /// <summary><c>unmuteConversation</c>: notifications from the conversation again.</summary>
    /// <param name="args">The conversation.</param>
    /// <returns>The conversation as the caller sees it.</returns>
    public async Task<ConversationDto> UnmuteConversation(MuteConversationArgs? args) =>
        WireMapper.ToDto(
            await _chat.UnmuteConversationAsync(Caller, RequireConversationId(args?.ConversationId), Context.ConnectionAborted).ConfigureAwait(false),
            _links);
}
