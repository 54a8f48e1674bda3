using Microsoft.EntityFrameworkCore;

namespace ChatKit.Storage.EfCore.Internal;

/// <summary>The outbox's tables: leases, checkpoints and retry entries (the events themselves are the event log's).</summary>
internal static partial class ChatKitModel
{
    public const string OutboxLeasesTable = "chatkit_outbox_leases";
    public const string OutboxCheckpointsTable = "chatkit_outbox_checkpoints";
    public const string OutboxRetriesTable = "chatkit_outbox_retries";

    private static void ConfigureOutbox(ModelBuilder modelBuilder, string? schema)
    {
        modelBuilder.Entity<OutboxLeaseEntity>(e =>
        {
            e.ToTable(OutboxLeasesTable, schema);
            e.HasKey(l => l.Name).HasName("pk_chatkit_outbox_leases");
            e.Property(l => l.Name).HasColumnName("name").ValueGeneratedNever();
            e.Property(l => l.Owner).HasColumnName("owner");
            e.Property(l => l.ExpiresAt).HasColumnName("expires_at");
        });

        modelBuilder.Entity<OutboxCheckpointEntity>(e =>
        {
            e.ToTable(OutboxCheckpointsTable, schema);
            e.HasKey(c => c.Sink).HasName("pk_chatkit_outbox_checkpoints");
            e.Property(c => c.Sink).HasColumnName("sink").ValueGeneratedNever();
            e.Property(c => c.Cursor).HasColumnName("cursor");
            e.Property(c => c.Version).HasColumnName("version");
        });

        modelBuilder.Entity<OutboxRetryEntity>(e =>
        {
            e.ToTable(OutboxRetriesTable, schema);
            e.HasKey(r => new { r.Sink, r.EventId }).HasName("pk_chatkit_outbox_retries");
            e.Property(r => r.Sink).HasColumnName("sink");
            e.Property(r => r.EventId).HasColumnName("event_id");
            e.Property(r => r.EventType).HasColumnName("event_type");
            e.Property(r => r.Payload).HasColumnName("payload");
            e.Property(r => r.OccurredAt).HasColumnName("occurred_at");
            e.Property(r => r.Attempts).HasColumnName("attempts");
            e.Property(r => r.NextAttemptAt).HasColumnName("next_attempt_at");
            e.Property(r => r.LastError).HasColumnName("last_error");
            e.Property(r => r.DeadLettered).HasColumnName("dead_lettered");

            // A sink's due entries: a range of this index.
            e.HasIndex(r => new { r.Sink, r.DeadLettered, r.NextAttemptAt }).HasDatabaseName("ix_chatkit_outbox_retries_due");
        });
    }
}

/// <summary>A row of <c>chatkit_outbox_leases</c>: who delivers to a sink, until when.</summary>
internal sealed class OutboxLeaseEntity
{
    public string Name { get; set; } = string.Empty;

    public string Owner { get; set; } = string.Empty;

    public long ExpiresAt { get; set; }
}

/// <summary>A row of <c>chatkit_outbox_checkpoints</c>: how far in the event feed a sink got.</summary>
internal sealed class OutboxCheckpointEntity
{
    public string Sink { get; set; } = string.Empty;

    public string Cursor { get; set; } = string.Empty;

    public long Version { get; set; }
}

/// <summary>A row of <c>chatkit_outbox_retries</c>: an entry waiting for its next attempt, or dead-lettered.</summary>
internal sealed class OutboxRetryEntity
{
    public string Sink { get; set; } = string.Empty;

    public string EventId { get; set; } = string.Empty;

    public string EventType { get; set; } = string.Empty;

    public string Payload { get; set; } = string.Empty;

    public long OccurredAt { get; set; }

    public int Attempts { get; set; }

    public long NextAttemptAt { get; set; }

    public string? LastError { get; set; }

    public bool DeadLettered { get; set; }
}
