using ChatKit.AspNetCore.Wire;
using ChatKit.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace ChatKit.AspNetCore.Internal;

// v2 REST endpoints: edits and reactions.
internal static partial class ChatEndpoints
{
    private static void MapInteractions(RouteGroupBuilder group)
    {
        group.MapPatch("/messages/{id}", EditMessageAsync)
            .WithName("ChatKit_EditMessage")
            .WithSummary("Edits one of the caller's messages.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPut("/messages/{id}/reactions/{emoji}", AddReactionAsync)
            .WithName("ChatKit_AddReaction")
            .WithSummary("Adds the caller's reaction to a message (the emoji URL-encoded); nothing changes when it exists.")
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapDelete("/messages/{id}/reactions/{emoji}", RemoveReactionAsync)
            .WithName("ChatKit_RemoveReaction")
            .WithSummary("Removes the caller's reaction from a message; nothing changes when it is absent.")
            .ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static async Task<Ok<MessageDto>> EditMessageAsync(
        string id, HttpContext http, ChatService chat, ChatUserAccessor users, CancellationToken cancellationToken)
    {
        var body = await ReadBodyAsync<EditMessageArgs>(http, cancellationToken).ConfigureAwait(false);
        var message = await chat.EditMessageAsync(RequireUser(http, users), id, body?.Content!, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(WireMapper.ToDto(message, Links(http)));
    }

    private static async Task<Ok<MessageDto>> AddReactionAsync(
        string id, string emoji, HttpContext http, ChatService chat, ChatUserAccessor users, CancellationToken cancellationToken)
    {
        var message = await chat.AddReactionAsync(RequireUser(http, users), id, emoji, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(WireMapper.ToDto(message, Links(http)));
    }

    private static async Task<Ok<MessageDto>> RemoveReactionAsync(
        string id, string emoji, HttpContext http, ChatService chat, ChatUserAccessor users, CancellationToken cancellationToken)
    {
        var message = await chat.RemoveReactionAsync(RequireUser(http, users), id, emoji, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(WireMapper.ToDto(message, Links(http)));
    }
}
