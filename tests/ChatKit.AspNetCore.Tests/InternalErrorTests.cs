using System.Net;
using System.Reflection;
using ChatKit.AspNetCore.Tests.Support;
using ChatKit.Storage;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.AspNetCore.Tests;

/// <summary>A host whose store fails for one conversation id, as a broken database would.</summary>
public sealed class FaultyStoreHost : ChatHost
{
    /// <summary>The conversation id the store fails on.</summary>
    public const string BrokenId = "c_broken";

    /// <inheritdoc/>
    protected override void ConfigureServices(IServiceCollection services)
    {
        var store = new InMemoryChatStore();
        services.AddSingleton(FaultyStore.Wrap(store));
    }

    /// <summary>Forwards every call to the real store unless its first argument is <see cref="BrokenId"/>.</summary>
    public class FaultyStore : DispatchProxy
    {
        private IChatStore _inner = null!;

        internal static IChatStore Wrap(IChatStore inner)
        {
            var proxy = Create<IChatStore, FaultyStore>();
            ((FaultyStore)(object)proxy)._inner = inner;
            return proxy;
        }

        /// <inheritdoc/>
        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            if (args is { Length: > 0 } && args[0] is BrokenId)
            {
                throw new InvalidOperationException("connection to db-primary.internal:5432 refused");
            }

            return targetMethod.Invoke(_inner, args);
        }
    }
}

/// <summary>Unexpected failures reach clients as internal_error, without their details.</summary>
public sealed class InternalErrorTests(FaultyStoreHost host) : IClassFixture<FaultyStoreHost>
{
    [Fact]
    public async Task HubMethod_WhenStoreThrows_FailsWithInternalErrorAndKeepsTheConnection()
    {
        var alice = ChatHost.NewUser("alice");
        var id = await host.DirectAsync(alice, ChatHost.NewUser("bob"));
        await using var connection = await host.ConnectAsync(alice);

        var error = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync("joinRoom", new { conversationId = FaultyStoreHost.BrokenId }));
        var ack = await connection.SendAsync(id, "still connected");

        Assert.Equal("internal_error: the server could not complete the call", error.Message);
        Assert.Equal(1, ack.GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task Endpoint_WhenStoreThrows_Returns500ProblemWithInternalError()
    {
        using var http = host.Http(ChatHost.NewUser("alice"));

        var (response, problem) = await http.GetJsonAsync($"/chats/conversations/{FaultyStoreHost.BrokenId}");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(500, problem.GetProperty("status").GetInt32());
        Assert.Equal("internal_error", problem.GetProperty("code").GetString());
        Assert.Equal("the server could not complete the request", problem.GetProperty("detail").GetString());
        Assert.DoesNotContain("db-primary", problem.GetRawText(), StringComparison.Ordinal);
    }
}
