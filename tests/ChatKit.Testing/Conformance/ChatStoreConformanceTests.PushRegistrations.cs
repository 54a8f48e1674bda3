using ChatKit.Notifications;
using ChatKit.Storage;

namespace ChatKit.Testing.Conformance;

/// <summary>
/// The users' push registrations (<see cref="IPushRegistrationStore"/>): one per (provider, address), moved to whoever
/// saved it last, removed only for their owner when a user is given, found by provider and users.
/// </summary>
public abstract partial class ChatStoreConformanceTests
{
    [Fact]
    public async Task PushRegistration_SavedAgain_ReplacesKeysAndMovesToTheNewUser()
    {
        var store = await PushStoreAsync();
        var (alice, bob) = (NewUserId(), NewUserId());
        var address = NewPushAddress();
        var first = new PushRegistration(alice, PushProviders.WebPush, address, new Dictionary<string, string> { ["p256dh"] = "key-1", ["auth"] = "auth-1" }, Now());
        await store.SavePushRegistrationAsync(first, Ct);

        var saved = Assert.Single(await store.GetPushRegistrationsAsync(PushProviders.WebPush, [alice], Ct));
        AssertRegistration(first, saved);

        var second = new PushRegistration(bob, PushProviders.WebPush, address, new Dictionary<string, string> { ["p256dh"] = "key-2", ["auth"] = "auth-2" }, Now().AddSeconds(1));
        await store.SavePushRegistrationAsync(second, Ct);

        Assert.Empty(await store.GetPushRegistrationsAsync(PushProviders.WebPush, [alice], Ct));
        AssertRegistration(second, Assert.Single(await store.GetPushRegistrationsAsync(PushProviders.WebPush, [bob, alice], Ct)));

        // The same address with another provider is another registration; one without keys keeps none.
        var fcm = new PushRegistration(alice, PushProviders.Fcm, address, new Dictionary<string, string>(), Now());
        await store.SavePushRegistrationAsync(fcm, Ct);
        AssertRegistration(fcm, Assert.Single(await store.GetPushRegistrationsAsync(PushProviders.Fcm, [alice], Ct)));
        AssertRegistration(second, Assert.Single(await store.GetPushRegistrationsAsync(PushProviders.WebPush, [bob], Ct)));
    }

    [Fact]
    public async Task PushRegistration_Delete_WithAUser_LeavesAnotherUsersRegistration()
    {
        var store = await PushStoreAsync();
        var (alice, bob) = (NewUserId(), NewUserId());
        var address = NewPushAddress();
        await store.SavePushRegistrationAsync(NewPushRegistration(alice, address), Ct);

        Assert.False(await store.DeletePushRegistrationAsync(PushProviders.WebPush, address, bob, Ct));
        Assert.Single(await store.GetPushRegistrationsAsync(PushProviders.WebPush, [alice], Ct));
        Assert.False(await store.DeletePushRegistrationAsync(PushProviders.Fcm, address, alice, Ct)); // another provider's

        Assert.True(await store.DeletePushRegistrationAsync(PushProviders.WebPush, address, alice, Ct));
        Assert.Empty(await store.GetPushRegistrationsAsync(PushProviders.WebPush, [alice], Ct));
        Assert.False(await store.DeletePushRegistrationAsync(PushProviders.WebPush, address, alice, Ct)); // already gone
    }

    [Fact]
    public async Task PushRegistration_DeleteWithoutAUser_RemovesWhoeverOwnsIt()
    {
        var store = await PushStoreAsync();
        var alice = NewUserId();
        var (gone, kept) = (NewPushAddress(), NewPushAddress());
        await store.SavePushRegistrationAsync(NewPushRegistration(alice, gone), Ct);
        await store.SavePushRegistrationAsync(NewPushRegistration(alice, kept), Ct);

        Assert.True(await store.DeletePushRegistrationAsync(PushProviders.WebPush, gone, null, Ct));
        Assert.Equal(kept, Assert.Single(await store.GetPushRegistrationsAsync(PushProviders.WebPush, [alice], Ct)).Address);
        Assert.False(await store.DeletePushRegistrationAsync(PushProviders.WebPush, NewPushAddress(), null, Ct));
    }

    [Fact]
    public async Task PushRegistrations_AreFoundByProviderAndSeveralUsers()
    {
        var store = await PushStoreAsync();
        var (alice, bob, carol) = (NewUserId(), NewUserId(), NewUserId());
        var aliceTwo = new[] { NewPushAddress(), NewPushAddress() };
        var bobOne = NewPushAddress();
        foreach (var address in aliceTwo)
        {
            await store.SavePushRegistrationAsync(NewPushRegistration(alice, address), Ct);
        }

        await store.SavePushRegistrationAsync(NewPushRegistration(bob, bobOne), Ct);
        await store.SavePushRegistrationAsync(NewPushRegistration(carol, NewPushAddress()), Ct);
        await store.SavePushRegistrationAsync(new PushRegistration(alice, PushProviders.Fcm, "token-" + Guid.NewGuid().ToString("N"), new Dictionary<string, string>(), Now()), Ct);

        var found = await store.GetPushRegistrationsAsync(PushProviders.WebPush, [alice, bob, NewUserId()], Ct);

        Assert.Equal(new[] { aliceTwo[0], aliceTwo[1], bobOne }.Order(StringComparer.Ordinal), found.Select(r => r.Address).Order(StringComparer.Ordinal), StringComparer.Ordinal);
        Assert.All(found, r => Assert.Equal(PushProviders.WebPush, r.Provider));
        Assert.Equal(3, found.Count(r => r.UserId == alice) + found.Count(r => r.UserId == bob));
        Assert.Empty(await store.GetPushRegistrationsAsync(PushProviders.WebPush, [], Ct));
        Assert.Single(await store.GetPushRegistrationsAsync(PushProviders.Fcm, [alice, bob], Ct));
    }

    [Fact]
    public async Task PushRegistration_SavedConcurrentlyFromTwoInstances_LeavesExactlyOne()
    {
        var (first, second) = (await PushStoreAsync(), await PushStoreAsync(second: true));
        for (var round = 0; round < 10; round++)
        {
            var address = NewPushAddress();
            var users = Enumerable.Range(0, 6).Select(_ => NewUserId()).ToArray();
            await Task.WhenAll(users.Select((user, i) => Task.Run(
                () => (i % 2 == 0 ? first : second).SavePushRegistrationAsync(NewPushRegistration(user, address), Ct),
                Ct)));

            var found = await second.GetPushRegistrationsAsync(PushProviders.WebPush, users, Ct);
            var only = Assert.Single(found);
            Assert.Equal(address, only.Address);
            Assert.Equal("key-of-" + only.UserId, only.Keys["p256dh"]); // one save's row whole, not a mix of two
        }
    }

    private async Task<IPushRegistrationStore> PushStoreAsync(bool second = false)
    {
        var store = second ? await CreateSecondStoreAsync() : await CreateStoreAsync();
        return store as IPushRegistrationStore
            ?? throw new NotSupportedException($"{store.GetType().Name} does not implement IPushRegistrationStore, so push notifications cannot run on it; implement it.");
    }

    private static string NewPushAddress() => "https://push.example.test/send/" + Guid.NewGuid().ToString("N");

    private static PushRegistration NewPushRegistration(string userId, string address) => new(
        userId,
        PushProviders.WebPush,
        address,
        new Dictionary<string, string> { ["p256dh"] = "key-of-" + userId, ["auth"] = "auth-of-" + userId },
        Now());

    private static void AssertRegistration(PushRegistration expected, PushRegistration actual)
    {
        Assert.Equal(expected.UserId, actual.UserId);
        Assert.Equal(expected.Provider, actual.Provider);
        Assert.Equal(expected.Address, actual.Address);
        Assert.Equal(expected.Keys.OrderBy(k => k.Key, StringComparer.Ordinal), actual.Keys.OrderBy(k => k.Key, StringComparer.Ordinal));
        AssertTime(expected.CreatedAt, actual.CreatedAt);
    }
}
