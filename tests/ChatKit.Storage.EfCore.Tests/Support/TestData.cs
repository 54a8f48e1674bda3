namespace ChatKit.Storage.EfCore.Tests.Support;

/// <summary>Fresh ids and records with millisecond UTC timestamps, as ChatKit's services make them.</summary>
public static class TestData
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static DateTimeOffset Now()
    {
        var now = DateTimeOffset.UtcNow;
        return new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }

    public static string NewUserId() => "u_" + Guid.NewGuid().ToString("N");

    public static string NewTempId() => "t_" + Guid.NewGuid().ToString("N");

    public static Conversation NewGroup(string ownerId, params string[] memberIds)
    {
        var at = Now();
        return new Conversation
        {
            Id = "c_" + Guid.NewGuid().ToString("N"),
            Type = ConversationType.Group,
            Name = "Group",
            CreatedBy = ownerId,
            CreatedAt = at,
            LastActivityAt = at,
            Participants = [new Participant(ownerId, ParticipantRole.Owner, at), .. memberIds.Select(id => new Participant(id, ParticipantRole.Member, at))],
        };
    }

    public static ChatMessage NewMessage(string conversationId, string senderId, string? tempId = null) => new()
    {
        Id = "m_" + Guid.NewGuid().ToString("N"),
        ConversationId = conversationId,
        Seq = 0,
        SenderId = senderId,
        SenderName = senderId,
        Content = "Hello " + Guid.NewGuid().ToString("N")[..8],
        TempId = tempId,
        CreatedAt = Now(),
    };
}
