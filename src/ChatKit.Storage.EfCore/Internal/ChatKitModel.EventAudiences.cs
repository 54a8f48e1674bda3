using Microsoft.EntityFrameworkCore;

namespace ChatKit.Storage.EfCore.Internal;

/// <summary>
/// The audiences of <c>newMessage</c> events: one row per conversation and participant counter, holding the participant
/// ids at that counter. A <c>newMessage</c> row names its audience by the counter instead of carrying the ids, so a
/// message to a room of 1,000 writes a few bytes instead of ~40 KB; a steady room writes its audience once.
/// </summary>
internal static partial class ChatKitModel
{
    public const string EventAudiencesTable = "chatkit_event_audiences";

    private static void ConfigureEventAudiences(ModelBuilder modelBuilder, string? schema)
    {
        modelBuilder.Entity<EventAudienceEntity>(e =>
        {
            e.ToTable(EventAudiencesTable, schema);

            // The counter names the participants exactly: every membership change raises it, in its own transaction.
            e.HasKey(a => new { a.ConversationId, a.Counter }).HasName("pk_chatkit_event_audiences");
            e.Property(a => a.ConversationId).HasColumnName("conversation_id");
            e.Property(a => a.Counter).HasColumnName("counter");
            e.Property(a => a.UserIds).HasColumnName("user_ids");
            e.Property(a => a.CreatedAt).HasColumnName("created_at");

            // No foreign key: as the events that name it, an audience outlives nothing; the retention purge removes it.
        });
    }
}

/// <summary>A row of <c>chatkit_event_audiences</c>: the participants of a conversation at one participant counter.</summary>
internal sealed class EventAudienceEntity
{
    public string ConversationId { get; set; } = string.Empty;

    /// <summary>The conversation's participant counter the ids were read at, under the conversation's lock.</summary>
    public long Counter { get; set; }

    /// <summary>The participant ids as a JSON array (<see cref="ChatEventJson.SerializeUserIds"/>).</summary>
    public string UserIds { get; set; } = "[]";

    /// <summary>When the first message with this audience was appended (Unix milliseconds).</summary>
    public long CreatedAt { get; set; }
}
