using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using ChatKit.AspNetCore.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatKit.AspNetCore.Tests;

/// <summary>Registration, mapping and start-up: what a host gets wrong fails fast with a clear sentence.</summary>
public sealed class StartupTests
{
    [Fact]
    public async Task MapChatKit_WithoutAddChatKit_ThrowsSayingWhatToCall()
    {
        var builder = ChatHost.CreateBuilder();
        await using var app = builder.Build();

        var error = Assert.Throws<InvalidOperationException>(() => app.MapChatKit());

        Assert.Equal("ChatKit's services are missing: call builder.Services.AddChatKit() before app.MapChatKit().", error.Message);
    }

    [Fact]
    public async Task MapChatKit_WithPathNotStartingWithSlash_Throws()
    {
        var builder = ChatHost.CreateBuilder();
        builder.Services.AddChatKit();
        await using var app = builder.Build();

        var error = Assert.Throws<ArgumentException>(() => app.MapChatKit(o => o.HubPath = "chat"));

        Assert.Contains("must start with '/'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("MaxContentLength", "ChatKit:MaxContentLength must be between 1 and 100000; it is 0.")]
    [InlineData("TypingTimeout", "ChatKit:TypingTimeout must be between 00:00:01 and 00:05:00; it is 00:00:00.5000000.")]
    [InlineData("PermitLimit", "ChatKit:SendRateLimit:PermitLimit must be between 1 and 1000000; it is 0.")]
    public async Task Start_WithInvalidChatKitOptions_FailsWithMessageNamingTheOption(string option, string message)
    {
        var builder = ChatHost.CreateBuilder();
        builder.Services.AddChatKit(o =>
        {
            switch (option)
            {
                case "MaxContentLength": o.MaxContentLength = 0; break;
                case "TypingTimeout": o.TypingTimeout = TimeSpan.FromMilliseconds(500); break;
                default: o.SendRateLimit.PermitLimit = 0; break;
            }
        });
        await using var app = builder.Build();
        app.MapChatKit();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains(message, error.Failures);
    }

    [Fact]
    public async Task Start_WithInvalidServerOptions_FailsWithMessageNamingTheOption()
    {
        var builder = ChatHost.CreateBuilder();
        builder.Services.AddChatKit().ConfigureServer(o =>
        {
            o.MaximumReceiveMessageSize = 100;
            o.UserIdClaimType = " ";
        });
        await using var app = builder.Build();

        // The hub's options are read when the hub is mapped, so the failure comes from MapChatKit, before the host starts.
        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            app.MapChatKit();
            await app.StartAsync();
        });

        Assert.Contains("ChatKitServerOptions.MaximumReceiveMessageSize must be between 1024 and 16777216 bytes; it is 100.", error.Failures);
        Assert.Contains("ChatKitServerOptions.UserIdClaimType must name a claim type.", error.Failures);
    }

    [Fact]
    public void AddChatKit_Twice_RegistersOnce()
    {
        var services = new ServiceCollection();

        services.AddChatKit();
        services.AddChatKit();

        Assert.Single(services, d => d.ServiceType == typeof(ChatHub));
        Assert.Single(services, d => d.ServiceType == typeof(IHubProtocolResolver) && !d.IsKeyedService);
        Assert.Single(services, d => d.ServiceType == typeof(IHubProtocolResolver) && d.IsKeyedService);
        Assert.Single(services, d => d.ServiceType == typeof(ChatKit.Events.IChatEventPublisher));
        Assert.Single(services, d => d.ServiceType == typeof(IConfigureOptions<HubOptions<ChatHub>>) && d.ImplementationType?.Name == "ConfigureChatHubOptions");
    }

    [Fact]
    public async Task MapChatKit_CustomPathsAndClaimTypesAndPolicy_ApplyToHubAndApi()
    {
        var builder = ChatHost.CreateBuilder(hubPath: "/rt");
        builder.Services.AddAuthorization(o => o.AddPolicy("chat", p => p.RequireClaim("scope", "chat")));
        builder.Services.AddChatKit().ConfigureServer(o =>
        {
            o.UserIdClaimType = "uid";
            o.UserNameClaimType = "display";
        });
        await using var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapChatKit(o =>
        {
            o.HubPath = "/rt";
            o.ApiPrefix = "/api/chat";
        }).RequireAuthorization("chat");
        await app.StartAsync();
        var address = ChatHost.AddressOf(app.Services);
        var allowed = TestAuth.Token(new Dictionary<string, object> { ["uid"] = "u-1", ["display"] = "Uma", ["scope"] = "chat" });
        var withoutScope = TestAuth.Token(new Dictionary<string, object> { ["uid"] = "u-1", ["display"] = "Uma" });
        using var http = new HttpClient { BaseAddress = address };

        using var noScope = await Send(http, HttpMethod.Get, "/api/chat/conversations", withoutScope);
        using var noScopeNegotiate = await Send(http, HttpMethod.Post, $"/rt/negotiate?negotiateVersion=1&access_token={withoutScope}", null);
        using var defaultPath = await Send(http, HttpMethod.Get, "/chats/conversations", allowed);

        Assert.Equal(HttpStatusCode.Forbidden, noScope.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, noScopeNegotiate.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, defaultPath.StatusCode);
        await using var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(address, "/rt"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(allowed))
            .Build();
        var seen = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.On<JsonElement>("newMessage", e => seen.TrySetResult(e));
        await connection.StartAsync();
        var conversation = await connection.InvokeAsync<JsonElement>("createConversation", new { type = "direct", participantIds = new[] { "u-2" } });
        await connection.InvokeAsync<JsonElement>("sendMessage", new { conversationId = conversation.GetProperty("id").GetString(), content = "hi" });
        var message = (await seen.Task.WaitAsync(TimeSpan.FromSeconds(10))).GetProperty("message");
        Assert.Equal("u-1", message.GetProperty("sender").GetProperty("id").GetString());
        Assert.Equal("Uma", message.GetProperty("sender").GetProperty("name").GetString());
        using var list = await Send(http, HttpMethod.Get, "/api/chat/conversations", allowed);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        await app.StopAsync();
    }

    [Fact]
    public async Task WireShapes_DoNotDependOnTheHostsJsonOptions()
    {
        var builder = ChatHost.CreateBuilder();
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        });
        builder.Services.AddSignalR().AddJsonProtocol(o =>
        {
            o.PayloadSerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
            o.PayloadSerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        });
        builder.Services.AddChatKit();
        await using var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapChatKit();
        await app.StartAsync();
        var address = ChatHost.AddressOf(app.Services);
        using var http = new HttpClient { BaseAddress = address };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestAuth.Token("alice"));
        await using var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(address, "/chat"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(TestAuth.Token("alice")))
            .Build();
        var created = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.On<JsonElement>("conversationCreated", e => created.TrySetResult(e));
        await connection.StartAsync();

        var (_, rest) = await http.PostJsonAsync("/chats/conversations", new { type = "group", participantIds = new[] { "bob" }, name = "Team" });
        var pushed = await created.Task.WaitAsync(TimeSpan.FromSeconds(10));

        foreach (var conversation in new[] { rest, pushed })
        {
            Assert.Equal(JsonValueKind.Null, conversation.GetProperty("lastMessage").ValueKind);
            Assert.True(conversation.TryGetProperty("createdBy", out _), conversation.GetRawText());
            Assert.True(conversation.TryGetProperty("unreadCount", out _), conversation.GetRawText());
        }

        await app.StopAsync();
    }

    private static Task<HttpResponseMessage> Send(HttpClient http, HttpMethod method, string path, string? token)
    {
        var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return http.SendAsync(request);
    }
}
