using ChatKit.Storage.Mongo.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using MongoDB.Driver;

namespace ChatKit.Storage.Mongo.Tests;

/// <summary>
/// What <c>UseMongo</c> registers, without a server: the store replaces the in-memory one, the last call wins, the host's
/// client is shared and never disposed, options and arguments are validated, and index creation can be turned off.
/// Nothing listens on loopback port 1, so a connection attempt fails fast there.
/// </summary>
public sealed class UseMongoRegistrationTests
{
    private const string Unreachable = "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300&connectTimeoutMS=300";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ServiceProvider Build(Action<ChatKitBuilder> use)
    {
        var services = new ServiceCollection();
        use(services.AddChatKitCore());
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    [Fact]
    public async Task UseMongo_ConnectionString_ReplacesTheInMemoryStore()
    {
        await using var provider = Build(b => b.UseMongo(Unreachable, "chat"));

        var store = provider.GetRequiredService<IChatStore>();

        Assert.IsType<MongoChatStore>(store);
        Assert.Same(store, provider.GetRequiredService<IChatStore>());
        Assert.Single(provider.GetServices<IChatStore>());
        Assert.Equal("chat", provider.GetRequiredService<MongoChatContext>().Database.DatabaseNamespace.DatabaseName);
    }

    [Fact]
    public async Task UseMongo_CollectionPrefix_NamesEveryCollectionAndReadsFromThePrimary()
    {
        using var client = new MongoClient(Unreachable);
        var secondaryDatabase = client.GetDatabase("shared", new MongoDatabaseSettings { ReadPreference = ReadPreference.SecondaryPreferred });
        await using var provider = Build(b => b.UseMongo(secondaryDatabase, o => o.CollectionPrefix = "app1."));

        var context = provider.GetRequiredService<MongoChatContext>();

        Assert.Equal("app1.conversations", context.Conversations.CollectionNamespace.CollectionName);
        Assert.Equal("app1.messages", context.Messages.CollectionNamespace.CollectionName);
        Assert.Equal("app1.read_positions", context.ReadPositions.CollectionNamespace.CollectionName);
        Assert.Equal("app1.temp_ids", context.TempIds.CollectionNamespace.CollectionName);
        Assert.All(
            new[] { context.Conversations.Settings, context.Messages.Settings, context.ReadPositions.Settings, context.TempIds.Settings },
            s => Assert.Equal(ReadPreference.Primary, s.ReadPreference));
    }

    [Fact]
    public async Task UseMongo_DefaultOptions_UseTheChatkitPrefixAndCreateIndexes()
    {
        await using var provider = Build(b => b.UseMongo(Unreachable, "chat"));

        var options = provider.GetRequiredService<IOptions<MongoChatStoreOptions>>().Value;
        var context = provider.GetRequiredService<MongoChatContext>();

        Assert.Equal("chatkit_", options.CollectionPrefix);
        Assert.True(options.CreateIndexesOnStart);
        Assert.Equal(TimeSpan.FromSeconds(30), options.TempIdReservationTimeout);
        Assert.Equal("chatkit_conversations", context.Conversations.CollectionNamespace.CollectionName);
    }

    [Fact]
    public async Task UseMongo_CalledTwice_TheLastOneWins()
    {
        await using var provider = Build(b => b.UseMongo(Unreachable, "first").UseMongo(Unreachable, "second", o => o.CollectionPrefix = "two_"));

        Assert.Equal("second", provider.GetRequiredService<MongoChatContext>().Database.DatabaseNamespace.DatabaseName);
        Assert.Equal("two_messages", provider.GetRequiredService<MongoChatContext>().Messages.CollectionNamespace.CollectionName);
        Assert.Single(provider.GetServices<IChatStore>());
        Assert.Single(provider.GetServices<IHostedService>().OfType<MongoChatStoreInitializer>());
    }

    [Fact]
    public async Task UseMongo_AfterAnotherStore_ReplacesIt()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IChatStore, InMemoryChatStore>();
        services.AddChatKitCore().UseMongo(Unreachable, "chat");
        await using var provider = services.BuildServiceProvider();

        Assert.IsType<MongoChatStore>(Assert.Single(provider.GetServices<IChatStore>()));
    }

    [Fact]
    public async Task UseMongo_Client_UsesItsNamedDatabaseAndNeverDisposesIt()
    {
        using var client = new MongoClient(Unreachable);
        await using (var provider = Build(b => b.UseMongo(client, "hosted")))
        {
            var database = provider.GetRequiredService<MongoChatContext>().Database;
            Assert.Same(client, database.Client);
            Assert.Equal("hosted", database.DatabaseNamespace.DatabaseName);
        }

        // Still the host's: it tries the (unreachable) server instead of reporting that it was disposed.
        await Assert.ThrowsAsync<TimeoutException>(() => client.ListDatabaseNamesAsync(Ct));
    }

    [Fact]
    public async Task UseMongo_Database_UsesItAndNeverDisposesItsClient()
    {
        using var client = new MongoClient(Unreachable);
        var database = client.GetDatabase("hosted");
        await using (var provider = Build(b => b.UseMongo(database)))
        {
            Assert.Same(database, provider.GetRequiredService<MongoChatContext>().Database);
        }

        await Assert.ThrowsAsync<TimeoutException>(() => client.ListDatabaseNamesAsync(Ct));
    }

    [Fact]
    public async Task UseMongo_ConnectionString_DisposesItsOwnClientWithTheContainer()
    {
        IMongoClient client;
        await using (var provider = Build(b => b.UseMongo(Unreachable, "chat")))
        {
            client = provider.GetRequiredService<MongoChatContext>().Database.Client;
        }

        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.ListDatabaseNamesAsync(Ct));
    }

    [Fact]
    public void UseMongo_MalformedConnectionString_ThrowsAtRegistration()
    {
        var builder = new ServiceCollection().AddChatKitCore();

        Assert.Throws<MongoConfigurationException>(() => builder.UseMongo("http://localhost:27017", "chat"));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("chat.app")]
    [InlineData("chat app")]
    [InlineData("chat/app")]
    [InlineData("chat$")]
    [InlineData("0123456789012345678901234567890123456789012345678901234567890123")]
    public void UseMongo_InvalidDatabaseName_ThrowsArgumentException(string databaseName)
    {
        var builder = new ServiceCollection().AddChatKitCore();
        using var client = new MongoClient(Unreachable);

        Assert.ThrowsAny<ArgumentException>(() => builder.UseMongo(Unreachable, databaseName));
        Assert.ThrowsAny<ArgumentException>(() => builder.UseMongo(client, databaseName));
    }

    [Fact]
    public void UseMongo_NullArguments_ThrowArgumentNullException()
    {
        var builder = new ServiceCollection().AddChatKitCore();

        Assert.Throws<ArgumentNullException>(() => ((ChatKitBuilder)null!).UseMongo(Unreachable, "chat"));
        Assert.Throws<ArgumentNullException>(() => builder.UseMongo((string)null!, "chat"));
        Assert.Throws<ArgumentNullException>(() => builder.UseMongo((IMongoClient)null!, "chat"));
        Assert.Throws<ArgumentNullException>(() => builder.UseMongo((IMongoDatabase)null!));
        Assert.Throws<ArgumentNullException>(() => builder.UseMongo(Unreachable, null!));
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("dollar$")]
    [InlineData("system.")]
    [InlineData("slash/")]
    [InlineData("01234567890123456789012345678901234567890123456789012345678901234")]
    public async Task Options_InvalidCollectionPrefix_FailValidation(string prefix)
    {
        await using var provider = Build(b => b.UseMongo(Unreachable, "chat", o => o.CollectionPrefix = prefix));

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<MongoChatStoreOptions>>().Value);
        Assert.Contains("CollectionPrefix", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(999)]
    [InlineData(600_001)]
    public async Task Options_ReservationTimeoutOutOfRange_FailsValidation(int milliseconds)
    {
        await using var provider = Build(b => b.UseMongo(Unreachable, "chat", o => o.TempIdReservationTimeout = TimeSpan.FromMilliseconds(milliseconds)));

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<MongoChatStoreOptions>>().Value);
        Assert.Contains("TempIdReservationTimeout", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a-b.c_D9")]
    public async Task Options_ValidPrefixes_PassValidation(string prefix)
    {
        await using var provider = Build(b => b.UseMongo(Unreachable, "chat", o => o.CollectionPrefix = prefix));

        Assert.Equal(prefix, provider.GetRequiredService<IOptions<MongoChatStoreOptions>>().Value.CollectionPrefix);
    }

    [Fact]
    public async Task Options_AreValidatedWhenTheHostStarts()
    {
        await using var provider = Build(b => b.UseMongo(Unreachable, "chat", o => o.CollectionPrefix = "bad prefix"));

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("ChatKit:Mongo:CollectionPrefix", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WithIndexCreationOn_NeedsTheServer()
    {
        await using var provider = Build(b => b.UseMongo(Unreachable, "chat"));
        var initializer = provider.GetServices<IHostedService>().OfType<MongoChatStoreInitializer>().Single();

        await Assert.ThrowsAsync<TimeoutException>(() => initializer.StartAsync(Ct));
    }

    [Fact]
    public async Task Start_WithIndexCreationOff_DoesNotTouchTheServer()
    {
        await using var provider = Build(b => b.UseMongo(Unreachable, "chat", o => o.CreateIndexesOnStart = false));
        var initializer = provider.GetServices<IHostedService>().OfType<MongoChatStoreInitializer>().Single();

        await initializer.StartAsync(Ct);
        await initializer.StopAsync(Ct);
    }
}
