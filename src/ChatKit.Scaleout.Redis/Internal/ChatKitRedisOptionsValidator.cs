using Microsoft.Extensions.Options;

namespace ChatKit.Scaleout.Redis.Internal;

/// <summary>Checks <see cref="ChatKitRedisOptions"/> at start-up.</summary>
internal sealed class ChatKitRedisOptionsValidator : IValidateOptions<ChatKitRedisOptions>
{
    private static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaxInterval = TimeSpan.FromMinutes(1);

    public ValidateOptionsResult Validate(string? name, ChatKitRedisOptions options)
    {
        var failures = new List<string>();
        Prefix(failures, "ChatKit:Redis:ChannelPrefix", options.ChannelPrefix);
        Prefix(failures, "ChatKit:Redis:KeyPrefix", options.KeyPrefix);
        if (options.NodeId is not null && (options.NodeId.Length is 0 or > 200 || options.NodeId.Any(char.IsWhiteSpace)))
        {
            failures.Add("ChatKit:Redis:NodeId must be 1 to 200 characters without white space, or null for a generated one.");
        }

        Interval(failures, "ChatKit:Redis:HeartbeatInterval", options.HeartbeatInterval);
        Interval(failures, "ChatKit:Redis:ReaperInterval", options.ReaperInterval);
        if (options.NodeTimeout < options.HeartbeatInterval * 2 || options.NodeTimeout > TimeSpan.FromMinutes(10))
        {
            failures.Add($"ChatKit:Redis:NodeTimeout must be at least twice HeartbeatInterval ({options.HeartbeatInterval * 2}) and at most 00:10:00; it is {options.NodeTimeout}.");
        }

        if (options.OperationTimeout < MinInterval || options.OperationTimeout > TimeSpan.FromSeconds(10))
        {
            failures.Add($"ChatKit:Redis:OperationTimeout must be between {MinInterval} and 00:00:10; it is {options.OperationTimeout}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Prefix(List<string> failures, string key, string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 100 || value.Any(char.IsWhiteSpace))
        {
            failures.Add($"{key} must be 1 to 100 characters without white space; it is '{value}'.");
        }
    }

    private static void Interval(List<string> failures, string key, TimeSpan value)
    {
        if (value < MinInterval || value > MaxInterval)
        {
            failures.Add($"{key} must be between {MinInterval} and {MaxInterval}; it is {value}.");
        }
    }
}
