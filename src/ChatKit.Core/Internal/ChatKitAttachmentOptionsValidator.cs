using Microsoft.Extensions.Options;

namespace ChatKit.Internal;

/// <summary>Checks <see cref="ChatKitAttachmentOptions"/> at start-up.</summary>
internal sealed class ChatKitAttachmentOptionsValidator : IValidateOptions<ChatKitAttachmentOptions>
{
    public ValidateOptionsResult Validate(string? name, ChatKitAttachmentOptions options)
    {
        var failures = new List<string>();
        if (options.MaxSize < 1 || options.MaxSize > 4L * 1024 * 1024 * 1024)
        {
            failures.Add($"ChatKit:Attachments:MaxSize must be between 1 and 4294967296 bytes; it is {options.MaxSize}.");
        }

        if (options.AllowedContentTypes is null || options.AllowedContentTypes.Count == 0
            || options.AllowedContentTypes.Any(t => string.IsNullOrWhiteSpace(t) || !t.Contains('/', StringComparison.Ordinal)))
        {
            failures.Add("ChatKit:Attachments:AllowedContentTypes needs at least one media type, each type/subtype or type/*.");
        }

        if (options.MaxAttachmentsPerMessage is < 1 or > 100)
        {
            failures.Add($"ChatKit:Attachments:MaxAttachmentsPerMessage must be between 1 and 100; it is {options.MaxAttachmentsPerMessage}.");
        }

        if (options.MaxFileNameLength is < 16 or > 1_024)
        {
            failures.Add($"ChatKit:Attachments:MaxFileNameLength must be between 16 and 1024; it is {options.MaxFileNameLength}.");
        }

        if (options.UnsentLifetime < TimeSpan.FromMinutes(1) || options.UnsentLifetime > TimeSpan.FromDays(30))
        {
            failures.Add($"ChatKit:Attachments:UnsentLifetime must be between 00:01:00 and 30.00:00:00; it is {options.UnsentLifetime}.");
        }

        if (options.SweepInterval < TimeSpan.FromSeconds(1) || options.SweepInterval > TimeSpan.FromDays(1))
        {
            failures.Add($"ChatKit:Attachments:SweepInterval must be between 00:00:01 and 1.00:00:00; it is {options.SweepInterval}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
