using ChatKit.Storage.EfCore.Internal;

namespace Microsoft.EntityFrameworkCore;

/// <summary>Adds ChatKit's tables to a host's DbContext, so the host's migrations create and evolve them.</summary>
public static class ChatKitModelBuilderExtensions
{
    /// <summary>
    /// Adds ChatKit's four tables (<c>chatkit_conversations</c>, <c>chatkit_participants</c>, <c>chatkit_messages</c>,
    /// <c>chatkit_read_positions</c>) with their keys, unique indexes and foreign keys to the model. Call it from the
    /// host context's <c>OnModelCreating</c>, then register the store with <c>UseEntityFrameworkCore&lt;TContext&gt;()</c>
    /// and add a migration (<c>dotnet ef migrations add AddChatKit</c>).
    /// </summary>
    /// <param name="modelBuilder">The host context's model builder.</param>
    /// <param name="schema">The database schema of the tables (PostgreSQL), or <see langword="null"/> for the default one.</param>
    /// <returns>The model builder.</returns>
    public static ModelBuilder AddChatKit(this ModelBuilder modelBuilder, string? schema = null)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        ChatKitModel.Configure(modelBuilder, schema);
        return modelBuilder;
    }
}
