using ChatKit.AspNetCore.Wire;
using ChatKit.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace ChatKit.AspNetCore.Internal;

// v2 REST endpoint: sync.
internal static partial class ChatEndpoints
{
    private static void MapSync(RouteGroupBuilder group) =>
        group.MapGet("/sync", SyncAsync)
            .WithName("ChatKit_Sync")
            .WithSummary("Every durable event the caller missed since ?since=<cursor> (none: a fresh cursor), in order, as the hub's events.");

    private static async Task<Ok<SyncResponse>> SyncAsync(HttpContext http, ChatService chat, ChatUserAccessor users, CancellationToken cancellationToken)
    {
        var since = http.Request.Query["since"];
        if (since.Count > 1)
        {
            throw ChatException.Validation("since", "give since once");
        }

        var result = await chat.SyncAsync(RequireUser(http, users), since.Count == 0 ? null : since[0], ReadInt(http, "limit"), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(EventWire.ToDto(result, Links(http)));
    }
}
