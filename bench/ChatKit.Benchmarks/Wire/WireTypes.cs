using System.Runtime.Serialization;

namespace ChatKit.Benchmarks.Wire;

// The JSON shapes of the ChatKit wire contract (shared/contract.md) that the load clients send and receive. The
// baseline hub speaks the same shapes, so one client drives both servers and both pay the same serialisation.
// [DataMember] names are for MessagePack (System.Text.Json ignores them and reads names case-insensitively), so that
// over MessagePack too the baseline writes the contract's names and the clients read ChatKit's.

/// <summary>The <c>createConversation</c> argument.</summary>
[DataContract]
public sealed record CreateConversationArgs(
    [property: DataMember(Name = "type")] string Type,
    [property: DataMember(Name = "participantIds")] IReadOnlyList<string> ParticipantIds,
    [property: DataMember(Name = "name")] string? Name);

/// <summary>The <c>sendMessage</c> argument.</summary>
[DataContract]
public sealed record SendMessageArgs(
    [property: DataMember(Name = "conversationId")] string ConversationId,
    [property: DataMember(Name = "content")] string Content,
    [property: DataMember(Name = "tempId")] string? TempId);

/// <summary>What <c>sendMessage</c> returns.</summary>
[DataContract]
public sealed record SendAck(
    [property: DataMember(Name = "tempId")] string? TempId,
    [property: DataMember(Name = "messageId")] string MessageId,
    [property: DataMember(Name = "seq")] long Seq,
    [property: DataMember(Name = "createdAt")] DateTime CreatedAt);

/// <summary>A message's sender.</summary>
[DataContract]
public sealed record SenderDto(
    [property: DataMember(Name = "id")] string Id,
    [property: DataMember(Name = "name")] string Name);

/// <summary>A message, as the contract shows it.</summary>
[DataContract]
public sealed record MessageDto(
    [property: DataMember(Name = "id")] string Id,
    [property: DataMember(Name = "conversationId")] string ConversationId,
    [property: DataMember(Name = "seq")] long Seq,
    [property: DataMember(Name = "sender")] SenderDto Sender,
    [property: DataMember(Name = "content")] string Content,
    [property: DataMember(Name = "type")] string Type,
    [property: DataMember(Name = "tempId")] string? TempId,
    [property: DataMember(Name = "createdAt")] DateTime CreatedAt,
    [property: DataMember(Name = "editedAt")] DateTime? EditedAt,
    [property: DataMember(Name = "deletedAt")] DateTime? DeletedAt);

/// <summary>The <c>newMessage</c> event.</summary>
[DataContract]
public sealed record NewMessageEvent(
    [property: DataMember(Name = "message")] MessageDto Message,
    [property: DataMember(Name = "conversationId")] string ConversationId);

/// <summary>The <c>messageSent</c> event.</summary>
[DataContract]
public sealed record MessageSentEvent(
    [property: DataMember(Name = "tempId")] string? TempId,
    [property: DataMember(Name = "messageId")] string MessageId);

/// <summary>A participant entry.</summary>
[DataContract]
public sealed record ParticipantDto(
    [property: DataMember(Name = "userId")] string UserId,
    [property: DataMember(Name = "role")] string Role);

/// <summary>The part of a conversation the clients read.</summary>
[DataContract]
public sealed record ConversationDto(
    [property: DataMember(Name = "id")] string Id,
    [property: DataMember(Name = "type")] string Type,
    [property: DataMember(Name = "name")] string? Name,
    [property: DataMember(Name = "participants")] IReadOnlyList<ParticipantDto> Participants,
    [property: DataMember(Name = "lastSeq")] long LastSeq);

/// <summary>A page of <c>GET /chats/conversations/{id}/messages</c>.</summary>
[DataContract]
public sealed record MessagePageDto(
    [property: DataMember(Name = "items")] IReadOnlyList<MessageDto> Items,
    [property: DataMember(Name = "hasMore")] bool HasMore);

/// <summary>
/// What the load clients read of a <c>newMessage</c> event: the seq and the content (which carries the send time).
/// The JSON reader skips the other properties without materialising them, which keeps the single-core load
/// generator ahead of the servers for longer; both servers are read the same way.
/// </summary>
[DataContract]
public sealed record NewMessageReceipt(
    [property: DataMember(Name = "message")] ReceiptMessage Message,
    [property: DataMember(Name = "conversationId")] string ConversationId);

/// <summary>The part of a message the load clients read.</summary>
[DataContract]
public sealed record ReceiptMessage(
    [property: DataMember(Name = "seq")] long Seq,
    [property: DataMember(Name = "content")] string Content);
