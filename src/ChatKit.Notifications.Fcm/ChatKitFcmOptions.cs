namespace ChatKit.Notifications.Fcm;

/// <summary>
/// How ChatKit sends offline notifications through Firebase Cloud Messaging (the HTTP v1 API). Set with
/// <c>AddChatKit().AddFcm(fcm => …)</c>; validated at start-up.
/// </summary>
public sealed class ChatKitFcmOptions
{
    /// <summary>The name of the <see cref="System.Net.Http.HttpClient"/> ChatKit sends with; configure it further with <c>services.AddHttpClient(ChatKitFcmOptions.HttpClientName)…</c>.</summary>
    public const string HttpClientName = "ChatKit.Fcm";

    /// <summary>The Firebase project id (required): messages go to <c>{Endpoint}/v1/projects/{ProjectId}/messages:send</c>.</summary>
    public string? ProjectId { get; set; }

    /// <summary>The FCM API's base address. Default <c>https://fcm.googleapis.com/</c>; an absolute http or https URL (a proxy, or a local server in tests).</summary>
    public Uri Endpoint { get; set; } = new("https://fcm.googleapis.com/");

    /// <summary>
    /// The Google service account key (the JSON file's text) whose OAuth2 access tokens authorize the requests (scope
    /// <c>https://www.googleapis.com/auth/firebase.messaging</c>); tokens are exchanged at its <c>token_uri</c> and cached
    /// until shortly before they expire. One of this, <see cref="ServiceAccountFile"/> or <see cref="AccessTokenProvider"/>.
    /// </summary>
    public string? ServiceAccountJson { get; set; }

    /// <summary>The path of the Google service account key file; as <see cref="ServiceAccountJson"/>, read at start-up.</summary>
    public string? ServiceAccountFile { get; set; }

    /// <summary>
    /// The host's own source of access tokens (for example workload identity), called before each notification; it caches
    /// them itself. Instead of a service account key.
    /// </summary>
    public Func<CancellationToken, ValueTask<string>>? AccessTokenProvider { get; set; }

    /// <summary>The longest notification body, in characters (longer text is cut with an ellipsis). Default 200; 1 to 1,000.</summary>
    public int MaxBodyLength { get; set; } = 200;
}
