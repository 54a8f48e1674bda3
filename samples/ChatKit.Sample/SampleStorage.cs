using Microsoft.EntityFrameworkCore;
using MongoDB.Driver;

namespace ChatKit.Sample;

/// <summary>The sample's <c>ChatKit__Storage</c> switch and <c>ConnectionStrings__Redis</c> scale-out switch.</summary>
internal static class SampleStorage
{
    public static ChatKitBuilder UseConfiguredStorage(this ChatKitBuilder chat, IConfiguration configuration)
    {
        var storage = configuration["ChatKit:Storage"] ?? "Sqlite";
        var connectionString = configuration.GetConnectionString("Chat");
        switch (storage.ToUpperInvariant())
        {
            case "SQLITE":
                var sqlite = connectionString ?? "Data Source=chatkit.db";
                chat.UseEntityFrameworkCore(o => o.UseSqlite(sqlite));

                // Attachments in a folder beside the database file: chatkit.db and chatkit-attachments/ side by side.
                var file = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(sqlite).DataSource;
                if (!string.IsNullOrEmpty(file) && file != ":memory:")
                {
                    var folder = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(file)) ?? ".", "chatkit-attachments");
                    chat.ConfigureAttachments(a => a.FileSystemPath ??= folder);
                }

                break;
            case "POSTGRES":
                chat.UseEntityFrameworkCore(o => o.UseNpgsql(connectionString
                    ?? throw new InvalidOperationException("ChatKit__Storage=Postgres needs ConnectionStrings__Chat, e.g. Host=localhost;Database=chatkit;Username=chat;Password=...")));
                break;
            case "MONGO":
                var url = new MongoUrl(connectionString
                    ?? throw new InvalidOperationException("ChatKit__Storage=Mongo needs ConnectionStrings__Chat, e.g. mongodb://localhost:27017/chatkit"));
                chat.UseMongo(url.ToString(), url.DatabaseName ?? "chatkit");
                break;
            case "INMEMORY":
                break;
            default:
                throw new InvalidOperationException($"ChatKit__Storage is '{storage}'; use Sqlite, Postgres, Mongo or InMemory.");
        }

        var redis = configuration.GetConnectionString("Redis");
        if (!string.IsNullOrWhiteSpace(redis))
        {
            chat.UseRedis(redis);
        }

        return chat;
    }

    /// <summary>The folder of the sample's own files: the SQLite database's folder, or the working folder.</summary>
    public static string DataFolder(IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Chat");
        var storage = configuration["ChatKit:Storage"] ?? "Sqlite";
        if (storage.Equals("Sqlite", StringComparison.OrdinalIgnoreCase))
        {
            var file = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connectionString ?? "Data Source=chatkit.db").DataSource;
            if (!string.IsNullOrEmpty(file) && file != ":memory:")
            {
                return Path.GetDirectoryName(Path.GetFullPath(file)) ?? Directory.GetCurrentDirectory();
            }
        }

        return Directory.GetCurrentDirectory();
    }
}
