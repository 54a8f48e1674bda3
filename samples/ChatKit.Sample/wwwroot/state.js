// What the page knows, shared by its modules (window.chatkit exposes it to the browser tests, read-only).

import { ReceiptPositions } from "./lib/chatkit/index.js";

export const $ = (id) => document.getElementById(id);

export const state = {
  token: null,
  me: null, // { id, name }
  client: null, // the ChatKit client (lib/chatkit)
  connectedOnce: false,
  conversations: new Map(), // id -> Conversation (wire shape)
  messages: new Map(), // conversationId -> { items: Message[] ascending, hasMore, loading }
  pending: new Map(), // tempId -> { conversationId, content, replyTo, mentions, status, reason }: what the outbox holds
  positions: new ReceiptPositions(), // every participant's read and delivery positions, per conversation
  online: new Set(),
  typing: new Map(), // conversationId -> Map(userId -> username)
  names: new Map(), // userId -> display name, learnt from messages and typing events
  activeId: null,
  typingSentAt: 0,
  typingTimer: null,
  editing: null, // { id, draft }: the message of mine being edited inline
  paletteFor: null, // the message id whose reaction palette is open
  replyTo: new Map(), // conversationId -> { messageId, senderId, excerpt }: the quote above the composer
  settingsOpen: false, // the group settings panel
};

export function hiddenText(text) {
  const span = document.createElement("span");
  span.className = "visually-hidden";
  span.textContent = text;
  return span;
}
