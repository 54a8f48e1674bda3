using ChatKit.AspNetCore.Wire;
using ChatKit.Internal;
using ChatKit.Notifications;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.AspNetCore.Internal;

// v2 REST endpoints: push registrations (Web Push subscriptions, FCM tokens) and the VAPID public key. The rules are
// Core's (PushRegistrationService); a store without IPushRegistrationStore answers not_found.
internal static partial class ChatEndpoints
{
    private static void MapPush(RouteGroupBuilder group)
    {
        group.MapPost("/push-subscriptions", SubscribeWebPushAsync)
            .WithName("ChatKit_SubscribeWebPush")
            .WithSummary("Registers the caller's browser for Web Push ({ endpoint, keys: { p256dh, auth } }).");
        group.MapDelete("/push-subscriptions", UnsubscribeWebPushAsync)
            .WithName("ChatKit_UnsubscribeWebPush")
            .WithSummary("Removes the caller's Web Push subscription (?endpoint=); 204 also when it was not subscribed.");
        group.MapGet("/push-subscriptions/vapid-public-key", GetVapidPublicKey)
            .WithName("ChatKit_GetVapidPublicKey")
            .WithSummary("The server's VAPID public key, for pushManager.subscribe; 404 when Web Push is not configured.");
        group.MapPost("/push-tokens/fcm", RegisterFcmTokenAsync)
            .WithName("ChatKit_RegisterFcmToken")
            .WithSummary("Registers the caller's device for FCM ({ token }).");
        group.MapDelete("/push-tokens/fcm", UnregisterFcmTokenAsync)
            .WithName("ChatKit_UnregisterFcmToken")
            .WithSummary("Removes the caller's FCM token (?token=); 204 also when it was not registered.");
    }

    private static async Task<Created<PushSubscriptionBody>> SubscribeWebPushAsync(
        HttpContext http, PushRegistrationService push, ChatUserAccessor users, CancellationToken cancellationToken)
    {
        var user = RequireUser(http, users);
        var body = await ReadBodyAsync<PushSubscriptionBody>(http, cancellationToken).ConfigureAwait(false);
        if (body?.Keys is null)
        {
            throw ChatException.Validation("keys", "keys is required");
        }

        var saved = await push.SaveWebPushAsync(user.Id, body.Endpoint, body.Keys.P256dh, body.Keys.Auth, cancellationToken).ConfigureAwait(false);
        return TypedResults.Created(
            (string?)null,
            new PushSubscriptionBody { Endpoint = saved.Address, Keys = new PushSubscriptionKeysBody { P256dh = saved.Keys["p256dh"], Auth = saved.Keys["auth"] } });
    }

    private static async Task<NoContent> UnsubscribeWebPushAsync(
        HttpContext http, PushRegistrationService push, ChatUserAccessor users, CancellationToken cancellationToken)
    {
        var user = RequireUser(http, users);
        await push.DeleteAsync(user.Id, PushProviders.WebPush, ReadOne(http, "endpoint"), "endpoint", cancellationToken).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    private static async Task<Created<FcmTokenBody>> RegisterFcmTokenAsync(
        HttpContext http, PushRegistrationService push, ChatUserAccessor users, CancellationToken cancellationToken)
    {
        var user = RequireUser(http, users);
        var body = await ReadBodyAsync<FcmTokenBody>(http, cancellationToken).ConfigureAwait(false);
        var saved = await push.SaveFcmAsync(user.Id, body?.Token, cancellationToken).ConfigureAwait(false);
        return TypedResults.Created((string?)null, new FcmTokenBody { Token = saved.Address });
    }

    private static async Task<NoContent> UnregisterFcmTokenAsync(
        HttpContext http, PushRegistrationService push, ChatUserAccessor users, CancellationToken cancellationToken)
    {
        var user = RequireUser(http, users);
        await push.DeleteAsync(user.Id, PushProviders.Fcm, ReadOne(http, "token"), "token", cancellationToken).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    private static Ok<VapidPublicKeyDto> GetVapidPublicKey(HttpContext http, ChatUserAccessor users)
    {
        RequireUser(http, users);
        var key = http.RequestServices.GetService<IWebPushApplicationServerKey>()
            ?? throw new ChatException(ChatErrorCode.NotFound, "Web Push is not configured on this server");
        return TypedResults.Ok(new VapidPublicKeyDto { PublicKey = key.PublicKey });
    }

    /// <summary>A query value given at most once.</summary>
    private static string? ReadOne(HttpContext http, string name)
    {
        var values = http.Request.Query[name];
        if (values.Count > 1)
        {
            throw ChatException.Validation(name, $"give {name} once");
        }

        return values.Count == 0 ? null : values[0];
    }
}
