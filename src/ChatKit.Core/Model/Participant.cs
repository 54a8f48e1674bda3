namespace ChatKit;

/// <summary>A user's membership of a conversation.</summary>
/// <param name="UserId">The participant's user id.</param>
/// <param name="Role">The participant's role.</param>
/// <param name="JoinedAt">When the user joined (UTC).</param>
public sealed record Participant(string UserId, ParticipantRole Role, DateTimeOffset JoinedAt);
