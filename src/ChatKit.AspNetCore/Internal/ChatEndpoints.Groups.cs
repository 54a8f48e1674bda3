using System.Text.Json;
using ChatKit.AspNetCore.Wire;
using ChatKit.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace ChatKit.AspNetCore.Internal;

// v2: renaming a group, its metadata, and roles.
internal static partial class ChatEndpoints
{
    private static void MapGroupAdministration(RouteGroupBuilder group)
    {
        group.MapPatch("/conversations/{id}", UpdateConversationAsync)
            .WithName("ChatKit_UpdateConversation")
            .WithSummary("Renames a group and/or replaces its metadata (owner or admin).")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPut("/conversations/{id}/participants/{userId}/role", ChangeRoleAsync)
            .WithName("ChatKit_ChangeRole")
            .WithSummary("Changes a participant's role; owner transfers ownership (the owner only).")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static async Task<Ok<ConversationDto>> UpdateConversationAsync(
        string id, HttpContext http, ChatService chat, ChatUserAccessor users, CancellationToken cancellationToken)
    {
        var body = await ReadBodyAsync<UpdateConversationBody>(http, cancellationToken).ConfigureAwait(false)
            ?? throw ChatException.Validation("body", "give a name or metadata");
        var request = new UpdateConversationRequest
        {
            Name = body.Name,
            Metadata = body.Metadata.ValueKind == JsonValueKind.Undefined ? null : body.Metadata,
        };
        var view = await chat.UpdateConversationAsync(RequireUser(http, users), id, request, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(WireMapper.ToDto(view, Links(http)));
    }

    private static async Task<Ok<ConversationDto>> ChangeRoleAsync(
        string id, string userId, HttpContext http, ChatService chat, ChatUserAccessor users, CancellationToken cancellationToken)
    {
        var body = await ReadBodyAsync<ChangeRoleBody>(http, cancellationToken).ConfigureAwait(false);
        var role = WireMapper.ParseRole(body?.Role);
        var view = await chat.ChangeRoleAsync(RequireUser(http, users), id, userId, role, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(WireMapper.ToDto(view, Links(http)));
    }
}
