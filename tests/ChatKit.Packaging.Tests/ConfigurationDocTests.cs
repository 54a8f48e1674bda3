using System.Globalization;
using System.Reflection;
using System.Security.Claims;
using ChatKit.AspNetCore;
using ChatKit.Scaleout.Redis;
using ChatKit.Storage.EfCore;
using ChatKit.Storage.Mongo;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatKit.Packaging.Tests;

/// <summary>docs/configuration.md cannot drift: every option is listed with its real default, and its code compiles.</summary>
public sealed class ConfigurationDocTests
{
    private static readonly string[] Lines = File.ReadAllLines(RepositoryFiles.PathOf("docs", "configuration.md"));

    public static TheoryData<string, string, string> Options()
    {
        var data = new TheoryData<string, string, string>();
        Add(data, new ChatKitOptions(), "");
        foreach (var limit in typeof(ChatKitOptions).GetProperties().Where(p => typeof(RateLimitOptions).IsAssignableFrom(p.PropertyType)))
        {
            Add(data, limit.GetValue(new ChatKitOptions())!, limit.Name + ".");
        }

        Add(data, new ChatKitOutboxOptions(), "");
        Add(data, new ChatKitNotificationOptions(), "");
        Add(data, new ChatKitAttachmentOptions(), "");
        Add(data, new ChatKitServerOptions(), "");
        Add(data, new ChatKitWebhookOptions(), "");
        Add(data, new ChatKitEndpointOptions(), "");
        Add(data, new EfCoreChatStoreOptions(), "");
        Add(data, new MongoChatStoreOptions(), "");
        Add(data, new ChatKitRedisOptions(), "");
        Add(data, new ChatKit.Blobs.S3.S3BlobStoreOptions(), "");
        Add(data, new ChatKit.Notifications.WebPush.WebPushOptions(), "");
        Add(data, new ChatKit.Notifications.Fcm.ChatKitFcmOptions(), "");
        return data;
    }

    [Theory]
    [MemberData(nameof(Options))]
    public void EveryOption_IsDocumentedWithItsDefault(string type, string option, string defaultValue)
    {
        var row = Lines.FirstOrDefault(l => l.StartsWith($"| `{option}` |", StringComparison.Ordinal));

        Assert.True(row is not null, $"{type}.{option} is missing from docs/configuration.md");
        Assert.Contains($"`{defaultValue}`", row, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheCodeOfThePage_Compiles_AndStartsTheServices()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ChatKit:MaxIdLength"] = "64" });
        var database = Path.Combine(Directory.CreateTempSubdirectory("chatkit-config-doc-").FullName, "chat.db");

        // docs/configuration.md, first block (the SQLite file and Redis address changed to a temp file and a closed port).
        builder.Services.AddChatKit(options =>
            {
                options.MaxContentLength = 2_000;
                options.SendRateLimit.PermitLimit = 10;
            })
            .ConfigureServer(server => server.UserIdClaimType = ClaimTypes.NameIdentifier)
            .UseEntityFrameworkCore(o => o.UseSqlite($"Data Source={database}"), store => store.SqliteBusyTimeout = TimeSpan.FromSeconds(10))
            .UseRedis("127.0.0.1:1,abortConnect=false", redis => redis.ChannelPrefix = "myapp:");

        // Second block.
        builder.Services.AddOptions<ChatKitOptions>().Bind(builder.Configuration.GetSection("ChatKit"));

        await using var app = builder.Build();
        app.MapChatKit(endpoints => endpoints.HubPath = "/hubs/chat");

        var chat = app.Services.GetRequiredService<IOptions<ChatKitOptions>>().Value;
        Assert.Equal(2_000, chat.MaxContentLength);
        Assert.Equal(10, chat.SendRateLimit.PermitLimit);
        Assert.Equal(64, chat.MaxIdLength);
        Assert.Equal(ClaimTypes.NameIdentifier, app.Services.GetRequiredService<IOptions<ChatKitServerOptions>>().Value.UserIdClaimType);
        Assert.Equal("myapp:", app.Services.GetRequiredService<IOptions<ChatKitRedisOptions>>().Value.ChannelPrefix);
    }

    private static void Add(TheoryData<string, string, string> data, object options, string prefix)
    {
        foreach (var property in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.SetMethod is not { IsPublic: true } || typeof(RateLimitOptions).IsAssignableFrom(property.PropertyType))
            {
                continue;
            }

            data.Add(options.GetType().Name, prefix + property.Name, Format(property.GetValue(options)));
        }
    }

    private static string Format(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable<string> list => string.Join(", ", list),
        _ => value.ToString() ?? "",
    };
}
