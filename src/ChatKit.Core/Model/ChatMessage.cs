namespace ChatKit;

/// <summary>A message as the store keeps it. A deleted message is a tombstone: same id and seq, empty content.</summary>
public sealed record ChatMessage
{
    /// <summary>The opaque id, <c>m_</c> followed by 32 hex digits.</summary>
    public required string Id { get; init; }

    /// <summary>The conversation it belongs to.</summary>
    public required string ConversationId { get; init; }

    /// <summary>Its position in the conversation: 1, 2, 3… with no gap, assigned by the store.</summary>
    public required long Seq { get; init; }

    /// <summary>The sender's user id.</summary>
    public required string SenderId { get; init; }

    /// <summary>The sender's display name when the message was sent.</summary>
    public required string SenderName { get; init; }

    /// <summary>The normalised text; empty once deleted.</summary>
    public required string Content { get; init; }

    /// <summary>Text or system.</summary>
    public MessageType Type { get; init; }

    /// <summary>The sender's idempotency key, or <see langword="null"/>.</summary>
    public string? TempId { get; init; }

    /// <summary>When it was stored (UTC).</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it was last edited, or <see langword="null"/>.</summary>
    public DateTimeOffset? EditedAt { get; init; }

    /// <summary>When it was deleted, or <see langword="null"/>.</summary>
    public DateTimeOffset? DeletedAt { get; init; }

    /// <summary>Whether the message is a tombstone.</summary>
    public bool IsDeleted => DeletedAt is not null;

    /// <summary>The sender's custom data: the compact JSON text of an object, or <see langword="null"/>.</summary>
    public string? Metadata { get; init; }

    /// <summary>For a <see cref="MessageType.System"/> message, what happened; <see langword="null"/> otherwise.</summary>
    public SystemMessageInfo? System { get; init; }

    /// <summary>The id of the message this one replies to (in the same conversation), or <see langword="null"/>.</summary>
    public string? ReplyToId { get; init; }

    /// <summary>
    /// The summary of the message replied to, as it is when this message is read (ChatKit's services fill it; stores
    /// leave it <see langword="null"/>).
    /// </summary>
    public MessageReference? ReplyTo { get; init; }

    /// <summary>The participants the sender mentioned, each once, in the order given.</summary>
    public IReadOnlyList<string> Mentions { get; init; } = [];

    /// <summary>
    /// The reactions, each emoji once in the order it was first used (ChatKit's services fill them; stores return them
    /// through <see cref="Storage.IChatStore.GetReactionsAsync"/>).
    /// </summary>
    public IReadOnlyList<MessageReaction> Reactions { get; init; } = [];

    /// <summary>The files the sender attached, in the order given; stored with the message by the append.</summary>
    public IReadOnlyList<MessageAttachment> Attachments { get; init; } = [];

    /// <summary>Compares every property, lists by their items.</summary>
    /// <param name="other">The other message.</param>
    public bool Equals(ChatMessage? other) =>
        other is not null
        && Id == other.Id
        && ConversationId == other.ConversationId
        && Seq == other.Seq
        && SenderId == other.SenderId
        && SenderName == other.SenderName
        && Content == other.Content
        && Type == other.Type
        && TempId == other.TempId
        && CreatedAt == other.CreatedAt
        && EditedAt == other.EditedAt
        && DeletedAt == other.DeletedAt
        && ReplyToId == other.ReplyToId
        && ReplyTo == other.ReplyTo
        && Mentions.SequenceEqual(other.Mentions)
        && Reactions.SequenceEqual(other.Reactions)
        && Attachments.SequenceEqual(other.Attachments)
        && Metadata == other.Metadata
        && System == other.System;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Id, Seq, Content, EditedAt, DeletedAt);
}

/// <summary>What a reply shows of the message it replies to.</summary>
/// <param name="MessageId">The message replied to.</param>
/// <param name="SenderId">Its sender.</param>
/// <param name="Excerpt">Its current content, cut to 100 characters; empty once it is deleted.</param>
public sealed record MessageReference(string MessageId, string SenderId, string Excerpt);

/// <summary>One emoji on a message and the users who reacted with it.</summary>
/// <param name="Emoji">The emoji.</param>
/// <param name="UserIds">The users, in the order they reacted.</param>
public sealed record MessageReaction(string Emoji, IReadOnlyList<string> UserIds)
{
    /// <summary>How many users reacted with it.</summary>
    public int Count => UserIds.Count;

    /// <summary>Compares the emoji and the users in order.</summary>
    /// <param name="other">The other reaction.</param>
    public bool Equals(MessageReaction? other) =>
        other is not null && Emoji == other.Emoji && UserIds.SequenceEqual(other.UserIds);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Emoji, UserIds.Count);
}
