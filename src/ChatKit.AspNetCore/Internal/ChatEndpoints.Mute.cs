using ChatKit.AspNetCore.Wire;
using ChatKit.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace ChatKit.AspNetCore.Internal;

// v2: muting a conversation for the caller (no offline notifications from it).
internal static partial class ChatEndpoints
{
    private static void MapMute(RouteGroupBuilder group)
    {
        group.MapPut("/conversations/{id}/mute", MuteConversationAsync)
            .WithName("ChatKit_MuteConversation")
            .WithSummary("Mutes the conversation for the caller until a time (or until unmuted).");
        group.MapDelete("/conversations/{id}/mute", UnmuteConversationAsync)
            .WithName("ChatKit_UnmuteConversation")
            .WithSummary("Unmutes the conversation for the caller.");
    }

    private static async Task<Ok<ConversationDto>> MuteConversationAsync(
        string id, HttpContext http, ChatService chat, ChatUserAccessor users, CancellationToken cancellationToken)
    {
        // No body (or an empty one) mutes until unmuted, as { "until": null } does.
        var body = http.Request.ContentLength == 0 || (http.Request.ContentLength is null && !http.Request.HasJsonContentType())
            ? null
            : await ReadBodyAsync<MuteConversationArgs>(http, cancellationToken).ConfigureAwait(false);
        var view = await chat.MuteConversationAsync(RequireUser(http, users), id, WireMapper.ParseMuteUntil(body?.Until), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(WireMapper.ToDto(view, Links(http)));
    }

    private static async Task<Ok<ConversationDto>> UnmuteConversationAsync(
        string id, HttpContext http, ChatService chat, ChatUserAccessor users, CancellationToken cancellationToken)
    {
        var view = await chat.UnmuteConversationAsync(RequireUser(http, users), id, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(WireMapper.ToDto(view, Links(http)));
    }
}
