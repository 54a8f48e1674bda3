namespace ChatKit;

/// <summary>The kind of a conversation.</summary>
public enum ConversationType
{
    /// <summary>A conversation between exactly two users; unique per pair.</summary>
    Direct,

    /// <summary>A named conversation with an owner and any number of participants.</summary>
    Group,
}

/// <summary>A participant's role in a conversation.</summary>
public enum ParticipantRole
{
    /// <summary>An ordinary participant.</summary>
    Member,

    /// <summary>May add and remove participants and delete others' messages in a group.</summary>
    Admin,

    /// <summary>The group's owner: the creator, or the participant ownership passed to.</summary>
    Owner,
}

/// <summary>The kind of a message.</summary>
public enum MessageType
{
    /// <summary>Plain text written by a user.</summary>
    Text,

    /// <summary>A notice about the conversation itself.</summary>
    System,
}

/// <summary>Whether a user has at least one open connection.</summary>
public enum PresenceStatus
{
    /// <summary>No open connection on any node.</summary>
    Offline,

    /// <summary>At least one open connection on some node.</summary>
    Online,
}
