using Microsoft.Extensions.Options;

namespace ChatKit.Storage.EfCore.Internal;

/// <summary>Checks <see cref="EfCoreChatStoreOptions"/> at start-up.</summary>
internal sealed class EfCoreChatStoreOptionsValidator : IValidateOptions<EfCoreChatStoreOptions>
{
    private const int MaxQueue = 1_000_000;

    private static readonly TimeSpan MaxBusyTimeout = TimeSpan.FromMinutes(10);

    public ValidateOptionsResult Validate(string? name, EfCoreChatStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!IsValidBusyTimeout(options.SqliteBusyTimeout))
        {
            return ValidateOptionsResult.Fail(BusyTimeoutMessage(options.SqliteBusyTimeout));
        }

        return options.MaxQueuedAppends is >= 1 and <= MaxQueue
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"EfCoreChatStoreOptions.MaxQueuedAppends is {options.MaxQueuedAppends}; it must be between 1 and {MaxQueue}.");
    }

    public static void ThrowIfInvalidBusyTimeout(TimeSpan value)
    {
        if (!IsValidBusyTimeout(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, BusyTimeoutMessage(value));
        }
    }

    private static bool IsValidBusyTimeout(TimeSpan value) => value >= TimeSpan.Zero && value <= MaxBusyTimeout;

    private static string BusyTimeoutMessage(TimeSpan value) =>
        $"EfCoreChatStoreOptions.SqliteBusyTimeout is {value}; it must be between 0 and {MaxBusyTimeout}.";
}
