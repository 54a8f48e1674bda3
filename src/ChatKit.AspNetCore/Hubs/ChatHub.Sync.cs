using ChatKit.AspNetCore.Wire;

namespace ChatKit.AspNetCore;

// v2: sync, a thin adapter over ChatService.SyncAsync like GET /chats/sync.
public sealed partial class ChatHub
{
    /// <summary>
    /// <c>sync</c>: every durable event the caller missed since a cursor, in order, as the hub's own events (with their
    /// <c>eventId</c>s); without <c>since</c>, only a fresh cursor. See docs/protocol.md, "Sync".
    /// </summary>
    /// <param name="args">The cursor and the most events, both optional.</param>
    /// <returns>The events, the next cursor, and whether events were left out.</returns>
    public async Task<SyncResponse> Sync(SyncArgs? args)
    {
        var result = await _chat.SyncAsync(Caller, args?.Since, args?.Limit, Context.ConnectionAborted).ConfigureAwait(false);
        return EventWire.ToDto(result, _links);
    }
}
