using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace ChatKit.Notifications.Fcm.Internal;

/// <summary>Checks <see cref="ChatKitFcmOptions"/> at start-up.</summary>
internal sealed partial class ChatKitFcmOptionsValidator : IValidateOptions<ChatKitFcmOptions>
{
    public ValidateOptionsResult Validate(string? name, ChatKitFcmOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ProjectId) || !ProjectIdPattern().IsMatch(options.ProjectId))
        {
            failures.Add($"ChatKit:Fcm:ProjectId is required: the Firebase project id (lowercase letters, digits and hyphens); it is '{options.ProjectId}'.");
        }

        if (options.Endpoint is not { IsAbsoluteUri: true } endpoint || (endpoint.Scheme != Uri.UriSchemeHttps && endpoint.Scheme != Uri.UriSchemeHttp))
        {
            failures.Add($"ChatKit:Fcm:Endpoint must be an absolute http or https URL; it is '{options.Endpoint}'.");
        }

        var sources = new[] { options.ServiceAccountJson is not null, options.ServiceAccountFile is not null, options.AccessTokenProvider is not null }.Count(s => s);
        if (sources != 1)
        {
            failures.Add("ChatKit:Fcm needs exactly one credential: ServiceAccountJson, ServiceAccountFile or AccessTokenProvider.");
        }

        if (options.ServiceAccountFile is { } file && !File.Exists(file))
        {
            failures.Add($"ChatKit:Fcm:ServiceAccountFile does not exist: {file}.");
        }

        if (options.MaxBodyLength is < 1 or > 1_000)
        {
            failures.Add($"ChatKit:Fcm:MaxBodyLength must be between 1 and 1000; it is {options.MaxBodyLength}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")]
    private static partial Regex ProjectIdPattern();
}
