using Microsoft.Extensions.Options;

namespace ChatKit.Internal;

/// <summary>Checks <see cref="ChatKitOptions"/> at start-up.</summary>
internal sealed partial class ChatKitOptionsValidator : IValidateOptions<ChatKitOptions>
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

        Range(failures, "ChatKit:MaxDisplayNameLength", options.MaxDisplayNameLength, 1, 1_000);
        Range(failures, "ChatKit:MaxConnectionsPerUser", options.MaxConnectionsPerUser, 1, 100_000);
        Extensibility(failures, options);
        RateLimit(failures, "SendRateLimit", options.SendRateLimit);
        RateLimit(failures, "TypingRateLimit", options.TypingRateLimit);
        RateLimit(failures, "MarkAsReadRateLimit", options.MarkAsReadRateLimit);
        RateLimit(failures, "CreateConversationRateLimit", options.CreateConversationRateLimit);
        RateLimit(failures, "ManageParticipantsRateLimit", options.ManageParticipantsRateLimit);
        RateLimit(failures, "JoinRoomRateLimit", options.JoinRoomRateLimit);
        RateLimit(failures, "GetOnlineUsersRateLimit", options.GetOnlineUsersRateLimit);
        RateLimit(failures, "QueryRateLimit", options.QueryRateLimit);
        RateLimit(failures, "DeleteMessageRateLimit", options.DeleteMessageRateLimit);
        Range(failures, "ChatKit:DeliveryReceiptsMaxParticipants", options.DeliveryReceiptsMaxParticipants, 0, 100_000);
        Range(failures, "ChatKit:MaxMetadataBytes", options.MaxMetadataBytes, 2, 1_000_000);
        Range(failures, "ChatKit:MaxPushRegistrationsPerUser", options.MaxPushRegistrationsPerUser, 1, 1_000);
        RateLimit(failures, "EditMessageRateLimit", options.EditMessageRateLimit);
        RateLimit(failures, "ReactionRateLimit", options.ReactionRateLimit);
        RateLimit(failures, "UploadAttachmentRateLimit", options.UploadAttachmentRateLimit);
        RateLimit(failures, "PushRegistrationRateLimit", options.PushRegistrationRateLimit);
        Range(failures, "ChatKit:MaxReactionEmojiLength", options.MaxReactionEmojiLength, 1, 256);
        Range(failures, "ChatKit:MaxDistinctReactionsPerMessage", options.MaxDistinctReactionsPerMessage, 1, 1_000);
        if (options.SyncRetention < TimeSpan.FromMinutes(1) || options.SyncRetention > TimeSpan.FromDays(3650))
        {
            failures.Add($"ChatKit:SyncRetention must be between 00:01:00 and 3650.00:00:00; it is {options.SyncRetention}.");
        }

        if (options.EventPurgeInterval < TimeSpan.FromMinutes(1) || options.EventPurgeInterval > TimeSpan.FromDays(1))
        {
            failures.Add($"ChatKit:EventPurgeInterval must be between 00:01:00 and 1.00:00:00; it is {options.EventPurgeInterval}.");
        }

        if (options.EditWindow is { } window && (window < TimeSpan.FromSeconds(1) || window > TimeSpan.FromDays(365)))
        {
            failures.Add($"ChatKit:EditWindow must be between 00:00:01 and 365.00:00:00 when set; it is {window}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void RateLimit(List<string> failures, string name, RateLimitOptions? limit)
    {
        if (limit is null)
        {
            failures.Add($"ChatKit:{name} must not be null.");
            return;
        }

        Range(failures, $"ChatKit:{name}:PermitLimit", limit.PermitLimit, 1, 1_000_000);
        if (limit.Window < TimeSpan.FromMilliseconds(1) || limit.Window > TimeSpan.FromHours(1))
        {
            failures.Add($"ChatKit:{name}:Window must be between 00:00:00.001 and 01:00:00; it is {limit.Window}.");
        }
    }

    private static void Range(List<string> failures, string key, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{key} must be between {min} and {max}; it is {value}.");
        }
    }
}
