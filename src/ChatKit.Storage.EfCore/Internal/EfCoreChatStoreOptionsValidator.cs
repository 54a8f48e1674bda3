using Microsoft.Extensions.Options;

namespace ChatKit.Storage.EfCore.Internal;

/// <summary>Checks <see cref="EfCoreChatStoreOptions"/> at start-up.</summary>
internal sealed class EfCoreChatStoreOptionsValidator : IValidateOptions<EfCoreChatStoreOptions>
{
    private static readonly TimeSpan MaxBusyTimeout = TimeSpan.FromMinutes(10);

    public ValidateOptionsResult Validate(string? name, EfCoreChatStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return IsValidBusyTimeout(options.SqliteBusyTimeout)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(BusyTimeoutMessage(options.SqliteBusyTimeout));
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
