using ChatKit.Events;
using ChatKit.Storage;

namespace ChatKit.Core.Tests;

public sealed class ChatEventJsonTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_000_123);

    private static readonly ChatMessage Message = new()
    {
        Id = "m_1",
        ConversationId = "c_1",
        Seq = 7,
        SenderId = "alice",
        SenderName = "Alice",
        Content = "hello",
        CreatedAt = At,
        EditedAt = At.AddSeconds(1),
        Metadata = """{"k":1}""",
        ReplyToId = "m_0",
        Mentions = ["bob"],
        System = new SystemMessageInfo(SystemEventKind.RoleChanged, "alice", ["bob"], null, ParticipantRole.Admin),
    };

    private static readonly Conversation Group = new()
    {
        Id = "c_1",
        Type = ConversationType.Group,
        Name = "Team",
        CreatedBy = "alice",
        CreatedAt = At,
        LastActivityAt = At,
        LastSeq = 7,
        Metadata = """{"topic":"x"}""",
        Participants = [new Participant("alice", ParticipantRole.Owner, At), new Participant("bob", ParticipantRole.Member, At.AddMilliseconds(1))],
    };

    public static TheoryData<ChatEvent> Events() =>
    [
        new MessageCreatedEvent(Message, ["alice", "bob"]),
        new MessageUpdatedEvent(Message, ["alice", "bob"]),
        new MessageDeletedEvent("m_1", "c_1", ["alice"]),
        new ReactionAddedEvent("c_1", "m_1", "👍", "bob", ["alice", "bob"]),
        new ReactionRemovedEvent("c_1", "m_1", "👍", "bob", ["alice", "bob"]),
        new MessageReadEvent("m_1", "c_1", "bob", At, ["alice", "bob"]),
        new ConversationReadEvent("c_1", "bob", At, ["alice", "bob"]),
        new MessageDeliveredEvent("c_1", "bob", 7, ["alice", "bob"]),
        new ParticipantsAddedEvent("c_1", ["bob"], ["alice", "bob"]),
        new ParticipantRemovedEvent("c_1", "carol", ["alice", "bob"]),
        new ConversationCreatedEvent(new ConversationView(Group, null, 0)),
        new ConversationUpdatedEvent(new ConversationView(Group, Message, 2) { UnreadMentionCount = 1 }, ["alice", "bob"]),
    ];

    [Theory]
    [MemberData(nameof(Events))]
    public void Serialize_ThenDeserialize_GivesTheSameEvent(ChatEvent chatEvent)
    {
        var type = ChatEventJson.TypeOf(chatEvent);
        var json = ChatEventJson.Serialize(chatEvent with { EventId = "e_1" });

        var read = ChatEventJson.Deserialize(type, json);

        Assert.IsType(chatEvent.GetType(), read);
        Assert.Null(read.EventId);
        Assert.Equal(json, ChatEventJson.Serialize(read));
        Assert.DoesNotContain("e_1", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Deserialize_Message_KeepsEveryField()
    {
        var read = (MessageUpdatedEvent)ChatEventJson.Deserialize("messageUpdated", ChatEventJson.Serialize(new MessageUpdatedEvent(Message, ["alice"])));

        Assert.Equal(Message.Id, read.Message.Id);
        Assert.Equal(Message.EditedAt, read.Message.EditedAt);
        Assert.Equal(Message.CreatedAt, read.Message.CreatedAt);
        Assert.Equal(Message.Metadata, read.Message.Metadata);
        Assert.Equal(Message.System, read.Message.System);
        Assert.Equal(["bob"], read.Message.Mentions);
        Assert.Equal(["alice"], read.ParticipantIds);
    }

    [Fact]
    public void TypeOf_TypingEvent_IsNotDurable() =>
        Assert.Throws<ArgumentException>(() => ChatEventJson.TypeOf(new UserTypingEvent("c_1", "bob", "Bob")));
}
