using Microsoft.Extensions.Options;

namespace ChatKit.Storage.Mongo.Internal;

/// <summary>Checks <see cref="MongoChatStoreOptions"/> at start-up.</summary>
internal sealed class MongoChatStoreOptionsValidator : IValidateOptions<MongoChatStoreOptions>
{
    internal const int MaxPrefixLength = 64;
    internal static readonly TimeSpan MinReservationTimeout = TimeSpan.FromSeconds(1);
    internal static readonly TimeSpan MaxReservationTimeout = TimeSpan.FromMinutes(10);
    internal static readonly TimeSpan MinGapTimeout = TimeSpan.FromMilliseconds(100);
    internal static readonly TimeSpan MaxGapTimeout = TimeSpan.FromMinutes(10);

    public ValidateOptionsResult Validate(string? name, MongoChatStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var prefix = options.CollectionPrefix;
        if (prefix is null
            || prefix.Length > MaxPrefixLength
            || !prefix.All(IsAllowed)
            || prefix.StartsWith("system.", StringComparison.Ordinal))
        {
            failures.Add($"ChatKit:Mongo:CollectionPrefix must be at most {MaxPrefixLength} letters, digits, '_', '-' or '.', not starting with 'system.'; it is '{prefix}'.");
        }

        if (options.TempIdReservationTimeout < MinReservationTimeout || options.TempIdReservationTimeout > MaxReservationTimeout)
        {
            failures.Add($"ChatKit:Mongo:TempIdReservationTimeout must be between {MinReservationTimeout} and {MaxReservationTimeout}; it is {options.TempIdReservationTimeout}.");
        }

        if (options.SeqGapTimeout < MinGapTimeout || options.SeqGapTimeout > MaxGapTimeout)
        {
            failures.Add($"ChatKit:Mongo:SeqGapTimeout must be between {MinGapTimeout} and {MaxGapTimeout}; it is {options.SeqGapTimeout}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsAllowed(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.';
}
