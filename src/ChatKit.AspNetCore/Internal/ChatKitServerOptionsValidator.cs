using Microsoft.Extensions.Options;

namespace ChatKit.AspNetCore.Internal;

internal sealed class ChatKitServerOptionsValidator : IValidateOptions<ChatKitServerOptions>
{
    public ValidateOptionsResult Validate(string? name, ChatKitServerOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.UserIdClaimType))
        {
            failures.Add("ChatKitServerOptions.UserIdClaimType must name a claim type.");
        }

        if (string.IsNullOrWhiteSpace(options.UserNameClaimType))
        {
            failures.Add("ChatKitServerOptions.UserNameClaimType must name a claim type.");
        }

        if (options.MaximumReceiveMessageSize is < 1024 or > 16 * 1024 * 1024)
        {
            failures.Add($"ChatKitServerOptions.MaximumReceiveMessageSize must be between 1024 and 16777216 bytes; it is {options.MaximumReceiveMessageSize}.");
        }

        if (options.MaxRequestBodySize is < 1024 or > 16 * 1024 * 1024)
        {
            failures.Add($"ChatKitServerOptions.MaxRequestBodySize must be between 1024 and 16777216 bytes; it is {options.MaxRequestBodySize}.");
        }

        if (options.KeepAliveInterval <= TimeSpan.Zero)
        {
            failures.Add("ChatKitServerOptions.KeepAliveInterval must be positive.");
        }

        if (options.ClientTimeoutInterval < options.KeepAliveInterval * 2)
        {
            failures.Add("ChatKitServerOptions.ClientTimeoutInterval must be at least twice KeepAliveInterval.");
        }

        if (options.HandshakeTimeout <= TimeSpan.Zero)
        {
            failures.Add("ChatKitServerOptions.HandshakeTimeout must be positive.");
        }

        if (options.SendTimeout < TimeSpan.FromSeconds(1) || options.SendTimeout > TimeSpan.FromMinutes(5))
        {
            failures.Add($"ChatKitServerOptions.SendTimeout must be between 1 second and 5 minutes; it is {options.SendTimeout}.");
        }

        if (options.AttachmentUrlLifetime < TimeSpan.FromMinutes(10) || options.AttachmentUrlLifetime > TimeSpan.FromDays(7))
        {
            failures.Add($"ChatKitServerOptions.AttachmentUrlLifetime must be between 10 minutes and 7 days; it is {options.AttachmentUrlLifetime}.");
        }

        if (options.AttachmentUrlSigningKey is { } key && !IsKey(key))
        {
            failures.Add("ChatKitServerOptions.AttachmentUrlSigningKey must be base64 of at least 32 bytes.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsKey(string key)
    {
        var bytes = new byte[key.Length];
        return Convert.TryFromBase64String(key, bytes, out var length) && length >= 32;
    }
}
