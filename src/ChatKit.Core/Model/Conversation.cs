namespace ChatKit;

/// <summary>A conversation as the store keeps it.</summary>
public sealed record Conversation
{
    /// <summary>The opaque id, <c>c_</c> followed by 32 hex digits.</summary>
    public required string Id { get; init; }

    /// <summary>Direct or group.</summary>
    public required ConversationType Type { get; init; }

    /// <summary>The group's name; <see langword="null"/> for a direct conversation.</summary>
    public string? Name { get; init; }

    /// <summary>The user who created it.</summary>
    public required string CreatedBy { get; init; }

    /// <summary>When it was created (UTC).</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The current participants, in the order they joined.</summary>
    public required IReadOnlyList<Participant> Participants { get; init; }

    /// <summary>The seq of the newest message, 0 when there is none.</summary>
    public long LastSeq { get; init; }

    /// <summary>When the last message was sent, or the creation time when there is none.</summary>
    public required DateTimeOffset LastActivityAt { get; init; }

    /// <summary>
    /// For a direct conversation, the key of its user pair (see <see cref="DirectKeyFor"/>); stores keep it unique.
    /// <see langword="null"/> for a group.
    /// </summary>
    public string? DirectKey { get; init; }

    /// <summary>Returns the participant entry of <paramref name="userId"/>, or <see langword="null"/>.</summary>
    /// <param name="userId">The user id to look for.</param>
    public Participant? FindParticipant(string userId)
    {
        foreach (var participant in Participants)
        {
            if (string.Equals(participant.UserId, userId, StringComparison.Ordinal))
            {
                return participant;
            }
        }

        return null;
    }

    /// <summary>Whether <paramref name="userId"/> is a participant.</summary>
    /// <param name="userId">The user id to look for.</param>
    public bool HasParticipant(string userId) => FindParticipant(userId) is not null;

    /// <summary>
    /// The unique key of the direct conversation between two users: the same whichever order they are given in,
    /// and different for every other pair (ids are length-prefixed, so no separator can be forged).
    /// </summary>
    /// <param name="firstUserId">One user id.</param>
    /// <param name="secondUserId">The other user id.</param>
    public static string DirectKeyFor(string firstUserId, string secondUserId)
    {
        ArgumentNullException.ThrowIfNull(firstUserId);
        ArgumentNullException.ThrowIfNull(secondUserId);
        var (a, b) = string.CompareOrdinal(firstUserId, secondUserId) <= 0
            ? (firstUserId, secondUserId)
            : (secondUserId, firstUserId);
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{a.Length}:{a}|{b}");
    }

    /// <summary>The conversation's custom data: the compact JSON text of an object, or <see langword="null"/>.</summary>
    public string? Metadata { get; init; }
}
