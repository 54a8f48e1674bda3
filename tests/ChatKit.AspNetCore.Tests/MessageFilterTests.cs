using System.Collections.Concurrent;
using System.Net;
using System.Text.RegularExpressions;
using ChatKit.AspNetCore.Tests.Support;
using ChatKit.Filters;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatKit.AspNetCore.Tests;

/// <summary>A host with the test filters in order: profanity, rules, then two that show their order.</summary>
public sealed class FilterHost : ChatHost
{
    /// <summary>The time budget of the filters of one send on this host.</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(1);

    /// <inheritdoc/>
    protected override void ConfigureChatKit(ChatKitOptions options) => options.MessageFilterTimeout = Budget;

    /// <inheritdoc/>
    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddSingleton<ILoggerProvider>(Logs).AddChatKit()
            .AddMessageFilter<ProfanityFilter>()
            .AddMessageFilter<RuleFilter>()
            .AddMessageFilter<FirstTagFilter>()
            .AddMessageFilter<SecondTagFilter>();

    /// <summary>What ChatKit logged on this host.</summary>
    public CapturedLogs Logs { get; } = new();

    /// <summary>The rule filter of this host, which records what it saw.</summary>
    public RuleFilter Rules => Services.GetServices<IMessageFilter>().OfType<RuleFilter>().Single();
}

/// <summary>The same filters with MessageFilterFailure = Skip, the rule filter first.</summary>
public sealed class FailOpenFilterHost : ChatHost
{
    /// <inheritdoc/>
    protected override void ConfigureChatKit(ChatKitOptions options)
    {
        options.MessageFilterTimeout = FilterHost.Budget;
        options.MessageFilterFailure = MessageFilterFailureMode.Skip;
    }

    /// <inheritdoc/>
    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddChatKit().AddMessageFilter<RuleFilter>().AddMessageFilter<ProfanityFilter>();
}

/// <summary>Replaces a few words with asterisks, as a host's profanity filter would.</summary>
public sealed partial class ProfanityFilter : IMessageFilter
{
    /// <inheritdoc/>
    public ValueTask<MessageFilterResult> FilterAsync(MessageFilterContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Words().IsMatch(context.Content)
            ? MessageFilterResult.Rewrite(Words().Replace(context.Content, m => new string('*', m.Length)))
            : MessageFilterResult.Accept);

    [GeneratedRegex(@"\b(darn|heck)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Words();
}

/// <summary>Does what the content's tag says: refuse, forbid, hang, throw, rewrite badly, or change its mind on a retry.</summary>
public sealed class RuleFilter : IMessageFilter
{
    private readonly ConcurrentDictionary<string, int> _attempts = new();

    /// <summary>Every content this filter saw.</summary>
    public ConcurrentQueue<string> Seen { get; } = new();

    /// <inheritdoc/>
    public async ValueTask<MessageFilterResult> FilterAsync(MessageFilterContext context, CancellationToken cancellationToken)
    {
        Seen.Enqueue(context.Content);
        var content = context.Content;
        if (content.Contains("#reject", StringComparison.Ordinal))
        {
            return MessageFilterResult.Reject("hashtags are not allowed here");
        }

        if (content.Contains("#forbid", StringComparison.Ordinal))
        {
            return MessageFilterResult.Forbid("you may not post in this conversation now");
        }

        if (content.Contains("#slow", StringComparison.Ordinal))
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
        }

        if (content.Contains("#stuck", StringComparison.Ordinal))
        {
            // Ignores its token: ChatKit must stop waiting by itself.
            await new TaskCompletionSource().Task;
        }

        if (content.Contains("#throw", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("the moderation service answered 500");
        }

        if (content.Contains("#messy", StringComparison.Ordinal))
        {
            return MessageFilterResult.Rewrite("  tidied\u0007 up  ");
        }

        if (content.Contains("#huge", StringComparison.Ordinal))
        {
            return MessageFilterResult.Rewrite(new string('x', new ChatKitOptions().MaxContentLength + 1));
        }

        if (content.Contains("#flaky", StringComparison.Ordinal) && context.TempId is { } tempId
            && _attempts.AddOrUpdate(tempId, 1, (_, n) => n + 1) > 1)
        {
            // A moderation service that answers differently the second time.
            return MessageFilterResult.Reject("flagged on a second look");
        }

        return MessageFilterResult.Accept;
    }
}

/// <summary>Appends " a" to content tagged #order.</summary>
public sealed class FirstTagFilter : IMessageFilter
{
    /// <inheritdoc/>
    public ValueTask<MessageFilterResult> FilterAsync(MessageFilterContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(context.Content.StartsWith("#order", StringComparison.Ordinal)
            ? MessageFilterResult.Rewrite(context.Content + " a")
            : MessageFilterResult.Accept);
}

/// <summary>Appends " b" to content tagged #order, after checking that it saw the first filter's rewrite.</summary>
public sealed class SecondTagFilter : IMessageFilter
{
    /// <inheritdoc/>
    public ValueTask<MessageFilterResult> FilterAsync(MessageFilterContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(context.Content.StartsWith("#order", StringComparison.Ordinal)
            ? MessageFilterResult.Rewrite(context.Content + (context.Content.EndsWith(" a", StringComparison.Ordinal) ? " b" : " ran first"))
            : MessageFilterResult.Accept);
}

/// <summary>The host's message filters on a real host: rewrite, refuse, order, time budget, failures, retries.</summary>
public sealed class MessageFilterTests(FilterHost host, FailOpenFilterHost failOpen) : IClassFixture<FilterHost>, IClassFixture<FailOpenFilterHost>
{
    [Fact]
    public async Task ProfanityFilter_RewritesContent_InTheStoreTheAckAndTheOtherParticipantsEvent()
    {
        var (id, alice, bob) = await DirectAsync(host);
        await using var aliceConnection = await host.ConnectAsync(alice);
        await using var bobConnection = await host.ConnectAsync(bob);

        var ack = await aliceConnection.SendAsync(id, "Darn, what the heck", "t-1");

        var received = await bobConnection.WaitForAsync("newMessage");
        var message = received.Payload.GetProperty("message");
        Assert.Equal(ack.GetProperty("messageId").GetString(), message.GetProperty("id").GetString());
        Assert.Equal("****, what the ****", message.GetProperty("content").GetString());
        var own = await aliceConnection.WaitForAsync("newMessage");
        Assert.Equal("****, what the ****", own.Payload.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(["****, what the ****"], await StoredContentsAsync(host, alice, id));
    }

    [Fact]
    public async Task Edit_GoesThroughTheFilters_RewrittenOrRefusedLikeASend()
    {
        var (id, alice, bob) = await DirectAsync(host);
        await using var aliceConnection = await host.ConnectAsync(alice);
        await using var bobConnection = await host.ConnectAsync(bob);
        var ack = await aliceConnection.SendAsync(id, "fine words");
        var messageId = ack.GetProperty("messageId").GetString()!;

        var edited = await aliceConnection.InvokeAsync("editMessage", new { messageId, content = "heck no" });
        var refused = await Assert.ThrowsAsync<HubException>(() => aliceConnection.InvokeAsync("editMessage", new { messageId, content = "now #forbid" }));

        Assert.Equal("**** no", edited.GetProperty("content").GetString());
        var updated = await bobConnection.WaitForAsync("messageUpdated");
        Assert.Equal("**** no", updated.Payload.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("forbidden: you may not post in this conversation now", refused.Message);
        Assert.Equal(["**** no"], await StoredContentsAsync(host, alice, id));
    }

    [Fact]
    public async Task RewrittenContent_IsNormalisedAndCheckedLikeAClients()
    {
        var (id, alice, _) = await DirectAsync(host);
        await using var connection = await host.ConnectAsync(alice);

        await connection.SendAsync(id, "#messy");
        var tooLong = await Assert.ThrowsAsync<HubException>(() => connection.SendAsync(id, "#huge"));

        Assert.Equal(["tidied up"], await StoredContentsAsync(host, alice, id));
        Assert.StartsWith("validation_failed: content has at most", tooLong.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RejectingFilter_RefusesWithValidationFailedOrForbidden_AndStoresNothing()
    {
        var (id, alice, bob) = await DirectAsync(host);
        await using var aliceConnection = await host.ConnectAsync(alice);
        await using var bobConnection = await host.ConnectAsync(bob);

        var invalid = await Assert.ThrowsAsync<HubException>(() => aliceConnection.SendAsync(id, "hello #reject", "t-r"));
        var forbidden = await Assert.ThrowsAsync<HubException>(() => aliceConnection.SendAsync(id, "hello #forbid"));
        await aliceConnection.SendAsync(id, "allowed");

        Assert.Equal("validation_failed: hashtags are not allowed here", invalid.Message);
        Assert.Equal("forbidden: you may not post in this conversation now", forbidden.Message);
        Assert.Equal(["allowed"], await StoredContentsAsync(host, alice, id));
        var marker = await host.SyncAsync(bobConnection);
        Assert.Equal(["allowed"], bobConnection.Before(marker).Where(e => e.Name == "newMessage")
            .Select(e => e.Payload.GetProperty("message").GetProperty("content").GetString()));
    }

    [Fact]
    public async Task Filters_RunInTheOrderTheyWereAdded_EachSeeingThePreviousRewrite()
    {
        var (id, alice, _) = await DirectAsync(host);
        await using var connection = await host.ConnectAsync(alice);

        await connection.SendAsync(id, "#order darn");

        Assert.Equal(["#order **** a b"], await StoredContentsAsync(host, alice, id));
        Assert.Contains("#order ****", host.Rules.Seen);
    }

    [Theory]
    [InlineData("#slow")]
    [InlineData("#stuck")]
    public async Task SlowFilter_RunsOutOfTheBudget_TheSendFailsUnavailable_AndTheNextSendIsNotHeldUp(string tag)
    {
        var (id, alice, _) = await DirectAsync(host);
        await using var connection = await host.ConnectAsync(alice);

        var error = await Assert.ThrowsAsync<HubException>(() => connection.SendAsync(id, "wait " + tag, "t-slow"));
        var ack = await connection.SendAsync(id, "next");

        Assert.Equal("unavailable: the message could not be checked; try again", error.Message);
        Assert.Contains(host.Logs.Entries, e => e is { Level: LogLevel.Warning, EventName: "MessageFilterTimedOut" }
            && e.Message.StartsWith("Message filter RuleFilter did not answer within 00:00:01", StringComparison.Ordinal));
        Assert.Equal(1, ack.GetProperty("seq").GetInt64());
        Assert.Equal(["next"], await StoredContentsAsync(host, alice, id));
    }

    [Fact]
    public async Task ThrowingFilter_FailsClosedWithUnavailable_ByDefault()
    {
        var (id, alice, _) = await DirectAsync(host);
        await using var connection = await host.ConnectAsync(alice);

        var error = await Assert.ThrowsAsync<HubException>(() => connection.SendAsync(id, "boom #throw"));

        Assert.StartsWith("unavailable: ", error.Message, StringComparison.Ordinal);
        Assert.Empty(await StoredContentsAsync(host, alice, id));
        Assert.Contains(host.Logs.Entries, e => e is { Level: LogLevel.Error, EventName: "MessageFilterFailed" }
            && e.Message.StartsWith("Message filter RuleFilter failed", StringComparison.Ordinal) && e.Exception?.Message == "the moderation service answered 500");
    }

    [Fact]
    public async Task FailOpen_SkipsAThrowingOrSlowFilter_AndRunsTheOthers()
    {
        var (id, alice, _) = await DirectAsync(failOpen);
        await using var connection = await failOpen.ConnectAsync(alice);

        await connection.SendAsync(id, "boom #throw darn");
        await connection.SendAsync(id, "wait #stuck heck");

        Assert.Equal(["boom #throw ****", "wait #stuck ****"], await StoredContentsAsync(failOpen, alice, id));
    }

    [Fact]
    public async Task RetriedTempId_ThatTheFiltersNowRefuse_ReturnsTheFirstMessage()
    {
        var (id, alice, bob) = await DirectAsync(host);
        await using var aliceConnection = await host.ConnectAsync(alice);
        await using var bobConnection = await host.ConnectAsync(bob);

        var first = await aliceConnection.SendAsync(id, "maybe #flaky", "t-flaky");
        var retry = await aliceConnection.SendAsync(id, "maybe #flaky", "t-flaky");

        Assert.Equal(first.GetProperty("messageId").GetString(), retry.GetProperty("messageId").GetString());
        Assert.Equal(1, retry.GetProperty("seq").GetInt64());
        Assert.Equal(2, host.Rules.Seen.Count(c => c == "maybe #flaky"));
        Assert.Equal(["maybe #flaky"], await StoredContentsAsync(host, alice, id));
        var marker = await host.SyncAsync(bobConnection);
        Assert.Single(bobConnection.Before(marker), e => e.Name == "newMessage");
    }

    [Fact]
    public async Task Outsider_GetsNotFound_AndNoFilterSeesTheContent()
    {
        var (id, _, _) = await DirectAsync(host);
        var mallory = ChatHost.NewUser("mallory");
        await using var connection = await host.ConnectAsync(mallory);
        var secret = "outsider " + Guid.NewGuid().ToString("N");

        var error = await Assert.ThrowsAsync<HubException>(() => connection.SendAsync(id, secret));

        Assert.StartsWith("not_found: ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, host.Rules.Seen);
    }

    private static async Task<(string Id, string Alice, string Bob)> DirectAsync(ChatHost chat)
    {
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        return (await chat.DirectAsync(alice, bob), alice, bob);
    }

    private static async Task<List<string?>> StoredContentsAsync(ChatHost chat, string userId, string conversationId)
    {
        using var http = chat.Http(userId);
        var (response, page) = await http.GetJsonAsync($"/chats/conversations/{conversationId}/messages");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. page.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("content").GetString())];
    }
}
