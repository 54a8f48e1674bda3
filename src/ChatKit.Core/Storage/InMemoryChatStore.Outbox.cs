namespace ChatKit.Storage;

/// <summary>The outbox's leases, checkpoints and retry entries, in memory (under the store's one lock).</summary>
public sealed partial class InMemoryChatStore : IChatOutboxStore
{
    private readonly Dictionary<string, (string Owner, DateTimeOffset ExpiresAt)> _outboxLeases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OutboxCheckpoint> _outboxCheckpoints = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Sink, string EventId), OutboxRetryEntry> _outboxRetries = [];

    /// <inheritdoc/>
    public Task<bool> TryAcquireOutboxLeaseAsync(string name, string owner, DateTimeOffset now, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(owner);
        lock (_gate)
        {
            if (_outboxLeases.TryGetValue(name, out var lease) && lease.Owner != owner && lease.ExpiresAt > now)
            {
                return Task.FromResult(false);
            }

            _outboxLeases[name] = (owner, now + duration);
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc/>
    public Task ReleaseOutboxLeaseAsync(string name, string owner, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_outboxLeases.TryGetValue(name, out var lease) && lease.Owner == owner)
            {
                _outboxLeases.Remove(name);
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<OutboxCheckpoint?> GetOutboxCheckpointAsync(string sink, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_outboxCheckpoints.GetValueOrDefault(sink));
        }
    }

    /// <inheritdoc/>
    public Task<bool> SaveOutboxCheckpointAsync(string sink, string cursor, long expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(cursor);
        lock (_gate)
        {
            var version = _outboxCheckpoints.TryGetValue(sink, out var current) ? current.Version : 0;
            if (version != expectedVersion)
            {
                return Task.FromResult(false);
            }

            _outboxCheckpoints[sink] = new OutboxCheckpoint(cursor, version + 1);
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc/>
    public Task SaveOutboxRetryAsync(OutboxRetryEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_gate)
        {
            _outboxRetries[(entry.Sink, entry.EventId)] = entry;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<OutboxRetryEntry>> GetDueOutboxRetriesAsync(string sink, DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<OutboxRetryEntry>>(
                [.. _outboxRetries.Values
                    .Where(e => e.Sink == sink && !e.IsDeadLettered && e.NextAttemptAt <= now)
                    .OrderBy(e => e.NextAttemptAt)
                    .ThenBy(e => e.EventId, StringComparer.Ordinal)
                    .Take(limit)]);
        }
    }

    /// <inheritdoc/>
    public Task<bool> DeleteOutboxRetryAsync(string sink, string eventId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_outboxRetries.Remove((sink, eventId)));
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<OutboxRetryEntry>> GetOutboxDeadLettersAsync(string? sink, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<OutboxRetryEntry>>(
                [.. _outboxRetries.Values
                    .Where(e => e.IsDeadLettered && (sink is null || e.Sink == sink))
                    .OrderBy(e => e.OccurredAt)
                    .ThenBy(e => e.EventId, StringComparer.Ordinal)
                    .Take(limit)]);
        }
    }

    /// <inheritdoc/>
    public Task<bool> RequeueOutboxDeadLetterAsync(string sink, string eventId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_outboxRetries.TryGetValue((sink, eventId), out var entry) || !entry.IsDeadLettered)
            {
                return Task.FromResult(false);
            }

            _outboxRetries[(sink, eventId)] = entry with { IsDeadLettered = false, Attempts = 0, NextAttemptAt = now };
            return Task.FromResult(true);
        }
    }
}
