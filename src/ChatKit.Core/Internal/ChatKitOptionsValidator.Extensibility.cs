using ChatKit.Filters;

namespace ChatKit.Internal;

/// <summary>The checks of the filter and handler options.</summary>
internal sealed partial class ChatKitOptionsValidator
{
    private static void Extensibility(List<string> failures, ChatKitOptions options)
    {
        if (options.MessageFilterTimeout < TimeSpan.FromMilliseconds(10) || options.MessageFilterTimeout > TimeSpan.FromMinutes(1))
        {
            failures.Add($"ChatKit:MessageFilterTimeout must be between 00:00:00.010 and 00:01:00; it is {options.MessageFilterTimeout}.");
        }

        if (!Enum.IsDefined(options.MessageFilterFailure))
        {
            failures.Add($"ChatKit:MessageFilterFailure must be Reject or Skip; it is {options.MessageFilterFailure}.");
        }

        if (options.EventHandlerTimeout < TimeSpan.FromSeconds(1) || options.EventHandlerTimeout > TimeSpan.FromHours(1))
        {
            failures.Add($"ChatKit:EventHandlerTimeout must be between 00:00:01 and 01:00:00; it is {options.EventHandlerTimeout}.");
        }

        Range(failures, "ChatKit:EventHandlerQueueCapacity", options.EventHandlerQueueCapacity, 1, 1_000_000);
    }
}
