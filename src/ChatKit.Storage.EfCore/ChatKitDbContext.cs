using Microsoft.EntityFrameworkCore;

namespace ChatKit.Storage.EfCore;

/// <summary>
/// ChatKit's own DbContext: only ChatKit's tables (<c>chatkit_conversations</c>, <c>chatkit_participants</c>,
/// <c>chatkit_messages</c>, <c>chatkit_read_positions</c>). <c>UseEntityFrameworkCore(options => …)</c> registers it
/// behind a pooled <see cref="IDbContextFactory{TContext}"/>, so every store call uses its own short-lived instance.
/// Hosts that keep ChatKit's tables in their own context use <c>UseEntityFrameworkCore&lt;TContext&gt;()</c> and
/// <c>modelBuilder.AddChatKit()</c> instead.
/// </summary>
public sealed class ChatKitDbContext : DbContext
{
    /// <summary>Creates the context; ChatKit's registration supplies the options.</summary>
    /// <param name="options">The provider and connection.</param>
    public ChatKitDbContext(DbContextOptions<ChatKitDbContext> options)
        : base(options)
    {
    }

    /// <inheritdoc/>
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddChatKit();
    }
}
