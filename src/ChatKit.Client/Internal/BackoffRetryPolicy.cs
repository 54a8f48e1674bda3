using Microsoft.AspNetCore.SignalR.Client;

namespace ChatKit.Client.Internal;

/// <summary>SignalR's automatic reconnect with the configured waits, then it gives up (the client's restart loop takes over).</summary>
internal sealed class BackoffRetryPolicy(IReadOnlyList<TimeSpan> delays) : IRetryPolicy
{
    public TimeSpan? NextRetryDelay(RetryContext retryContext) =>
        retryContext.PreviousRetryCount < delays.Count ? delays[(int)retryContext.PreviousRetryCount] : null;

    /// <summary>The wait before restart number <paramref name="attempt"/> (0-based): doubling from 1 s, capped, with jitter.</summary>
    public static TimeSpan RestartDelay(int attempt, TimeSpan max)
    {
        var seconds = Math.Min(max.TotalSeconds, Math.Pow(2, Math.Min(attempt, 16)));
        return TimeSpan.FromSeconds(seconds * (0.5 + (Random.Shared.NextDouble() / 2)));
    }
}
