using Microsoft.Extensions.Options;

namespace ChatKit.Internal.Outbox;

/// <summary>Checks <see cref="ChatKitOutboxOptions"/> at start-up.</summary>
internal sealed class ChatKitOutboxOptionsValidator : IValidateOptions<ChatKitOutboxOptions>
{
    public ValidateOptionsResult Validate(string? name, ChatKitOutboxOptions options)
    {
        var failures = new List<string>();
        Between(failures, "LeaseDuration", options.LeaseDuration, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));
        Between(failures, "DeliveryTimeout", options.DeliveryTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        if (options.LeaseDuration <= options.DeliveryTimeout)
        {
            failures.Add($"ChatKit:Outbox:LeaseDuration ({options.LeaseDuration}) must be longer than ChatKit:Outbox:DeliveryTimeout ({options.DeliveryTimeout}), so a lease outlives one delivery.");
        }

        Between(failures, "PollInterval", options.PollInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(1));
        if (options.BatchSize is < 1 or > 1_000)
        {
            failures.Add($"ChatKit:Outbox:BatchSize must be between 1 and 1000; it is {options.BatchSize}.");
        }

        if (options.MaxAttempts is < 1 or > 100)
        {
            failures.Add($"ChatKit:Outbox:MaxAttempts must be between 1 and 100; it is {options.MaxAttempts}.");
        }

        Between(failures, "RetryBaseDelay", options.RetryBaseDelay, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1));
        Between(failures, "RetryMaxDelay", options.RetryMaxDelay, options.RetryBaseDelay, TimeSpan.FromDays(7));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Between(List<string> failures, string key, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            failures.Add($"ChatKit:Outbox:{key} must be between {min} and {max}; it is {value}.");
        }
    }
}
