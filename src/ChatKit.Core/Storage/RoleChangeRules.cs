namespace ChatKit.Storage;

/// <summary>
/// What a role change does, decided from the participants as a store sees them inside its atomic step. Public so that
/// every store, ChatKit's and third parties', applies the same rule.
/// </summary>
public static class RoleChangeRules
{
    /// <summary>Decides the outcome of <paramref name="actor"/> giving <paramref name="target"/> <paramref name="role"/>.</summary>
    /// <param name="actor">The actor's participant entry, as stored now.</param>
    /// <param name="target">The target's participant entry, as stored now, or <see langword="null"/> when it is not a participant.</param>
    /// <param name="role">The new role.</param>
    public static RoleChangeOutcome Decide(Participant actor, Participant? target, ParticipantRole role)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (actor.Role != ParticipantRole.Owner)
        {
            return RoleChangeOutcome.NotOwner;
        }

        if (target is null)
        {
            return RoleChangeOutcome.TargetNotFound;
        }

        return target.Role == role || target.UserId == actor.UserId ? RoleChangeOutcome.Unchanged : RoleChangeOutcome.Changed;
    }

    /// <summary>Returns <paramref name="participant"/> as it is after a change <see cref="Decide"/> called <see cref="RoleChangeOutcome.Changed"/>.</summary>
    /// <param name="participant">Any participant of the conversation.</param>
    /// <param name="actorId">The owner making the change.</param>
    /// <param name="userId">The target.</param>
    /// <param name="role">The target's new role.</param>
    public static Participant Apply(Participant participant, string actorId, string userId, ParticipantRole role)
    {
        ArgumentNullException.ThrowIfNull(participant);
        if (participant.UserId == userId)
        {
            return participant with { Role = role };
        }

        // A transfer: the old owner becomes an admin in the same step.
        return role == ParticipantRole.Owner && participant.UserId == actorId ? participant with { Role = ParticipantRole.Admin } : participant;
    }
}
