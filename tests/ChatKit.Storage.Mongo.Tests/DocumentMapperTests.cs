using ChatKit.Storage.Mongo.Internal;

namespace ChatKit.Storage.Mongo.Tests;

/// <summary>Core's model to the stored documents and back: every field, the enum spellings and the UTC times.</summary>
public sealed class DocumentMapperTests
{
    private static readonly DateTimeOffset Created = new(2025, 3, 4, 5, 6, 7, 891, TimeSpan.Zero);

    [Fact]
    public void Conversation_RoundTripsEveryFieldAndStartsTheCounterAtLastSeq()
    {
        var conversation = new Conversation
        {
            Id = "c_1",
            Type = ConversationType.Group,
            Name = "Team",
            CreatedBy = "u1",
            CreatedAt = Created,
            Participants = [new("u1", ParticipantRole.Owner, Created), new("u2", ParticipantRole.Admin, Created.AddMilliseconds(1)), new("u3", ParticipantRole.Member, Created.AddMilliseconds(2))],
            LastSeq = 3,
            LastActivityAt = Created.AddSeconds(5),
            DirectKey = null,
        };

        var document = DocumentMapper.ToDocument(conversation);
        var back = DocumentMapper.ToModel(document);

        Assert.Equal("group", document.Type);
        Assert.Equal(["owner", "admin", "member"], document.Participants.Select(p => p.Role));
        Assert.Equal(3, document.AllocatedSeq);
        Assert.Equal(DateTimeKind.Utc, document.CreatedAt.Kind);
        Assert.Equal(conversation with { Participants = back.Participants }, back);
        Assert.Equal(conversation.Participants, back.Participants);
        Assert.All(back.Participants, p => Assert.Equal(TimeSpan.Zero, p.JoinedAt.Offset));
    }

    [Fact]
    public void Conversation_Direct_KeepsItsKey()
    {
        var conversation = new Conversation
        {
            Id = "c_2",
            Type = ConversationType.Direct,
            CreatedBy = "a",
            CreatedAt = Created,
            LastActivityAt = Created,
            DirectKey = Conversation.DirectKeyFor("a", "b"),
            Participants = [new("a", ParticipantRole.Member, Created), new("b", ParticipantRole.Member, Created)],
        };

        var document = DocumentMapper.ToDocument(conversation);

        Assert.Equal("direct", document.Type);
        Assert.Equal("1:a|b", document.DirectKey);
        Assert.Equal(ConversationType.Direct, DocumentMapper.ToModel(document).Type);
        Assert.Equal("1:a|b", DocumentMapper.ToModel(document).DirectKey);
    }

    [Fact]
    public void Message_RoundTripsEveryFieldWithTheGivenSeq()
    {
        var message = new ChatMessage
        {
            Id = "m_1",
            ConversationId = "c_1",
            Seq = 99,
            SenderId = "u1",
            SenderName = "Ann",
            Content = "hello",
            Type = MessageType.System,
            TempId = "t1",
            CreatedAt = Created,
            EditedAt = Created.AddSeconds(1),
            DeletedAt = Created.AddSeconds(2),
        };

        var document = DocumentMapper.ToDocument(message, 7);

        Assert.Equal(7, document.Seq);
        Assert.Equal("system", document.Type);
        Assert.Equal(message with { Seq = 7 }, DocumentMapper.ToModel(document));
    }

    [Fact]
    public void Times_WithAnOffset_AreStoredAsTheUtcInstantAndReadAtOffsetZero()
    {
        var local = new DateTimeOffset(2025, 3, 4, 7, 6, 7, 891, TimeSpan.FromHours(2));

        var stored = DocumentMapper.ToStored(local);
        var back = DocumentMapper.ToModel(stored);

        Assert.Equal(DateTimeKind.Utc, stored.Kind);
        Assert.Equal(new DateTime(2025, 3, 4, 5, 6, 7, 891, DateTimeKind.Utc), stored);
        Assert.Equal(local, back);
        Assert.Equal(TimeSpan.Zero, back.Offset);
        Assert.Equal(TimeSpan.Zero, DocumentMapper.ToModel(DateTime.SpecifyKind(stored, DateTimeKind.Unspecified)).Offset);
    }

    [Theory]
    [InlineData("Direct")]
    [InlineData("")]
    [InlineData("channel")]
    public void ToConversationType_UnknownSpelling_ThrowsFormatException(string value)
    {
        Assert.Throws<FormatException>(() => DocumentMapper.ToConversationType(value));
    }

    [Theory]
    [InlineData("Owner")]
    [InlineData("moderator")]
    public void ToParticipantRole_UnknownSpelling_ThrowsFormatException(string value)
    {
        Assert.Throws<FormatException>(() => DocumentMapper.ToParticipantRole(value));
    }

    [Theory]
    [InlineData("Text")]
    [InlineData("image")]
    public void ToMessageType_UnknownSpelling_ThrowsFormatException(string value)
    {
        Assert.Throws<FormatException>(() => DocumentMapper.ToMessageType(value));
    }

    [Fact]
    public void EnumSpellings_AreTheWireNamesForEveryValue()
    {
        Assert.Equal(["direct", "group"], Enum.GetValues<ConversationType>().Select(DocumentMapper.ToStored));
        Assert.Equal(["member", "admin", "owner"], Enum.GetValues<ParticipantRole>().Select(DocumentMapper.ToStored));
        Assert.Equal(["text", "system"], Enum.GetValues<MessageType>().Select(DocumentMapper.ToStored));
        Assert.All(Enum.GetValues<ParticipantRole>(), r => Assert.Equal(r, DocumentMapper.ToParticipantRole(DocumentMapper.ToStored(r))));
        Assert.All(Enum.GetValues<ConversationType>(), t => Assert.Equal(t, DocumentMapper.ToConversationType(DocumentMapper.ToStored(t))));
        Assert.All(Enum.GetValues<MessageType>(), t => Assert.Equal(t, DocumentMapper.ToMessageType(DocumentMapper.ToStored(t))));
    }
}
