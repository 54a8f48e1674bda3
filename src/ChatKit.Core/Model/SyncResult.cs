using ChatKit.Events;

namespace ChatKit;

/// <summary>What a user missed since a sync cursor (<see cref="Services.ChatService.SyncAsync"/>).</summary>
/// <param name="Events">
/// The durable events the user received since the cursor, in order (within a conversation, the order they happened), each
/// with its <see cref="ChatEvent.EventId"/>; empty without a cursor or when <paramref name="Limited"/>.
/// </param>
/// <param name="Cursor">The cursor to sync from next time.</param>
/// <param name="Limited">
/// <see langword="true"/> when events were left out (more than the limit, or a cursor older than
/// <see cref="ChatKitOptions.SyncRetention"/>): re-read the conversation list and page each conversation's history, then
/// continue from <paramref name="Cursor"/>.
/// </param>
public sealed record SyncResult(IReadOnlyList<ChatEvent> Events, string Cursor, bool Limited);
