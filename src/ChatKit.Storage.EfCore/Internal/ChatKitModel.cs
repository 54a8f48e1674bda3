using Microsoft.EntityFrameworkCore;

namespace ChatKit.Storage.EfCore.Internal;

/// <summary>ChatKit's tables, keys and indexes, added to ChatKit's own DbContext or to a host's.</summary>
internal static partial class ChatKitModel
{
    public const string ConversationsTable = "chatkit_conversations";
    public const string ParticipantsTable = "chatkit_participants";
    public const string MessagesTable = "chatkit_messages";
    public const string ReadPositionsTable = "chatkit_read_positions";
    public const string ReactionsTable = "chatkit_reactions";
    public const string EventsTable = "chatkit_events";
    public const string AttachmentsTable = "chatkit_attachments";

    public static void Configure(ModelBuilder modelBuilder, string? schema)
    {
        modelBuilder.Entity<ConversationEntity>(e =>
        {
            e.ToTable(ConversationsTable, schema);
            e.HasKey(c => c.Id).HasName("pk_chatkit_conversations");
            e.Property(c => c.Id).HasColumnName("id").ValueGeneratedNever();
            e.Property(c => c.Type).HasColumnName("type").HasConversion<string>().HasMaxLength(16);
            e.Property(c => c.Name).HasColumnName("name");
            e.Property(c => c.CreatedBy).HasColumnName("created_by");
            e.Property(c => c.CreatedAt).HasColumnName("created_at");
            e.Property(c => c.LastSeq).HasColumnName("last_seq");
            e.Property(c => c.LastActivityAt).HasColumnName("last_activity_at");
            e.Property(c => c.DirectKey).HasColumnName("direct_key");
            e.Property(c => c.ParticipantCounter).HasColumnName("participant_counter");
            e.Property(c => c.Metadata).HasColumnName("metadata");

            // One direct conversation per user pair (NULL for groups, and NULLs never collide).
            e.HasIndex(c => c.DirectKey).IsUnique().HasDatabaseName("ux_chatkit_conversations_direct_key");

            // A user's list is ordered by (last_activity_at, id) descending.
            e.HasIndex(c => new { c.LastActivityAt, c.Id }).HasDatabaseName("ix_chatkit_conversations_last_activity");

            e.HasMany(c => c.Participants)
                .WithOne()
                .HasForeignKey(p => p.ConversationId)
                .OnDelete(DeleteBehavior.Cascade)
                .HasConstraintName("fk_chatkit_participants_conversation");
        });

        modelBuilder.Entity<ParticipantEntity>(e =>
        {
            e.ToTable(ParticipantsTable, schema);
            e.HasKey(p => new { p.ConversationId, p.UserId }).HasName("pk_chatkit_participants");
            e.Property(p => p.ConversationId).HasColumnName("conversation_id");
            e.Property(p => p.UserId).HasColumnName("user_id");
            e.Property(p => p.Role).HasColumnName("role").HasConversion<string>().HasMaxLength(16);
            e.Property(p => p.JoinedAt).HasColumnName("joined_at");
            e.Property(p => p.Ordinal).HasColumnName("ordinal");
            e.Property(p => p.MutedUntil).HasColumnName("muted_until");

            // A user's conversations, and the people they share them with.
            e.HasIndex(p => new { p.UserId, p.ConversationId }).HasDatabaseName("ix_chatkit_participants_user");
        });

        modelBuilder.Entity<MessageEntity>(e =>
        {
            e.ToTable(MessagesTable, schema);
            e.HasKey(m => m.Id).HasName("pk_chatkit_messages");
            e.Property(m => m.Id).HasColumnName("id").ValueGeneratedNever();
            e.Property(m => m.ConversationId).HasColumnName("conversation_id");
            e.Property(m => m.Seq).HasColumnName("seq");
            e.Property(m => m.SenderId).HasColumnName("sender_id");
            e.Property(m => m.SenderName).HasColumnName("sender_name");
            e.Property(m => m.Content).HasColumnName("content");
            e.Property(m => m.Type).HasColumnName("type").HasConversion<string>().HasMaxLength(16);
            e.Property(m => m.TempId).HasColumnName("temp_id");
            e.Property(m => m.CreatedAt).HasColumnName("created_at");
            e.Property(m => m.EditedAt).HasColumnName("edited_at");
            e.Property(m => m.DeletedAt).HasColumnName("deleted_at");
            e.Property(m => m.Metadata).HasColumnName("metadata");
            e.Property(m => m.System).HasColumnName("system");
            e.Property(m => m.ReplyToId).HasColumnName("reply_to_id");
            e.Property(m => m.Mentions).HasColumnName("mentions");
            e.Property(m => m.Attachments).HasColumnName("attachments");

            // The order of a conversation: one message per seq, and every page is a range of this index.
            e.HasIndex(m => new { m.ConversationId, m.Seq }).IsUnique().HasDatabaseName("ux_chatkit_messages_conversation_seq");

            // The idempotency key of a send (messages without a tempId have NULL here and never collide).
            e.HasIndex(m => new { m.ConversationId, m.SenderId, m.TempId }).IsUnique().HasDatabaseName("ux_chatkit_messages_temp_id");

            e.HasOne<ConversationEntity>()
                .WithMany()
                .HasForeignKey(m => m.ConversationId)
                .OnDelete(DeleteBehavior.Cascade)
                .HasConstraintName("fk_chatkit_messages_conversation");
        });

        modelBuilder.Entity<ReadPositionEntity>(e =>
        {
            e.ToTable(ReadPositionsTable, schema);
            e.HasKey(r => new { r.ConversationId, r.UserId }).HasName("pk_chatkit_read_positions");
            e.Property(r => r.ConversationId).HasColumnName("conversation_id");
            e.Property(r => r.UserId).HasColumnName("user_id");
            e.Property(r => r.Seq).HasColumnName("seq");

            // A database default, so rows written without it (v1 rows, and the append's own upsert) mean "nothing more".
            e.Property(r => r.DeliveredSeq).HasColumnName("delivered_seq").HasDefaultValue(0L);

            e.HasOne<ConversationEntity>()
                .WithMany()
                .HasForeignKey(r => r.ConversationId)
                .OnDelete(DeleteBehavior.Cascade)
                .HasConstraintName("fk_chatkit_read_positions_conversation");
        });

        ConfigureReactions(modelBuilder, schema);
        ConfigureOutbox(modelBuilder, schema);
        ConfigureEvents(modelBuilder, schema);
        ConfigureEventAudiences(modelBuilder, schema);
        ConfigureAttachments(modelBuilder, schema);
        ConfigurePushRegistrations(modelBuilder, schema);
    }

    private static void ConfigureEvents(ModelBuilder modelBuilder, string? schema)
    {
        modelBuilder.Entity<EventEntity>(e =>
        {
            e.ToTable(EventsTable, schema);
            e.HasKey(v => v.Position).HasName("pk_chatkit_events");
            e.Property(v => v.Position).HasColumnName("position").ValueGeneratedOnAdd();
            e.Property(v => v.Tx).HasColumnName("tx");
            e.Property(v => v.Id).HasColumnName("id");
            e.Property(v => v.ConversationId).HasColumnName("conversation_id");
            e.Property(v => v.Type).HasColumnName("type").HasMaxLength(32);
            e.Property(v => v.SubjectId).HasColumnName("subject_id");
            e.Property(v => v.Payload).HasColumnName("payload");
            e.Property(v => v.OccurredAt).HasColumnName("occurred_at");

            // newMessage rows: the participant counter naming their audience in chatkit_event_audiences (null on rows
            // an older ChatKit wrote, whose payload holds the ids; added to existing databases by the schema upgrade).
            e.Property(v => v.Audience).HasColumnName("audience");

            // The feed's order, (tx, position), and a conversation's events in that order (a user's sync reads those).
            e.HasIndex(v => new { v.Tx, v.Position }).HasDatabaseName("ix_chatkit_events_feed");
            e.HasIndex(v => new { v.ConversationId, v.Tx, v.Position }).HasDatabaseName("ix_chatkit_events_conversation");

            // The retention purge, oldest first (added to existing databases by the start-up schema upgrade).
            e.HasIndex(v => v.OccurredAt).HasDatabaseName("ix_chatkit_events_occurred_at");

            // No foreign key: an event outlives nothing it names, and rows are only ever appended (and purged by age).
        });
    }

    private static void ConfigureAttachments(ModelBuilder modelBuilder, string? schema)
    {
        modelBuilder.Entity<AttachmentEntity>(e =>
        {
            e.ToTable(AttachmentsTable, schema);
            e.HasKey(a => a.Id).HasName("pk_chatkit_attachments");
            e.Property(a => a.Id).HasColumnName("id").ValueGeneratedNever();
            e.Property(a => a.ConversationId).HasColumnName("conversation_id");
            e.Property(a => a.UploaderId).HasColumnName("uploader_id");
            e.Property(a => a.Name).HasColumnName("name");
            e.Property(a => a.ContentType).HasColumnName("content_type");
            e.Property(a => a.Size).HasColumnName("size");
            e.Property(a => a.Width).HasColumnName("width");
            e.Property(a => a.Height).HasColumnName("height");
            e.Property(a => a.UploadedAt).HasColumnName("uploaded_at");
            e.Property(a => a.SentKey).HasColumnName("sent_key");

            // The sweep's scan: unsent uploads, oldest first.
            e.HasIndex(a => new { a.SentKey, a.UploadedAt }).HasDatabaseName("ix_chatkit_attachments_unsent");

            e.HasOne<ConversationEntity>()
                .WithMany()
                .HasForeignKey(a => a.ConversationId)
                .OnDelete(DeleteBehavior.Cascade)
                .HasConstraintName("fk_chatkit_attachments_conversation");
        });
    }

    private static void ConfigureReactions(ModelBuilder modelBuilder, string? schema)
    {
        modelBuilder.Entity<ReactionEntity>(e =>
        {
            e.ToTable(ReactionsTable, schema);
            e.HasKey(r => r.Id).HasName("pk_chatkit_reactions");
            e.Property(r => r.Id).HasColumnName("id").ValueGeneratedOnAdd();
            e.Property(r => r.MessageId).HasColumnName("message_id");
            e.Property(r => r.UserId).HasColumnName("user_id");
            e.Property(r => r.Emoji).HasColumnName("emoji");
            e.Property(r => r.CreatedAt).HasColumnName("created_at");

            // One reaction per (message, user, emoji): concurrent identical reactions store one row.
            e.HasIndex(r => new { r.MessageId, r.UserId, r.Emoji }).IsUnique().HasDatabaseName("ux_chatkit_reactions_message_user_emoji");

            e.HasOne<MessageEntity>()
                .WithMany()
                .HasForeignKey(r => r.MessageId)
                .OnDelete(DeleteBehavior.Cascade)
                .HasConstraintName("fk_chatkit_reactions_message");
        });
    }
}
