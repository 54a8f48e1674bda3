using Microsoft.Extensions.Logging;

namespace ChatKit.Storage.EfCore.Internal;

/// <summary>ChatKit.Storage.EfCore's log messages.</summary>
internal static partial class Log
{
    [LoggerMessage(20, LogLevel.Warning, "The database is unreachable for the moment; the call fails with 'unavailable' and can be retried.")]
    public static partial void DatabaseUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(1, LogLevel.Information, "The database for ChatKit's tables did not exist; created it ({Context}).")]
    public static partial void DatabaseCreated(ILogger logger, string context);

    [LoggerMessage(2, LogLevel.Information, "Created ChatKit's tables ({Context}).")]
    public static partial void TablesCreated(ILogger logger, string context);

    [LoggerMessage(3, LogLevel.Debug, "ChatKit's tables exist ({Context}); nothing to create.")]
    public static partial void TablesExist(ILogger logger, string context);

    [LoggerMessage(4, LogLevel.Information, "Another process created ChatKit's tables at the same time ({Context}); using them.")]
    public static partial void TablesCreatedConcurrently(ILogger logger, string context, Exception exception);

    [LoggerMessage(5, LogLevel.Information, "Schema creation at start-up is off; the host creates ChatKit's tables ({Context}).")]
    public static partial void SchemaCreationOff(ILogger logger, string context);

    [LoggerMessage(6, LogLevel.Information, "EnsureCreated on the host's context {Context}: {Created}.")]
    public static partial void HostContextEnsured(ILogger logger, string context, bool created);

    [LoggerMessage(7, LogLevel.Debug, "A concurrent send by {SenderId} with the same tempId in conversation {ConversationId} won; returning its message {MessageId}.")]
    public static partial void TempIdRaceLost(ILogger logger, string senderId, string conversationId, string messageId, Exception exception);

    [LoggerMessage(8, LogLevel.Debug, "The direct conversation {ConversationId} of the pair was created concurrently; returning it.")]
    public static partial void DirectRaceLost(ILogger logger, string conversationId, Exception exception);

    [LoggerMessage(9, LogLevel.Error, "ChatKit's append writer failed with {Count} messages in hand; they were failed, and a new writer takes the queue.")]
    public static partial void AppendWriterFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(10, LogLevel.Information, "Upgraded ChatKit's schema ({Context}): {Step}.")]
    public static partial void SchemaUpgraded(ILogger logger, string context, string step);
}
