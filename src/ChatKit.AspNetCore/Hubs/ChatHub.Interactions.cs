using ChatKit.AspNetCore.Wire;

namespace ChatKit.AspNetCore;

// v2 hub methods: edits and reactions. Thin adapters over ChatService, like the rest of the hub.
public sealed partial class ChatHub
{
    /// <summary><c>editMessage</c>: replaces the content of one of the caller's messages.</summary>
    /// <param name="args">The message id and the new content.</param>
    /// <returns>The message as it is now.</returns>
    public async Task<MessageDto> EditMessage(EditMessageArgs? args)
    {
        var message = await _chat.EditMessageAsync(Caller, RequireMessageId(args?.MessageId), args?.Content!, Context.ConnectionAborted).ConfigureAwait(false);
        return WireMapper.ToDto(message, _links);
    }

    /// <summary><c>addReaction</c>: adds the caller's reaction to a message (nothing changes when it exists).</summary>
    /// <param name="args">The message id and the emoji.</param>
    /// <returns>The message with its reactions.</returns>
    public async Task<MessageDto> AddReaction(ReactionArgs? args)
    {
        var message = await _chat.AddReactionAsync(Caller, RequireMessageId(args?.MessageId), args?.Emoji!, Context.ConnectionAborted).ConfigureAwait(false);
        return WireMapper.ToDto(message, _links);
    }

    /// <summary><c>removeReaction</c>: removes the caller's reaction from a message (nothing changes when it is absent).</summary>
    /// <param name="args">The message id and the emoji.</param>
    /// <returns>The message with its reactions.</returns>
    public async Task<MessageDto> RemoveReaction(ReactionArgs? args)
    {
        var message = await _chat.RemoveReactionAsync(Caller, RequireMessageId(args?.MessageId), args?.Emoji!, Context.ConnectionAborted).ConfigureAwait(false);
        return WireMapper.ToDto(message, _links);
    }

    private static string RequireMessageId(string? messageId) =>
        string.IsNullOrWhiteSpace(messageId)
            ? throw ChatException.Validation("messageId", "messageId is required")
            : messageId;
}
