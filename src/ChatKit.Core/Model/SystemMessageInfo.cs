namespace ChatKit;

/// <summary>What a <see cref="MessageType.System"/> message records.</summary>
public enum SystemEventKind
{
    /// <summary>Users were added to a group (<c>participants_added</c>).</summary>
    ParticipantsAdded,

    /// <summary>A participant was removed by the owner or an admin (<c>participant_removed</c>).</summary>
    ParticipantRemoved,

    /// <summary>A participant left (<c>participant_left</c>).</summary>
    ParticipantLeft,

    /// <summary>The group was renamed (<c>conversation_renamed</c>).</summary>
    ConversationRenamed,

    /// <summary>A participant's role changed, ownership transfers included (<c>role_changed</c>).</summary>
    RoleChanged,
}

/// <summary>The structured part of a system message: who did what to whom.</summary>
/// <param name="Event">What happened.</param>
/// <param name="ActorId">The user who did it (the one who left, for <see cref="SystemEventKind.ParticipantLeft"/>).</param>
/// <param name="UserIds">The users it happened to; empty for a rename.</param>
/// <param name="Name">The new name, for <see cref="SystemEventKind.ConversationRenamed"/>.</param>
/// <param name="Role">The new role, for <see cref="SystemEventKind.RoleChanged"/>.</param>
public sealed record SystemMessageInfo(SystemEventKind Event, string ActorId, IReadOnlyList<string> UserIds, string? Name = null, ParticipantRole? Role = null)
{
    /// <summary>Equal when every field is, <see cref="UserIds"/> compared element by element.</summary>
    /// <param name="other">The other value.</param>
    public bool Equals(SystemMessageInfo? other) =>
        other is not null
        && Event == other.Event
        && ActorId == other.ActorId
        && UserIds.SequenceEqual(other.UserIds, StringComparer.Ordinal)
        && Name == other.Name
        && Role == other.Role;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Event, ActorId, UserIds.Count, Name, Role);
}

/// <summary>A participant's receipt positions in a conversation. Both only move forward; reading implies delivery.</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="UserId">The participant.</param>
/// <param name="LastReadSeq">The seq read up to, 0 when nothing was read.</param>
/// <param name="LastDeliveredSeq">The seq received up to: never below <paramref name="LastReadSeq"/>.</param>
public sealed record ReceiptPosition(string ConversationId, string UserId, long LastReadSeq, long LastDeliveredSeq);

/// <summary>A change of a conversation's name or metadata, as a store applies it.</summary>
/// <param name="Name">The new name, or <see langword="null"/> to keep it.</param>
/// <param name="SetMetadata">Whether <paramref name="Metadata"/> replaces the metadata.</param>
/// <param name="Metadata">The new metadata (compact JSON text of an object), or <see langword="null"/> to clear it.</param>
public sealed record ConversationChange(string? Name, bool SetMetadata, string? Metadata);

/// <summary>What a role change did.</summary>
public enum RoleChangeOutcome
{
    /// <summary>The role changed (for an ownership transfer: the target is owner, the actor admin).</summary>
    Changed,

    /// <summary>The target had that role already; nothing changed.</summary>
    Unchanged,

    /// <summary>The conversation does not exist, or the actor is not a participant.</summary>
    NotFound,

    /// <summary>The actor is not the owner (any more); nothing changed.</summary>
    NotOwner,

    /// <summary>The target is not a participant; nothing changed.</summary>
    TargetNotFound,
}

/// <summary>The outcome of a role change, and the conversation afterwards.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="Conversation">The conversation afterwards, or <see langword="null"/> when it does not exist.</param>
public sealed record RoleChangeResult(RoleChangeOutcome Outcome, Conversation? Conversation);
