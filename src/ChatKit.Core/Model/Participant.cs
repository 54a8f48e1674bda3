namespace ChatKit;

/// <summary>A user's membership of a conversation.</summary>
/// <param name="UserId">The participant's user id.</param>
/// <param name="Role">The participant's role.</param>
/// <param name="JoinedAt">When the user joined (UTC).</param>
public sealed record Participant(string UserId, ParticipantRole Role, DateTimeOffset JoinedAt)
{
    /// <summary>
    /// Until when the participant muted the conversation (UTC): no offline notifications reach them from it before then.
    /// <see langword="null"/> when not muted; <see cref="MutedForever"/> for a mute without an end. Private to the
    /// participant: the wire shows each user only their own.
    /// </summary>
    public DateTimeOffset? MutedUntil { get; init; }

    /// <summary>The <see cref="MutedUntil"/> of a mute without an end: 9999-12-31T23:59:59Z (whole seconds, so every store keeps it exactly).</summary>
    public static DateTimeOffset MutedForever { get; } = new(9999, 12, 31, 23, 59, 59, TimeSpan.Zero);

    /// <summary>Whether the participant has the conversation muted at <paramref name="now"/>.</summary>
    /// <param name="now">The current time.</param>
    public bool IsMutedAt(DateTimeOffset now) => MutedUntil > now;
}
