using Microsoft.Extensions.Options;

namespace ChatKit.Internal.Notifications;

/// <summary>Checks <see cref="ChatKitNotificationOptions"/> at start-up.</summary>
internal sealed class ChatKitNotificationOptionsValidator : IValidateOptions<ChatKitNotificationOptions>
{
    public ValidateOptionsResult Validate(string? name, ChatKitNotificationOptions options)
    {
        var failures = new List<string>();
        if (options.BatchWindow < TimeSpan.Zero || options.BatchWindow > TimeSpan.FromMinutes(10))
        {
            failures.Add($"ChatKit:Notifications:BatchWindow must be between {TimeSpan.Zero} and {TimeSpan.FromMinutes(10)}; it is {options.BatchWindow}.");
        }

        if (options.MaxMessagesPerNotification is < 1 or > 100)
        {
            failures.Add($"ChatKit:Notifications:MaxMessagesPerNotification must be between 1 and 100; it is {options.MaxMessagesPerNotification}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
