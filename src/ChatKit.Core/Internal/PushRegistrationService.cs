using ChatKit.Notifications;
using ChatKit.Storage;
using Microsoft.Extensions.Options;

namespace ChatKit.Internal;

/// <summary>
/// Registers and removes the caller's browsers (Web Push) and devices (FCM) for offline notifications: the rules of
/// <see cref="PushRegistrationRules"/>, then the store. A user keeps at most
/// <see cref="ChatKitOptions.MaxPushRegistrationsPerUser"/> registrations per provider: saving one more drops their oldest.
/// </summary>
internal sealed class PushRegistrationService(IChatStore store, IOptions<ChatKitOptions> options, TimeProvider time)
{
    /// <summary>Saves the caller's Web Push subscription (replacing it, and taking it from another user, when it exists).</summary>
    public Task<PushRegistration> SaveWebPushAsync(string userId, string? endpoint, string? p256dh, string? auth, CancellationToken cancellationToken)
    {
        var address = PushRegistrationRules.Endpoint(endpoint, "endpoint");
        var keys = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["p256dh"] = PushRegistrationRules.P256dh(p256dh),
            ["auth"] = PushRegistrationRules.Auth(auth),
        };
        return SaveAsync(new PushRegistration(userId, PushProviders.WebPush, address, keys, Now()), cancellationToken);
    }

    /// <summary>Saves the caller's FCM registration token.</summary>
    public Task<PushRegistration> SaveFcmAsync(string userId, string? token, CancellationToken cancellationToken) =>
        SaveAsync(
            new PushRegistration(userId, PushProviders.Fcm, PushRegistrationRules.FcmToken(token), new Dictionary<string, string>(), Now()),
            cancellationToken);

    /// <summary>Removes the caller's registration; nothing when there is none or it is another user's.</summary>
    public async Task DeleteAsync(string userId, string provider, string? address, string field, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(address))
        {
            throw ChatException.Validation(field, $"{field} is required");
        }

        await Store.DeletePushRegistrationAsync(provider, address, userId, cancellationToken).ConfigureAwait(false);
    }

    private IPushRegistrationStore Store => store as IPushRegistrationStore
        ?? throw new ChatException(
            ChatErrorCode.NotFound,
            "push notifications are not available: the chat store does not keep push registrations (IPushRegistrationStore)");

    private async Task<PushRegistration> SaveAsync(PushRegistration registration, CancellationToken cancellationToken)
    {
        var registrations = Store;
        await registrations.SavePushRegistrationAsync(registration, cancellationToken).ConfigureAwait(false);

        // The cap: the user's oldest registrations of this provider beyond it go (browsers reinstalled, devices replaced).
        var max = options.Value.MaxPushRegistrationsPerUser;
        var mine = await registrations.GetPushRegistrationsAsync(registration.Provider, [registration.UserId], cancellationToken).ConfigureAwait(false);
        var surplus = mine
            .Where(r => r.Address != registration.Address)
            .OrderBy(r => r.CreatedAt)
            .ThenBy(r => r.Address, StringComparer.Ordinal)
            .Take(Math.Max(0, mine.Count - max));
        foreach (var old in surplus)
        {
            await registrations.DeletePushRegistrationAsync(old.Provider, old.Address, old.UserId, cancellationToken).ConfigureAwait(false);
        }

        return registration;
    }

    private DateTimeOffset Now()
    {
        var now = time.GetUtcNow();
        return new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }
}
