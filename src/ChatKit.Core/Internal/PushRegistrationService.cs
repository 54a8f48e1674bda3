using System.Diagnostics.Metrics;
using ChatKit.Notifications;
using ChatKit.Services;
using ChatKit.Storage;
using Microsoft.Extensions.Options;

namespace ChatKit.Internal;

/// <summary>
/// Registers and removes the caller's browsers (Web Push) and devices (FCM) for offline notifications: the rules of
/// <see cref="PushRegistrationRules"/>, then the store. A user keeps at most
/// <see cref="ChatKitOptions.MaxPushRegistrationsPerUser"/> registrations per provider: saving one more drops their oldest.
/// Every call, saves and removals alike, first takes a permit of <see cref="ChatOperation.ManagePushRegistrations"/>, so
/// nobody churns registrations (store writes, and the cap's reads and deletes) without bound.
/// </summary>
internal sealed class PushRegistrationService(
    IChatStore store, IChatRateLimiter rateLimiter, IOptions<ChatKitOptions> options, TimeProvider time, IMeterFactory? meterFactory = null)
{
    private readonly ChatKitMetrics _metrics = ChatKitMetrics.For(meterFactory);

    /// <summary>Saves the caller's Web Push subscription (replacing it, and taking it from another user, when it exists).</summary>
    public async Task<PushRegistration> SaveWebPushAsync(string userId, string? endpoint, string? p256dh, string? auth, CancellationToken cancellationToken)
    {
        await EnforceAsync(userId, cancellationToken).ConfigureAwait(false);
        var address = PushRegistrationRules.Endpoint(endpoint, "endpoint");
        var keys = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["p256dh"] = PushRegistrationRules.P256dh(p256dh),
            ["auth"] = PushRegistrationRules.Auth(auth),
        };
        return await SaveAsync(new PushRegistration(userId, PushProviders.WebPush, address, keys, Now()), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Saves the caller's FCM registration token.</summary>
    public async Task<PushRegistration> SaveFcmAsync(string userId, string? token, CancellationToken cancellationToken)
    {
        await EnforceAsync(userId, cancellationToken).ConfigureAwait(false);
        return await SaveAsync(
            new PushRegistration(userId, PushProviders.Fcm, PushRegistrationRules.FcmToken(token), new Dictionary<string, string>(), Now()),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes the caller's registration; nothing when there is none or it is another user's.</summary>
    public async Task DeleteAsync(string userId, string provider, string? address, string field, CancellationToken cancellationToken)
    {
        await EnforceAsync(userId, cancellationToken).ConfigureAwait(false);
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

    private ValueTask EnforceAsync(string userId, CancellationToken cancellationToken) =>
        RateLimits.EnforceAsync(rateLimiter, _metrics, userId, ChatOperation.ManagePushRegistrations, cancellationToken);

    private DateTimeOffset Now()
    {
        var now = time.GetUtcNow();
        return new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }
}
