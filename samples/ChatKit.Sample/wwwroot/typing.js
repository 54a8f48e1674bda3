// Typing: "typing" while the composer changes (again every 2 s), "stopTyping" after 3 s of quiet or on sending, and
// the line that says who else is typing in the open conversation.

import { $, state } from "./state.js";

const TYPING_IDLE_MS = 3000;
const TYPING_REPEAT_MS = 2000;

export function setTyping(conversationId, userId, username) {
  if (userId === state.me.id) {
    return;
  }
  const typists = state.typing.get(conversationId) ?? new Map();
  if (username) {
    typists.set(userId, username);
    state.names.set(userId, username);
  } else {
    typists.delete(userId);
  }
  state.typing.set(conversationId, typists);
  if (conversationId === state.activeId) {
    renderTyping();
  }
}

export function renderTyping() {
  const names = [...(state.typing.get(state.activeId)?.values() ?? [])];
  $("typing").textContent = names.length === 0 ? "" : names.length === 1 ? `${names[0]} is typing…` : `${names.join(", ")} are typing…`;
}

export function onComposerInput() {
  const conversationId = state.activeId;
  if (!conversationId || state.client.state !== "connected") {
    return;
  }
  const now = Date.now();
  if (now - state.typingSentAt > TYPING_REPEAT_MS) {
    state.typingSentAt = now;
    state.client.typing(conversationId).catch(() => {});
  }
  clearTimeout(state.typingTimer);
  state.typingTimer = setTimeout(() => stopTyping(conversationId), TYPING_IDLE_MS);
}

export function stopTyping(conversationId) {
  clearTimeout(state.typingTimer);
  if (conversationId && state.typingSentAt) {
    state.client?.stopTyping(conversationId).catch(() => {});
  }
  state.typingSentAt = 0;
}
