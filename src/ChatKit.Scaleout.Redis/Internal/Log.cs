using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ChatKit.Scaleout.Redis.Internal;

/// <summary>ChatKit.Scaleout.Redis's log messages.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Connecting to Redis at {Configuration}.")]
    public static partial void Connecting(ILogger logger, string configuration);

    [LoggerMessage(2, LogLevel.Warning, "Redis is not reachable yet; ChatKit keeps retrying and works on this node alone meanwhile.")]
    public static partial void NotConnectedYet(ILogger logger);

    [LoggerMessage(3, LogLevel.Warning, "Lost the connection to Redis at {EndPoint} ({FailureType}); retrying.")]
    public static partial void ConnectionFailed(ILogger logger, string? endPoint, ConnectionFailureType failureType, Exception? exception);

    [LoggerMessage(4, LogLevel.Information, "The connection to Redis at {EndPoint} is back.")]
    public static partial void ConnectionRestored(ILogger logger, string? endPoint);

    [LoggerMessage(10, LogLevel.Warning, "Presence {Operation} for user {UserId} failed against Redis; this node keeps the connection and resynchronises when Redis is back.")]
    public static partial void PresenceDegraded(ILogger logger, string operation, string userId, Exception exception);

    [LoggerMessage(11, LogLevel.Warning, "Reading presence from Redis failed; answering from this node's connections only.")]
    public static partial void PresenceReadDegraded(ILogger logger, Exception exception);

    [LoggerMessage(12, LogLevel.Debug, "Node {NodeId} heartbeat failed; retrying at the next interval.")]
    public static partial void HeartbeatFailed(ILogger logger, string nodeId, Exception exception);

    [LoggerMessage(13, LogLevel.Information, "Node {NodeId} resynchronised its connections with Redis: {Added} added, {Removed} removed.")]
    public static partial void Resynchronised(ILogger logger, string nodeId, int added, int removed);

    [LoggerMessage(14, LogLevel.Warning, "Node {DeadNodeId} stopped its heartbeat; node {NodeId} removed its {Count} users' connections.")]
    public static partial void NodeReaped(ILogger logger, string deadNodeId, string nodeId, int count);

    [LoggerMessage(15, LogLevel.Debug, "Looking for dead nodes failed on node {NodeId}; retrying at the next interval.")]
    public static partial void ReaperFailed(ILogger logger, string nodeId, Exception exception);

    [LoggerMessage(16, LogLevel.Warning, "Resynchronising node {NodeId} with Redis failed; retrying at the next heartbeat.")]
    public static partial void ResyncFailed(ILogger logger, string nodeId, Exception exception);

    [LoggerMessage(17, LogLevel.Information, "Node {NodeId} joined the cluster under key prefix {KeyPrefix}.")]
    public static partial void NodeStarted(ILogger logger, string nodeId, string keyPrefix);

    [LoggerMessage(18, LogLevel.Warning, "Reporting user {UserId} offline failed after their node died.")]
    public static partial void OfflineNotPublished(ILogger logger, string userId, Exception exception);

    [LoggerMessage(19, LogLevel.Error, "Presence maintenance on node {NodeId} failed; it runs again at the next interval.")]
    public static partial void MaintenanceFailed(ILogger logger, string nodeId, Exception exception);

    [LoggerMessage(20, LogLevel.Warning, "The Redis backplane could not take {Operation}; delivered to this node's connections only.")]
    public static partial void BackplaneFallback(ILogger logger, string operation, Exception exception);

    [LoggerMessage(21, LogLevel.Warning, "Counting the send rate limit in Redis failed; counting on this node until Redis is back.")]
    public static partial void RateLimitDegraded(ILogger logger, Exception exception);

    [LoggerMessage(22, LogLevel.Debug, "Writing an event to a connection of this node failed; SignalR closes the connection and its client catches up.")]
    public static partial void LocalWriteFailed(ILogger logger, Exception exception);
}
