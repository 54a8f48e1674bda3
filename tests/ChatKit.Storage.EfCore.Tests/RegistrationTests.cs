using ChatKit.Storage.EfCore.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static ChatKit.Storage.EfCore.Tests.Support.TestData;

namespace ChatKit.Storage.EfCore.Tests;

public sealed class RegistrationTests : IDisposable
{
    private readonly SqliteFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task UseEntityFrameworkCore_ReplacesTheInMemoryStoreWithOneSingleton()
    {
        var services = new ServiceCollection();
        services.AddChatKitCore().UseEntityFrameworkCore(o => o.UseSqlite(_files.ConnectionString("chat.db")));
        await using var provider = services.BuildServiceProvider();

        var store = provider.GetRequiredService<IChatStore>();

        Assert.IsNotType<InMemoryChatStore>(store);
        Assert.Same(store, provider.GetRequiredService<IChatStore>());
        Assert.Single(services, d => d.ServiceType == typeof(IChatStore));
        Assert.NotNull(provider.GetRequiredService<IDbContextFactory<ChatKitDbContext>>());
    }

    [Fact]
    public async Task UseEntityFrameworkCore_CalledTwice_TheLastConfigurationWins()
    {
        var (first, second) = (_files.PathOf("first.db"), _files.PathOf("second.db"));
        await using var node = await StoreNode.StartAsync(chatKit => chatKit
            .UseEntityFrameworkCore(o => o.UseSqlite(_files.ConnectionString("first.db")))
            .UseEntityFrameworkCore(o => o.UseSqlite(_files.ConnectionString("second.db"))));
        var group = NewGroup(NewUserId(), NewUserId());

        await node.Store.CreateConversationAsync(group, Ct);

        Assert.False(File.Exists(first));
        Assert.Equal(group.Id, await SqliteStoreTests.ScalarAsync(_files.ConnectionString("second.db"), "SELECT id FROM chatkit_conversations"));
    }

    [Fact]
    public async Task UseEntityFrameworkCore_NegativeBusyTimeout_FailsValidation()
    {
        var services = new ServiceCollection();
        services.AddChatKitCore().UseEntityFrameworkCore(
            o => o.UseSqlite(_files.ConnectionString("chat.db")),
            o => o.SqliteBusyTimeout = TimeSpan.FromSeconds(-1));
        await using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<EfCoreChatStoreOptions>>().Value);

        Assert.Contains("SqliteBusyTimeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UseChatKitSqliteSettings_NegativeBusyTimeout_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DbContextOptionsBuilder().UseChatKitSqliteSettings(TimeSpan.FromSeconds(-1)));
    }
}
