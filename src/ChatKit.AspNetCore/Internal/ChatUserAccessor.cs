using System.Globalization;
using System.Security.Claims;
using Microsoft.Extensions.Options;

namespace ChatKit.AspNetCore.Internal;

/// <summary>Reads the ChatKit user from the authenticated principal, by Core's text rules (<see cref="ChatUser.Create"/>).</summary>
internal sealed class ChatUserAccessor(IOptions<ChatKitServerOptions> options, IOptions<ChatKitOptions> chatOptions)
{
    private readonly ChatKitServerOptions _options = options.Value;
    private readonly ChatKitOptions _chatOptions = chatOptions.Value;

    /// <summary>Returns the user, or null when the principal carries no usable user id.</summary>
    public ChatUser? Read(ClaimsPrincipal? principal)
    {
        if (principal?.Identity?.IsAuthenticated != true)
        {
            return null;
        }

        var id = principal.FindFirst(_options.UserIdClaimType)?.Value ?? principal.FindFirst(ClaimTypes.NameIdentifier)?.Value;
        return ChatUser.Create(id, principal.FindFirst(_options.UserNameClaimType)?.Value, _chatOptions);
    }
}

/// <summary>SignalR group names ChatKit uses.</summary>
internal static class Groups
{
    public static string User(string userId) => "chatkit:user:" + userId;

    /// <summary>
    /// The group of one participant's connections that joined a conversation's room. Room events go to the groups of
    /// the conversation's current participants only, so a connection left behind in a removed member's group (by a race,
    /// or on a node that missed the removal) is never addressed. The length prefix keeps every pair's name distinct.
    /// </summary>
    public static string Room(string conversationId, string userId) =>
        string.Create(CultureInfo.InvariantCulture, $"chatkit:room:{conversationId.Length}:{conversationId}:{userId}");

    public static IReadOnlyList<string> Users(IEnumerable<string> userIds) => [.. userIds.Select(User)];
}
