using ChatKit.Events;
using ChatKit.Internal.Outbox;

namespace ChatKit.Core.Tests.Outbox;

/// <summary>A retry entry keeps its event as JSON: every durable event type reads back as the same type and content.</summary>
public sealed class OutboxPayloadTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 30, 8, 0, 0, 123, TimeSpan.Zero);

    private static readonly ChatMessage Message = new()
    {
        Id = "m_1",
        ConversationId = "c_1",
        Seq = 7,
        SenderId = "alice",
        SenderName = "Alice",
        Content = "Hi @bob ☃",
        CreatedAt = At,
        EditedAt = At.AddSeconds(1),
        Metadata = """{"k":1}""",
        ReplyToId = "m_0",
        Mentions = ["bob"],
    };

    private static readonly ConversationView View = new(
        new Conversation
        {
            Id = "c_1",
            Type = ConversationType.Group,
            Name = "Team",
            CreatedBy = "alice",
            CreatedAt = At,
            LastActivityAt = At,
            Participants = [new("alice", ParticipantRole.Owner, At), new("bob", ParticipantRole.Member, At)],
        },
        Message,
        2);

    public static TheoryData<ChatEvent> DurableEvents() =>
    [
        new MessageCreatedEvent(Message, ["alice", "bob"]),
        new MessageUpdatedEvent(Message, ["alice", "bob"]),
        new MessageDeletedEvent("m_1", "c_1", ["alice", "bob"]),
        new ReactionAddedEvent("c_1", "m_1", "👍", "bob", ["alice", "bob"]),
        new ReactionRemovedEvent("c_1", "m_1", "👍", "bob", ["alice", "bob"]),
        new MessageReadEvent("m_1", "c_1", "bob", At, ["alice", "bob"]),
        new ConversationReadEvent("c_1", "bob", At, ["alice", "bob"]),
        new MessageDeliveredEvent("c_1", "bob", 7, ["alice", "bob"]),
        new ParticipantsAddedEvent("c_1", ["carol"], ["alice", "bob", "carol"]),
        new ParticipantRemovedEvent("c_1", "carol", ["alice", "bob"]),
        new ConversationCreatedEvent(View),
        new ConversationUpdatedEvent(View, ["alice", "bob"]),
    ];

    [Theory]
    [MemberData(nameof(DurableEvents))]
    public void EveryDurableEvent_ReadsBackAsItWasWritten(ChatEvent chatEvent)
    {
        var json = OutboxPayload.Serialize(chatEvent);
        var back = OutboxPayload.Deserialize(json);

        Assert.Equal(chatEvent.GetType(), back.GetType());
        Assert.Equivalent(chatEvent, back, strict: true);
        Assert.Equal(json, OutboxPayload.Serialize(back));
        Assert.Contains($"\"$type\":\"{chatEvent.GetType().Name}\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownType_FailsToRead()
    {
        Assert.ThrowsAny<Exception>(() => OutboxPayload.Deserialize("""{"$type":"SomethingNew","x":1}"""));
    }
}
