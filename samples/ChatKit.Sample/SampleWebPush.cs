using System.Text.Json;
using ChatKit.Notifications.WebPush;

namespace ChatKit.Sample;

/// <summary>
/// The sample's Web Push: <c>WebPush__Subject</c>, <c>WebPush__PublicKey</c> and <c>WebPush__PrivateKey</c> when set;
/// otherwise a development key pair generated at first run into <c>webpush-vapid.json</c> beside the SQLite database
/// (the sample's data folder; git ignores it), so the page's notifications work out of the box. <c>WebPush__Enabled=false</c>
/// turns Web Push off.
/// </summary>
internal static class SampleWebPush
{
    public const string KeyFileName = "webpush-vapid.json";

    public static ChatKitBuilder AddSampleWebPush(this ChatKitBuilder chat, IConfiguration configuration, ILogger? logger = null)
    {
        if (!configuration.GetValue("WebPush:Enabled", true))
        {
            return chat;
        }

        var (publicKey, privateKey) = (configuration["WebPush:PublicKey"], configuration["WebPush:PrivateKey"]);
        if (string.IsNullOrEmpty(publicKey) || string.IsNullOrEmpty(privateKey))
        {
            (publicKey, privateKey) = DevelopmentKeys(Path.Combine(SampleStorage.DataFolder(configuration), KeyFileName), logger);
        }

        return chat.AddWebPush(o =>
        {
            o.Subject = configuration["WebPush:Subject"] is { Length: > 0 } subject ? subject : "mailto:chatkit-sample@example.com";
            o.PublicKey = publicKey;
            o.PrivateKey = privateKey;
        });
    }

    /// <summary>The key pair in <paramref name="path"/>, generated and written there first when the file does not exist.</summary>
    private static (string PublicKey, string PrivateKey) DevelopmentKeys(string path, ILogger? logger)
    {
        if (File.Exists(path))
        {
            var saved = JsonSerializer.Deserialize<KeyFile>(File.ReadAllText(path))
                ?? throw new InvalidOperationException($"{path} is empty; delete it to generate a new VAPID key pair.");
            return (saved.PublicKey, saved.PrivateKey);
        }

        var (publicKey, privateKey) = VapidKeys.Generate();
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, JsonSerializer.Serialize(new KeyFile(publicKey, privateKey)));
        logger?.LogWarning("Generated a development VAPID key pair into {Path}; set WebPush__PublicKey and WebPush__PrivateKey for real use.", path);
        return (publicKey, privateKey);
    }

    private sealed record KeyFile(string PublicKey, string PrivateKey);
}
