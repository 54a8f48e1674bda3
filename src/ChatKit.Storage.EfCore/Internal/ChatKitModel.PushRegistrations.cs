using Microsoft.EntityFrameworkCore;

namespace ChatKit.Storage.EfCore.Internal;

/// <summary>The users' push registrations: one row per (provider, address), found by user.</summary>
internal static partial class ChatKitModel
{
    public const string PushRegistrationsTable = "chatkit_push_registrations";

    private static void ConfigurePushRegistrations(ModelBuilder modelBuilder, string? schema)
    {
        modelBuilder.Entity<PushRegistrationEntity>(e =>
        {
            e.ToTable(PushRegistrationsTable, schema);

            // The primary key is the uniqueness: one browser or device (its address) belongs to one user at a time.
            e.HasKey(r => new { r.Provider, r.Address }).HasName("pk_chatkit_push_registrations");
            e.Property(r => r.Provider).HasColumnName("provider");
            e.Property(r => r.Address).HasColumnName("address");
            e.Property(r => r.UserId).HasColumnName("user_id");
            e.Property(r => r.Keys).HasColumnName("keys");
            e.Property(r => r.CreatedAt).HasColumnName("created_at");

            // A notification's registrations: the users of one provider.
            e.HasIndex(r => new { r.UserId, r.Provider }).HasDatabaseName("ix_chatkit_push_registrations_user");
        });
    }
}

/// <summary>A row of <c>chatkit_push_registrations</c>: where to reach one user's browser or device.</summary>
internal sealed class PushRegistrationEntity
{
    public string Provider { get; set; } = string.Empty;

    public string Address { get; set; } = string.Empty;

    public string UserId { get; set; } = string.Empty;

    /// <summary>The provider's keys as a JSON object of strings (<c>{}</c> when none).</summary>
    public string Keys { get; set; } = "{}";

    public long CreatedAt { get; set; }
}
