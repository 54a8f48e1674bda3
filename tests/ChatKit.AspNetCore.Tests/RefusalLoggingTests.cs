using ChatKit.AspNetCore.Internal;
using ChatKit.AspNetCore.Tests.Support;
using ChatKit.Storage;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatKit.AspNetCore.Tests;

/// <summary>A host whose logs the test reads back (Debug and up), with a send limit of 2 and a store that fails on one id.</summary>
public sealed class LoggedHost : ChatHost
{
    /// <summary>Everything the host logged.</summary>
    public CapturedLogs Logs { get; } = new();

    /// <inheritdoc/>
    protected override void ConfigureChatKit(ChatKitOptions options)
    {
        options.SendRateLimit.PermitLimit = 2;
        options.SendRateLimit.Window = TimeSpan.FromHours(1);
    }

    /// <inheritdoc/>
    protected override void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton(FaultyStoreHost.FaultyStore.Wrap(new InMemoryChatStore()));
        services.AddLogging(b => b.AddProvider(Logs).AddFilter<CapturedLogs>(null, LogLevel.Debug));
    }
}

/// <summary>
/// A refused hub call is the client's doing, not a server failure: it reaches the client as <c>code: sentence</c> and is
/// logged quietly on ChatKit's own category, so one client cannot flood the host's logs with errors and stack traces.
/// A genuine failure is still logged as an error, once.
/// </summary>
public sealed class RefusalLoggingTests(LoggedHost host) : IClassFixture<LoggedHost>
{
    private static readonly string FilterCategory = typeof(ChatHubFilter).FullName!;

    [Fact]
    public async Task RefusedCalls_ReachTheClientAsCodeAndLogNoError()
    {
        var alice = ChatHost.NewUser("alice");
        var id = await host.DirectAsync(alice, ChatHost.NewUser("bob"));
        await using var connection = await host.ConnectAsync(alice);
        var before = host.Logs.Entries.Count;

        var invalid = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync("sendMessage", new { conversationId = "", content = "x" }));
        var missing = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync("joinRoom", new { conversationId = "c_missing" }));
        var notMine = await Assert.ThrowsAsync<HubException>(() => connection.CallAsync("typing", new { conversationId = "c_other" }));
        await connection.SendAsync(id, "one");
        await connection.SendAsync(id, "two");
        var limited = await Assert.ThrowsAsync<HubException>(() => connection.SendAsync(id, "three"));

        // A refused fire-and-forget call (no completion to send) is as quiet; the call after it proves it was handled.
        await connection.Hub.SendAsync("joinRoom", new { conversationId = "c_missing_too" });
        await connection.CallAsync("leaveRoom", new { conversationId = id });

        Assert.Equal("validation_failed: conversationId is required", invalid.Message);
        Assert.Equal("not_found: conversation c_missing does not exist", missing.Message);
        Assert.Equal("not_found: conversation c_other does not exist", notMine.Message);
        Assert.StartsWith("rate_limited: ", limited.Message, StringComparison.Ordinal);
        var logged = host.Logs.Entries.Skip(before).ToList();
        Assert.DoesNotContain(logged, e => e.Level >= LogLevel.Warning);
        Assert.DoesNotContain(logged, e => e.Exception is not null);
        var refusals = logged.Where(e => e.Category == FilterCategory).ToList();
        Assert.Equal(5, refusals.Count);
        Assert.All(refusals, e => Assert.Equal(LogLevel.Debug, e.Level));
        Assert.Contains(refusals, e => e.Message.Contains("rate_limited: ", StringComparison.Ordinal));
        Assert.Contains(refusals, e => e.Message.Contains("not_found: conversation c_missing_too does not exist", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OversizedFrame_ClosesTheConnectionWithoutAnErrorLog()
    {
        var alice = ChatHost.NewUser("alice");
        var id = await host.DirectAsync(alice, ChatHost.NewUser("bob"));
        await using var connection = await host.ConnectAsync(alice);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Hub.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        var connectionId = connection.ConnectionId;
        var before = host.Logs.Entries.Count;

        _ = connection.Hub.SendAsync("sendMessage", new { conversationId = id, content = new string('x', 40_000) });
        await closed.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await host.Disconnects.WaitAsync(connectionId);

        Assert.DoesNotContain(host.Logs.Entries.Skip(before), e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task FailedCall_IsLoggedOnceAsErrorByChatKit()
    {
        await using var connection = await host.ConnectAsync(ChatHost.NewUser("alice"));
        var before = host.Logs.Entries.Count;

        var error = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync("joinRoom", new { conversationId = FaultyStoreHost.BrokenId }));
        await connection.CallAsync("leaveRoom", new { conversationId = "c_after" });

        Assert.Equal("internal_error: the server could not complete the call", error.Message);
        var failure = Assert.Single(host.Logs.Entries.Skip(before), e => e.Level >= LogLevel.Warning);
        Assert.Equal(FilterCategory, failure.Category);
        Assert.Equal(LogLevel.Error, failure.Level);
        Assert.IsType<InvalidOperationException>(failure.Exception);
    }
}
