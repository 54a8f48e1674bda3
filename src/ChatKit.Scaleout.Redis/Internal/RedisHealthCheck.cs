using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace ChatKit.Scaleout.Redis.Internal;

/// <summary>
/// Reports whether this node reaches Redis: a PING answered is healthy (with its latency), anything else is reported with
/// the registration's failure status (unhealthy by default). Registered by <c>UseRedis</c> as
/// <see cref="ChatKitRedisOptions.HealthCheckName"/>.
/// </summary>
internal sealed class RedisHealthCheck(RedisConnection redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            var multiplexer = await redis.GetReadyMultiplexerAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            if (!multiplexer.IsConnected)
            {
                return new HealthCheckResult(context.Registration.FailureStatus, "Redis is not connected; this node works alone until it is back.");
            }

            var ping = multiplexer.GetDatabase().PingAsync();
            if (!await redis.WaitBoundedAsync(ping.WaitAsync(cancellationToken)).ConfigureAwait(false))
            {
                return new HealthCheckResult(context.Registration.FailureStatus, "Redis is connected but not answering; this node works alone until it does.");
            }

            var latency = ping.Result;
            return HealthCheckResult.Healthy(
                $"Redis answered PING in {latency.TotalMilliseconds:0.###} ms.",
                new Dictionary<string, object> { ["latencyMs"] = latency.TotalMilliseconds });
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "Redis is not reachable; this node works alone until it is back.", ex);
        }
    }
}
