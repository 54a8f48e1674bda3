using System.Collections.Concurrent;
using System.Reflection;
using ChatKit.AspNetCore.Tests.Support;
using ChatKit.Presence;
using ChatKit.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.AspNetCore.Tests;

/// <summary>A host whose store's contact lookup a test can make fail or wait, as a database hiccup would.</summary>
public sealed class ContactFaultHost : ChatHost
{
    private readonly ConcurrentDictionary<string, Func<Task>> _beforeContacts = new(StringComparer.Ordinal);

    /// <summary>The presence tracker of the host.</summary>
    public IPresenceTracker Tracker => Services.GetRequiredService<IPresenceTracker>();

    /// <summary>Makes the next <paramref name="times"/> contact lookups of <paramref name="userId"/> throw.</summary>
    public void FailContacts(string userId, int times)
    {
        var left = times;
        _beforeContacts[userId] = () => Interlocked.Decrement(ref left) >= 0
            ? throw new TimeoutException("connection to db-primary.internal:5432 timed out")
            : Task.CompletedTask;
    }

    /// <summary>Makes the next contact lookup of <paramref name="userId"/> wait for <paramref name="gate"/> first.</summary>
    public void HoldContacts(string userId, Func<Task> gate)
    {
        var used = 0;
        _beforeContacts[userId] = () => Interlocked.Exchange(ref used, 1) == 0 ? gate() : Task.CompletedTask;
    }

    /// <inheritdoc/>
    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddSingleton(ContactFaultStore.Wrap(new InMemoryChatStore(), this));

    /// <summary>Forwards every call to the real store, running the armed fault first for a contact lookup.</summary>
    public class ContactFaultStore : DispatchProxy
    {
        private IChatStore _inner = null!;
        private ContactFaultHost _host = null!;

        internal static IChatStore Wrap(IChatStore inner, ContactFaultHost host)
        {
            var proxy = Create<IChatStore, ContactFaultStore>();
            var self = (ContactFaultStore)(object)proxy;
            self._inner = inner;
            self._host = host;
            return proxy;
        }

        /// <inheritdoc/>
        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            if (targetMethod.Name == nameof(IChatStore.GetContactsAsync) && args![0] is string userId && _host._beforeContacts.TryGetValue(userId, out var fault))
            {
                return ThenAsync(fault, () => (Task<IReadOnlyCollection<string>>)targetMethod.Invoke(_inner, args)!);
            }

            return targetMethod.Invoke(_inner, args);
        }

        private static async Task<IReadOnlyCollection<string>> ThenAsync(Func<Task> fault, Func<Task<IReadOnlyCollection<string>>> call)
        {
            await fault();
            return await call();
        }
    }
}

/// <summary>
/// Presence under a failing or slow store: a user is never left online without a connection, never left offline with
/// one, and contacts hear the offline even when the first lookup fails.
/// </summary>
public sealed class PresenceFaultTests(ContactFaultHost host) : IClassFixture<ContactFaultHost>
{
    [Fact]
    public async Task Connect_WhenContactLookupFails_KeepsTheConnectionAndClosingItTakesTheUserOffline()
    {
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        await host.DirectAsync(alice, bob);
        host.FailContacts(bob, int.MaxValue);

        // Before the fix, OnConnectedAsync threw after recording the connection: SignalR closed it without calling
        // OnDisconnectedAsync, and bob stayed online for good.
        var connection = await host.ConnectAsync(bob);
        Assert.Single(await host.Tracker.GetConnectionsAsync(bob, default));
        var connectionId = connection.ConnectionId;
        await connection.DisposeAsync();
        await host.Disconnects.WaitAsync(connectionId);

        Assert.Empty(await host.Tracker.GetConnectionsAsync(bob, default));
    }

    [Fact]
    public async Task Disconnect_WhenContactLookupFailsOnce_ContactsStillHearTheUserGoOffline()
    {
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        await host.DirectAsync(alice, bob);
        await using var aliceConnection = await host.ConnectAsync(alice);
        var bobConnection = await host.ConnectAsync(bob);
        await aliceConnection.WaitForAsync("userStatusChanged", e => e.GetProperty("userId").GetString() == bob);

        host.FailContacts(bob, 1);
        await bobConnection.DisposeAsync();

        var offline = await aliceConnection.WaitForAsync(
            "userStatusChanged", e => e.GetProperty("userId").GetString() == bob && e.GetProperty("status").GetString() == "offline");
        Assert.Equal("offline", offline.Get("status"));
    }

    [Fact]
    public async Task FastReload_WhenTheOfflineReportIsOvertakenByTheOnline_ContactsEndWithOnline()
    {
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        await host.DirectAsync(alice, bob);
        await using var aliceConnection = await host.ConnectAsync(alice);
        var firstTab = await host.ConnectAsync(bob);
        await aliceConnection.WaitForAsync("userStatusChanged", e => e.GetProperty("userId").GetString() == bob);

        // The offline report of the closing tab looks up bob's contacts slowly: until the reloaded tab's online has reached
        // alice (when reports are not ordered), or for a few seconds (when they are, it cannot arrive earlier).
        host.HoldContacts(bob, async () =>
        {
            try
            {
                await aliceConnection.WaitForCountAsync(
                    "userStatusChanged",
                    2,
                    e => e.GetProperty("userId").GetString() == bob && e.GetProperty("status").GetString() == "online",
                    TimeSpan.FromSeconds(3));
            }
            catch (TimeoutException)
            {
            }
        });
        var firstTabId = firstTab.ConnectionId;
        await firstTab.DisposeAsync();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            while ((await host.Tracker.GetConnectionsAsync(bob, default)).Count > 0)
            {
                await Task.Delay(5, timeout.Token);
            }
        }

        await using var reloaded = await host.ConnectAsync(bob);
        await host.Disconnects.WaitAsync(firstTabId);

        // Both reports are finished; whatever alice heard last about bob must be what is true: online.
        var marker = await host.SyncAsync(aliceConnection);
        var statuses = aliceConnection.Before(marker).Where(e => e.Name == "userStatusChanged" && e.Get("userId") == bob).ToList();
        Assert.Equal("online", statuses[^1].Get("status"));
        Assert.Single(await host.Tracker.GetConnectionsAsync(bob, default));
    }
}
