using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChatKit.AspNetCore.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace ChatKit.AspNetCore.Tests;

/// <summary>
/// The <c>ChatKit</c> ActivitySource, read by a real ActivityListener (what OpenTelemetry's tracer provider is) on a real
/// host: a send is one hub-call span with the store and the publication as its children; a refused call ends in error.
/// </summary>
public sealed partial class TracingTests(ChatHost host) : IClassFixture<ChatHost>, IDisposable
{
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly ActivityListener _listener = new();

    [Fact]
    public async Task Send_IsOneHubCallSpan_WithStoreAndPublishChildren()
    {
        Listen();
        var alice = ChatHost.NewUser("alice");
        var bob = ChatHost.NewUser("bob");
        var id = await host.DirectAsync(alice, bob);
        await using var connection = await host.ConnectAsync(alice);

        var ack = await connection.SendAsync(id, "secret words", tempId: "t-1");
        var messageId = ack.GetProperty("messageId").GetString();

        var call = await WaitForAsync(a => a.DisplayName == "ChatHub/SendMessage" && Tag(a, "user.id") == alice);
        var store = await WaitForAsync(a => a.ParentSpanId == call.SpanId && a.DisplayName == "ChatKit store AppendMessage");
        var publish = await WaitForAsync(a => a.ParentSpanId == call.SpanId && a.DisplayName == "ChatKit publish MessageCreated");

        Assert.Equal("ChatKit", call.Source.Name);
        Assert.False(string.IsNullOrEmpty(call.Source.Version));
        Assert.Equal(ActivityStatusCode.Unset, call.Status);
        Assert.Equal("signalr", Tag(call, "rpc.system"));
        Assert.Equal("ChatHub", Tag(call, "rpc.service"));
        Assert.Equal("SendMessage", Tag(call, "rpc.method"));
        Assert.Equal(call.TraceId, store.TraceId);
        Assert.Equal(id, Tag(store, "chatkit.conversation.id"));
        Assert.Equal(messageId, Tag(store, "chatkit.message.id"));
        Assert.Equal(1L, store.GetTagItem("chatkit.message.seq"));
        Assert.Equal(false, store.GetTagItem("chatkit.message.deduplicated"));
        Assert.Equal("InMemoryChatStore", Tag(store, "chatkit.store.type"));
        Assert.Equal("MessageCreated", Tag(publish, "chatkit.event"));

        // The store ends before the event is published, and both lie within the call.
        Assert.True(store.StartTimeUtc + store.Duration <= publish.StartTimeUtc);
        Assert.True(call.StartTimeUtc <= store.StartTimeUtc);
        Assert.True(publish.StartTimeUtc + publish.Duration <= call.StartTimeUtc + call.Duration);

        // Ids only: the content is in no tag of any span.
        Assert.DoesNotContain(
            new[] { call, store, publish }.SelectMany(a => a.TagObjects),
            tag => tag.Value?.ToString()?.Contains("secret", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task RefusedHubCall_EndsInError_WithTheContractCode()
    {
        Listen();
        var alice = ChatHost.NewUser("alice");
        await using var connection = await host.ConnectAsync(alice);

        var refused = await Assert.ThrowsAsync<HubException>(() => connection.SendAsync("c_missing", "hello"));

        var call = await WaitForAsync(a => a.DisplayName == "ChatHub/SendMessage" && Tag(a, "user.id") == alice);
        Assert.Equal(ActivityStatusCode.Error, call.Status);
        Assert.Equal("not_found", Tag(call, "error.type"));
        Assert.Equal(refused.Message, call.StatusDescription);
    }

    [Fact]
    public async Task RestEndpoint_IsASpan_ThatEndsInErrorWhenRefused()
    {
        Listen();
        var alice = ChatHost.NewUser("alice");
        var id = await host.DirectAsync(alice, ChatHost.NewUser("bob"));
        using var http = host.Http(alice);

        using var found = await http.GetAsync($"/chats/conversations/{id}/messages");
        using var missing = await http.GetAsync("/chats/conversations/c_missing/messages");

        Assert.Equal(HttpStatusCode.OK, found.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var spans = await WaitForCountAsync(a => a.DisplayName == "ChatKit GetMessages" && Tag(a, "user.id") == alice, 2);
        Assert.Equal([ActivityStatusCode.Unset, ActivityStatusCode.Error], spans.Select(a => a.Status).Order());
        Assert.Equal("not_found", Tag(spans.Single(a => a.Status == ActivityStatusCode.Error), "error.type"));
    }

    [Fact]
    public async Task HostOpenTelemetry_AsDocumented_ExportsTheSendTrace()
    {
        var exported = new List<Activity>();
        var builder = ChatHost.CreateBuilder();
        builder.Services.AddChatKit();
        AddOpenTelemetryAsDocumented(builder);
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(exported));
        await using var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapChatKit();
        await app.StartAsync();
        var address = ChatHost.AddressOf(app.Services);
        var alice = ChatHost.NewUser("alice");
        await using var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(address, "/chat"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(TestAuth.Token(alice)))
            .Build();
        await connection.StartAsync();
        var conversation = await connection.InvokeAsync<JsonElement>("createConversation", new { type = "direct", participantIds = new[] { ChatHost.NewUser("bob") } });

        await connection.InvokeAsync<JsonElement>("sendMessage", new { conversationId = conversation.GetProperty("id").GetString(), content = "hello" });
        await connection.StopAsync();
        await app.StopAsync(); // the exporter has every span of the stopped host

        List<Activity> spans;
        lock (exported)
        {
            spans = [.. exported];
        }

        var call = spans.Single(a => a.DisplayName == "ChatHub/SendMessage" && Tag(a, "user.id") == alice);
        Assert.Equal(
            ["ChatKit publish MessageCreated", "ChatKit store AppendMessage"],
            spans.Where(a => a.ParentSpanId == call.SpanId).Select(a => a.DisplayName).Order());
    }

    [Fact]
    public void ArchitecturePage_TracingSnippet_IsTheOneTested()
    {
        var page = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "architecture.md"));
        var traces = page[page.IndexOf("## Traces", StringComparison.Ordinal)..];
        var snippet = Lines(FencedBlock().Match(traces).Groups[1].Value);
        var source = Lines(File.ReadAllText(Path.Combine(RepositoryRoot(), "tests", "ChatKit.AspNetCore.Tests", "TracingTests.cs")));

        Assert.NotEmpty(snippet);
        Assert.True(
            Enumerable.Range(0, source.Count - snippet.Count + 1).Any(start => source.Skip(start).Take(snippet.Count).SequenceEqual(snippet)),
            "the C# block under \"## Traces\" in docs/architecture.md is not AddOpenTelemetryAsDocumented in TracingTests.cs");
    }

    public void Dispose()
    {
        _listener.Dispose();
        _signal.Dispose();
    }

    private static string? Tag(Activity activity, string name) => activity.GetTagItem(name)?.ToString();

    private void Listen()
    {
        // ChatKit's source only, as a host's `.AddSource("ChatKit")` would; other test classes trace in parallel, so every
        // assertion picks its spans by this test's user.
        _listener.ShouldListenTo = source => source.Name == "ChatKit";
        _listener.Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded;
        _listener.ActivityStopped = activity =>
        {
            _stopped.Enqueue(activity);
            _signal.Release();
        };
        ActivitySource.AddActivityListener(_listener);
    }

    private async Task<Activity> WaitForAsync(Func<Activity, bool> match) => (await WaitForCountAsync(match, 1))[0];

    private async Task<List<Activity>> WaitForCountAsync(Func<Activity, bool> match, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            var found = _stopped.Where(match).ToList();
            if (found.Count >= count)
            {
                return found;
            }

            try
            {
                await _signal.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"expected {count} matching span(s), saw {found.Count}; stopped spans: {string.Join(", ", _stopped.Select(a => a.DisplayName).Distinct())}");
            }
        }
    }

    /// <summary>docs/architecture.md's snippet, word for word.</summary>
    private static void AddOpenTelemetryAsDocumented(WebApplicationBuilder builder)
    {
        // dotnet add package OpenTelemetry.Extensions.Hosting, plus the exporter of your backend (OTLP, Azure Monitor, ...)
        builder.Services.AddOpenTelemetry()
            .WithTracing(tracing => tracing.AddSource("ChatKit"))
            .WithMetrics(metrics => metrics.AddMeter("ChatKit"));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ChatKit.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ChatKit.sln not found above " + AppContext.BaseDirectory);
    }

    private static List<string> Lines(string text) => [.. text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0)];

    [GeneratedRegex(@"^```csharp\n(.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex FencedBlock();
}
