using ChatKit.Storage;

namespace ChatKit.Testing.Conformance;

/// <summary>
/// The behaviour every <see cref="IChatStore"/> must have. An adapter's test project derives a class from this one and
/// supplies the store; xunit then runs every test below against it. A third party can prove its own adapter the same way.
/// </summary>
/// <remarks>
/// Tests use fresh random ids, so one store instance may serve every test of a class. They test only the contract
/// written in the doc comments of <see cref="IChatStore"/>: membership and roles are the services' business, not the
/// store's. Test data uses millisecond-precision UTC timestamps, as ChatKit's services do, and every timestamp must
/// come back unchanged (same instant, UTC offset).
/// </remarks>
public abstract partial class ChatStoreConformanceTests
{
    /// <summary>Returns the store under test. Called once per test; may return a shared instance.</summary>
    protected abstract Task<IChatStore> CreateStoreAsync();

    /// <summary>
    /// Returns a second store instance over the same data (a separate DbContext, client or connection), for
    /// cross-instance concurrency tests. The in-memory store returns the same instance.
    /// </summary>
    protected virtual Task<IChatStore> CreateSecondStoreAsync() => CreateStoreAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The current UTC time truncated to milliseconds, the precision ChatKit's services give stores.</summary>
    private static DateTimeOffset Now()
    {
        var now = DateTimeOffset.UtcNow;
        return new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }

    private static string NewUserId() => "u_" + Guid.NewGuid().ToString("N");

    private static string NewConversationId() => "c_" + Guid.NewGuid().ToString("N");

    private static string NewMessageId() => "m_" + Guid.NewGuid().ToString("N");

    private static string NewTempId() => "t_" + Guid.NewGuid().ToString("N");

    /// <summary>A group whose creator is owner; the others are members who joined one millisecond apart, in order.</summary>
    private static Conversation NewGroup(string ownerId, IReadOnlyList<string> memberIds, DateTimeOffset? at = null, string? id = null)
    {
        var createdAt = at ?? Now();
        var participants = new List<Participant> { new(ownerId, ParticipantRole.Owner, createdAt) };
        for (var i = 0; i < memberIds.Count; i++)
        {
            participants.Add(new Participant(memberIds[i], ParticipantRole.Member, createdAt.AddMilliseconds(i + 1)));
        }

        return new Conversation
        {
            Id = id ?? NewConversationId(),
            Type = ConversationType.Group,
            Name = "Group " + Guid.NewGuid().ToString("N")[..8],
            CreatedBy = ownerId,
            CreatedAt = createdAt,
            LastActivityAt = createdAt,
            Participants = participants,
        };
    }

    private static Conversation NewDirect(string firstUserId, string secondUserId, DateTimeOffset? at = null, string? id = null)
    {
        var createdAt = at ?? Now();
        return new Conversation
        {
            Id = id ?? NewConversationId(),
            Type = ConversationType.Direct,
            Name = null,
            CreatedBy = firstUserId,
            CreatedAt = createdAt,
            LastActivityAt = createdAt,
            DirectKey = Conversation.DirectKeyFor(firstUserId, secondUserId),
            Participants =
            [
                new Participant(firstUserId, ParticipantRole.Member, createdAt),
                new Participant(secondUserId, ParticipantRole.Member, createdAt),
            ],
        };
    }

    private static ChatMessage NewMessage(string conversationId, string senderId, string? content = null, string? tempId = null, DateTimeOffset? at = null) =>
        new()
        {
            Id = NewMessageId(),
            ConversationId = conversationId,
            Seq = 0,
            SenderId = senderId,
            SenderName = "Name of " + senderId,
            Content = content ?? "Hello " + Guid.NewGuid().ToString("N")[..8],
            Type = MessageType.Text,
            TempId = tempId,
            CreatedAt = at ?? Now(),
        };

    /// <summary>Creates a group of fresh users in <paramref name="store"/>: an owner and <paramref name="memberCount"/> members.</summary>
    private static async Task<Conversation> CreateGroupAsync(IChatStore store, int memberCount = 2, DateTimeOffset? at = null)
    {
        var group = NewGroup(NewUserId(), [.. Enumerable.Range(0, memberCount).Select(_ => NewUserId())], at);
        await store.CreateConversationAsync(group, Ct);
        return group;
    }

    /// <summary>Appends <paramref name="count"/> messages one after the other, one millisecond apart, by the given senders in turn.</summary>
    private static async Task<List<ChatMessage>> AppendManyAsync(IChatStore store, string conversationId, int count, params string[] senderIds)
    {
        var start = Now();
        var stored = new List<ChatMessage>(count);
        for (var i = 0; i < count; i++)
        {
            var message = NewMessage(conversationId, senderIds[i % senderIds.Length], content: $"message {i + 1}", at: start.AddMilliseconds(i));
            stored.Add((await store.AppendMessageAsync(message, Ct)).Value);
        }

        return stored;
    }

    private static void AssertTime(DateTimeOffset expected, DateTimeOffset actual)
    {
        Assert.Equal(expected, actual);
        Assert.Equal(TimeSpan.Zero, actual.Offset);
    }

    private static void AssertTime(DateTimeOffset? expected, DateTimeOffset? actual)
    {
        Assert.Equal(expected, actual);
        if (actual is { } value)
        {
            Assert.Equal(TimeSpan.Zero, value.Offset);
        }
    }

    private static void AssertConversation(Conversation expected, Conversation? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(expected.Type, actual.Type);
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.CreatedBy, actual.CreatedBy);
        AssertTime(expected.CreatedAt, actual.CreatedAt);
        Assert.Equal(expected.LastSeq, actual.LastSeq);
        AssertTime(expected.LastActivityAt, actual.LastActivityAt);
        Assert.Equal(expected.DirectKey, actual.DirectKey);
        AssertParticipants(expected.Participants, actual.Participants);
    }

    /// <summary>
    /// The participants are the expected ones, in the order they joined. Participants who joined at the same instant
    /// (the two users of a direct conversation) may come in any order.
    /// </summary>
    private static void AssertParticipants(IReadOnlyList<Participant> expected, IReadOnlyList<Participant> actual)
    {
        static IEnumerable<Participant> Canonical(IEnumerable<Participant> participants) =>
            participants.OrderBy(p => p.JoinedAt).ThenBy(p => p.UserId, StringComparer.Ordinal);

        Assert.Equal(Canonical(expected), Canonical(actual));
        Assert.Equal(actual.Select(p => p.JoinedAt).Order(), actual.Select(p => p.JoinedAt));
        Assert.All(actual, p => Assert.Equal(TimeSpan.Zero, p.JoinedAt.Offset));
    }

    private static void AssertMessage(ChatMessage expected, ChatMessage? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected, actual);
        AssertTime(expected.CreatedAt, actual.CreatedAt);
        AssertTime(expected.EditedAt, actual.EditedAt);
        AssertTime(expected.DeletedAt, actual.DeletedAt);
    }

    private static void AssertSeqs(IEnumerable<long> expected, MessagePage page, bool hasMore)
    {
        Assert.Equal(expected, page.Items.Select(m => m.Seq));
        Assert.Equal(hasMore, page.HasMore);
    }

    private static IEnumerable<long> Seqs(long from, long to)
    {
        for (var seq = from; seq <= to; seq++)
        {
            yield return seq;
        }
    }
}
