using Google.Apis.Auth.OAuth2;
using Microsoft.Extensions.Options;

namespace ChatKit.Notifications.Fcm.Internal;

/// <summary>
/// The OAuth2 bearer tokens of the FCM requests: from the host's delegate, or from a Google service account (Google.Apis.Auth
/// signs a JWT with the key, exchanges it at the key's <c>token_uri</c> and caches the token until shortly before it expires).
/// </summary>
internal sealed class FcmAccessTokens
{
    /// <summary>The OAuth2 scope of the FCM HTTP v1 API.</summary>
    public const string Scope = "https://www.googleapis.com/auth/firebase.messaging";

    private readonly Func<CancellationToken, ValueTask<string>> _get;

    public FcmAccessTokens(IOptions<ChatKitFcmOptions> options)
    {
        var settings = options.Value;
        if (settings.AccessTokenProvider is { } provider)
        {
            _get = provider;
            return;
        }

        var json = settings.ServiceAccountJson ?? File.ReadAllText(settings.ServiceAccountFile!);
        ITokenAccess credential = CredentialFactory.FromJson<ServiceAccountCredential>(json).ToGoogleCredential().CreateScoped(Scope);
        _get = ct => new ValueTask<string>(credential.GetAccessTokenForRequestAsync(cancellationToken: ct));
    }

    public ValueTask<string> GetAsync(CancellationToken cancellationToken) => _get(cancellationToken);
}
