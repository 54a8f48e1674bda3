namespace ChatKit.Benchmarks.Wire;

// The JSON shapes of the ChatKit wire contract (shared/contract.md) that the load clients send and receive. The
// baseline hub speaks the same shapes, so one client drives both servers and both pay the same serialisation.

/// <summary>The <c>createConversation</c> argument.</summary>
public sealed record CreateConversationArgs(string Type, IReadOnlyList<string> ParticipantIds, string? Name);

/// <summary>The <c>sendMessage</c> argument.</summary>
public sealed record SendMessageArgs(string ConversationId, string Content, string? TempId);

/// <summary>What <c>sendMessage</c> returns.</summary>
public sealed record SendAck(string? TempId, string MessageId, long Seq, DateTimeOffset CreatedAt);

/// <summary>A message's sender.</summary>
public sealed record SenderDto(string Id, string Name);

/// <summary>A message, as the contract shows it.</summary>
public sealed record MessageDto(
    string Id,
    string ConversationId,
    long Seq,
    SenderDto Sender,
    string Content,
    string Type,
    string? TempId,
    DateTimeOffset CreatedAt,
    DateTimeOffset? EditedAt,
    DateTimeOffset? DeletedAt);

/// <summary>The <c>newMessage</c> event.</summary>
public sealed record NewMessageEvent(MessageDto Message, string ConversationId);

/// <summary>The <c>messageSent</c> event.</summary>
public sealed record MessageSentEvent(string? TempId, string MessageId);

/// <summary>A participant entry.</summary>
public sealed record ParticipantDto(string UserId, string Role);

/// <summary>The part of a conversation the clients read.</summary>
public sealed record ConversationDto(string Id, string Type, string? Name, IReadOnlyList<ParticipantDto> Participants, long LastSeq);

/// <summary>A page of <c>GET /chats/conversations/{id}/messages</c>.</summary>
public sealed record MessagePageDto(IReadOnlyList<MessageDto> Items, bool HasMore);

/// <summary>
/// What the load clients read of a <c>newMessage</c> event: the seq and the content (which carries the send time).
/// The JSON reader skips the other properties without materialising them, which keeps the single-core load
/// generator ahead of the servers for longer; both servers are read the same way.
/// </summary>
public sealed record NewMessageReceipt(ReceiptMessage Message, string ConversationId);

/// <summary>The part of a message the load clients read.</summary>
public sealed record ReceiptMessage(long Seq, string Content);
