using Microsoft.Extensions.Options;

namespace ChatKit.Internal;

/// <summary>Checks <see cref="ChatKitOptions"/> at start-up.</summary>
internal sealed class ChatKitOptionsValidator : IValidateOptions<ChatKitOptions>
{
    public ValidateOptionsResult Validate(string? name, ChatKitOptions options)
    {
        var failures = new List<string>();
        Range(failures, "ChatKit:MaxContentLength", options.MaxContentLength, 1, 100_000);
        Range(failures, "ChatKit:MaxConversationNameLength", options.MaxConversationNameLength, 1, 1_000);
        Range(failures, "ChatKit:MaxGroupParticipants", options.MaxGroupParticipants, 2, 100_000);
        Range(failures, "ChatKit:MaxIdLength", options.MaxIdLength, 1, 1_024);
        if (options.TypingTimeout < TimeSpan.FromSeconds(1) || options.TypingTimeout > TimeSpan.FromMinutes(5))
        {
            failures.Add($"ChatKit:TypingTimeout must be between 00:00:01 and 00:05:00; it is {options.TypingTimeout}.");
        }

        if (options.SendRateLimit is null)
        {
            failures.Add("ChatKit:SendRateLimit must not be null.");
        }
        else
        {
            Range(failures, "ChatKit:SendRateLimit:PermitLimit", options.SendRateLimit.PermitLimit, 1, 1_000_000);
            if (options.SendRateLimit.Window < TimeSpan.FromMilliseconds(1) || options.SendRateLimit.Window > TimeSpan.FromHours(1))
            {
                failures.Add($"ChatKit:SendRateLimit:Window must be between 00:00:00.001 and 01:00:00; it is {options.SendRateLimit.Window}.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Range(List<string> failures, string key, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{key} must be between {min} and {max}; it is {value}.");
        }
    }
}
