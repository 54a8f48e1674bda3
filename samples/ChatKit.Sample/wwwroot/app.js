// The ChatKit sample page: plain DOM on the ChatKit TypeScript client (clients/typescript, served from lib/chatkit),
// which reconnects, catches up, resends unacknowledged messages and delivers each event once, in order.
// User content is only ever written with textContent, never as HTML.

import { applyReaction, ChatClient } from "./lib/chatkit/index.js";
import { applyConversationChange, renderGroupSettings, wireGroupSettings } from "./group-settings.js";
import { attachCompletion, mentionsIn } from "./mentions.js";
import { showAttachmentDrafts, takeAttachmentIds, wireAttachments } from "./attachments.js";
import { cancelReply, excerptOf, renderMessages, renderReplyPreview } from "./message-view.js";
import { others, renderConversations, titleOf } from "./conversation-list.js";
import { $, state } from "./state.js";
import { wireNotifications } from "./notifications.js";
import { onComposerInput, renderTyping, setTyping, stopTyping } from "./typing.js";

const PAGE_SIZE = 30;

// ---- sign-in ---------------------------------------------------------------------------------------------------

async function signIn(userId) {
  const response = await fetch("/dev/token", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ userId, name: userId }),
  });
  if (!response.ok) {
    throw new Error(response.status === 404
      ? "The demo sign-in only exists in Development (ASPNETCORE_ENVIRONMENT=Development)."
      : "Could not sign in: " + ((await response.json().catch(() => null))?.detail ?? response.status));
  }
  const { token } = await response.json();
  saveSession({ token, userId });
  return token;
}

function saveSession(changes) {
  const saved = JSON.parse(sessionStorage.getItem("chatkit.sample") ?? "null") ?? {};
  sessionStorage.setItem("chatkit.sample", JSON.stringify({ ...saved, ...changes }));
}

async function start(token, userId, openId = null) {
  state.token = token;
  state.me = { id: userId, name: userId };
  $("me-name").textContent = userId;
  $("login").hidden = true;
  $("app").hidden = false;
  await connect(openId);
  wireNotifications(showError);
  if (!state.activeId) {
    $("new-chat-users").focus();
  }
}

// ---- the client ------------------------------------------------------------------------------------------------

const stateText = {
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Connection lost. Reconnecting…",
  recovering: "Reconnected. Catching up…",
  disconnected: "Disconnected. Reload the page to reconnect.",
};

// The client does the transport: reconnecting, catching up (newMessage from history fills what was missed, in order,
// then `resync` brings the whole list), rejoining the open room, and resending the outbox under the same tempIds.
async function connect(openId) {
  const client = new ChatClient({ accessTokenFactory: () => state.token });
  state.client = client;

  client.on("resync", (conversations) => {
    const ids = new Set(conversations.map((c) => c.id));
    [...state.conversations.keys()].filter((id) => !ids.has(id)).forEach(forget);
    conversations.forEach(upsertConversation);
    renderConversations();
    renderHeader();
    for (const conversation of conversations) {
      if (conversation.lastMessage && conversation.lastMessage.sender.id !== state.me.id) {
        acknowledge(conversation.id, conversation.lastSeq);
      }
    }
    // A reload reopens the conversation that was open in this tab, as soon as the list is there.
    if (openId && state.conversations.has(openId) && !state.connectedOnce) {
      open(openId, { focusComposer: false }).catch(showError);
    }
    openId = null;
  });
  client.on("conversationCreated", (conversation) => {
    upsertConversation(conversation);
    renderConversations();
    // Presence reaches only users who already share a conversation: ask again now that there is a new one.
    client.getOnlineUsers().catch(() => {});
  });
  client.on("newMessage", ({ message, conversationId }) => onNewMessage(conversationId, message));
  client.on("outbox", ({ tempId, status, error, ack }) => {
    const pending = state.pending.get(tempId);
    if (pending) {
      // sent: the newMessage, which may still be on its way, replaces the pending item.
      Object.assign(pending, { status, reason: status === "refused" ? error.message : null, seq: ack?.seq });
      renderMessages({});
    }
  });
  client.on("userTyping", ({ userId, conversationId, username }) => setTyping(conversationId, userId, username));
  client.on("userStoppedTyping", ({ userId, conversationId }) => setTyping(conversationId, userId, null));
  client.on("messageRead", ({ messageId, conversationId, readBy }) => onRead(conversationId, readBy, seqOf(conversationId, messageId)));
  client.on("messageDelivered", ({ conversationId, userId, seq }) => onPosition(conversationId, userId, { delivered: seq }));
  client.on("messageUpdated", ({ message, conversationId }) => onUpdated(conversationId, message));
  client.on("reactionAdded", (event) => onReaction(event, true));
  client.on("reactionRemoved", (event) => onReaction(event, false));
  client.on("conversationRead", ({ conversationId, readBy }) => onRead(conversationId, readBy, state.conversations.get(conversationId)?.lastSeq ?? 0));
  client.on("userStatusChanged", ({ userId, status }) => { status === "online" ? state.online.add(userId) : state.online.delete(userId); renderConversations(); renderHeader(); });
  client.on("onlineUsers", (users) => { state.online = new Set(users); renderConversations(); renderHeader(); });
  client.on("messageDeleted", ({ messageId, conversationId }) => onDeleted(conversationId, messageId));
  client.on("participantsAdded", ({ conversationId }) => refreshConversation(conversationId));
  // A new name, metadata or roles; the unread counts in it are the changer's, so this page keeps its own.
  client.on("conversationUpdated", (conversation) => applyConversationChange(conversation));
  client.on("participantRemoved", ({ conversationId, userId }) => userId === state.me.id ? forget(conversationId) : refreshConversation(conversationId));
  client.on("error", (error) => console.warn("chatkit:", error));

  client.on("state", (name) => {
    if (name === "reconnecting") {
      // Presence is unknown while away (getOnlineUsers asks again once back), and nobody is typing any more.
      state.online.clear();
      state.typing.clear();
      renderConversations();
      renderHeader();
      renderTyping();
    }
    setConnectionState(name, name === "recovering" && !state.connectedOnce ? stateText.connecting : stateText[name]);
    if (name === "connected") {
      state.connectedOnce = true;
      client.getOnlineUsers().catch(() => {});
      markActiveRead();
    }
  });
  await client.start();
}

function setConnectionState(name, text) {
  const banner = $("connection");
  banner.dataset.state = name;
  banner.textContent = text;
  document.querySelector(".me .dot").classList.toggle("online", name === "connected");
}

// ---- conversations ---------------------------------------------------------------------------------------------

export function upsertConversation(conversation) {
  state.conversations.set(conversation.id, conversation);
  if (conversation.lastMessage) {
    learnName(conversation.lastMessage.sender);
  }
  state.positions.learn(conversation); // marks survive a reload: every participant's positions come with it
}

// Tell the senders their messages reached this browser (up to seq), once per position.
function acknowledge(conversationId, seq) {
  const before = state.positions.get(conversationId)?.get(state.me.id)?.delivered ?? 0;
  if (state.positions.move(conversationId, state.me.id, { delivered: seq })) {
    // Not stored (offline, rate-limited): forget it, so the next message acknowledges again. A reload or reconnect
    // acknowledges from the conversation list anyway.
    state.client.markAsDelivered(conversationId, seq).catch(() => state.positions.undoDelivered(conversationId, state.me.id, seq, before));
  }
}

export function roleOf(conversation, userId = state.me.id) {
  return conversation.participants.find((p) => p.userId === userId)?.role ?? "member";
}

async function refreshConversation(conversationId) {
  try {
    upsertConversation(await state.client.getConversation(conversationId));
    renderConversations();
    renderHeader();
  } catch (error) {
    showError(error);
  }
}

function forget(conversationId) {
  state.conversations.delete(conversationId);
  state.messages.delete(conversationId);
  state.positions.forget(conversationId);
  if (state.activeId === conversationId) {
    state.activeId = null;
    saveSession({ openId: null });
    renderPane();
  }
  renderConversations();
}

function learnName(sender) {
  if (sender && sender.id !== state.me?.id) {
    state.names.set(sender.id, sender.name);
  }
}

async function createConversation(userIds, name) {
  const request = userIds.length === 1 && !name
    ? { type: "direct", participantIds: userIds }
    : { type: "group", participantIds: userIds, name: name || userIds.join(", ") };
  const conversation = await state.client.createConversation(request);
  upsertConversation(conversation);
  renderConversations();
  await open(conversation.id);
}

// ---- one conversation ------------------------------------------------------------------------------------------

export async function open(conversationId, { focusComposer = true } = {}) {
  const previous = state.activeId;
  state.activeId = conversationId;
  saveSession({ openId: conversationId });
  stopTyping(previous);
  if (previous !== conversationId) {
    state.editing = null;
    state.paletteFor = null;
    state.settingsOpen = false;
  }
  renderConversations();
  renderPane();
  if (previous && previous !== conversationId) {
    state.client.leaveRoom(previous).catch(() => {});
  }
  await state.client.joinRoom(conversationId);
  if (!state.messages.has(conversationId)) {
    state.messages.set(conversationId, { items: [], hasMore: true, loading: false });
    await loadOlder(conversationId);
  }
  if (state.activeId !== conversationId) {
    // Closed (Escape, Back) or another one opened while this one loaded: leave the page and the focus to that.
    return;
  }
  renderMessages({ scrollToEnd: true });
  showAttachmentDrafts();
  markActiveRead();
  if (focusComposer) {
    $("composer-input").focus();
  }
}

// Back to the list (the narrow layout's back button, or Escape): the conversation closes and its item gets the focus.
function closeConversation() {
  const closing = state.activeId;
  if (!closing) {
    return;
  }
  stopTyping(closing);
  state.activeId = null;
  saveSession({ openId: null });
  state.client.leaveRoom(closing).catch(() => {});
  renderConversations();
  renderPane();
  $("conversations").querySelector(`[data-conversation-id="${CSS.escape(closing)}"]`)?.focus();
}

async function loadOlder(conversationId) {
  const history = state.messages.get(conversationId);
  if (!history || history.loading || !history.hasMore) {
    return;
  }
  history.loading = true;
  try {
    const first = history.items[0]?.seq;
    const page = await state.client.history(conversationId, { limit: PAGE_SIZE, before: first });
    // A newMessage may have arrived while this page was on its way: merge by seq, never duplicate.
    page.items.forEach((m) => addMessage(conversationId, m));
    history.hasMore = page.hasMore;
  } finally {
    history.loading = false;
  }
}

function addMessage(conversationId, message) {
  const history = state.messages.get(conversationId);
  if (!history || history.items.some((m) => m.seq === message.seq)) {
    return false;
  }
  learnName(message.sender);
  history.items.push(message);
  history.items.sort((a, b) => a.seq - b.seq);
  if (message.tempId && state.pending.has(message.tempId) && message.sender.id === state.me.id) {
    state.pending.delete(message.tempId);
  }
  return true;
}

function onNewMessage(conversationId, message) {
  const conversation = state.conversations.get(conversationId);
  if (!conversation) {
    refreshConversation(conversationId);
    return;
  }
  addMessage(conversationId, message);
  setTyping(conversationId, message.sender.id, null);

  if (message.seq >= conversation.lastSeq) {
    conversation.lastSeq = message.seq;
    conversation.lastMessage = message;
    conversation.lastActivityAt = message.createdAt;
  }
  const mine = message.sender.id === state.me.id;
  const system = message.type === "system"; // a record of a group change: never unread
  const visible = conversationId === state.activeId && document.visibilityState === "visible";
  if (mine && !system) {
    conversation.unreadCount = 0;
    conversation.unreadMentionCount = 0;
  } else if (!visible && !system) {
    conversation.unreadCount += 1;
    if (message.mentions?.includes(state.me.id)) {
      conversation.unreadMentionCount = (conversation.unreadMentionCount ?? 0) + 1;
    }
  }
  if (!mine && !system && !visible) {
    acknowledge(conversationId, message.seq); // on screen it is marked read below instead, which implies delivery
  }
  renderConversations();
  if (conversationId === state.activeId) {
    renderMessages({ scrollToEnd: true });
    if (!mine && !system) {
      markActiveRead();
    }
  }
}

function onDeleted(conversationId, messageId) {
  const known = state.messages.get(conversationId)?.items.find((m) => m.id === messageId)
    ?? state.conversations.get(conversationId)?.lastMessage;
  if (known?.id === messageId) {
    onUpdated(conversationId, { ...known, content: "", reactions: [], deletedAt: new Date().toISOString() });
  }
}

// An edited (or deleted) message: replace it wherever it shows, the quotes of its replies included.
export function onUpdated(conversationId, message) {
  const history = state.messages.get(conversationId);
  if (history) {
    history.items = history.items.map((m) => m.id === message.id ? message : m);
    for (const reply of history.items.filter((m) => m.replyTo?.messageId === message.id)) {
      reply.replyTo = { ...reply.replyTo, excerpt: message.deletedAt ? "" : excerptOf(message.content) };
    }
  }
  if (state.editing?.id === message.id && message.deletedAt) {
    state.editing = null;
  }
  const conversation = state.conversations.get(conversationId);
  if (conversation?.lastMessage?.id === message.id) {
    conversation.lastMessage = message;
  }
  renderConversations();
  if (conversationId === state.activeId) {
    renderMessages({});
  }
}

// reactionAdded / reactionRemoved: applied to the message as it is here, idempotently.
export function onReaction({ conversationId, messageId, emoji, userId }, added) {
  const history = state.messages.get(conversationId);
  const index = history?.items.findIndex((m) => m.id === messageId) ?? -1;
  if (index < 0) {
    return;
  }
  history.items[index] = applyReaction(history.items[index], { emoji, userId }, added);
  if (conversationId === state.activeId) {
    renderMessages({});
  }
}

function seqOf(conversationId, messageId) {
  return state.messages.get(conversationId)?.items.find((m) => m.id === messageId)?.seq
    ?? (state.conversations.get(conversationId)?.lastMessage?.id === messageId ? state.conversations.get(conversationId).lastSeq : 0);
}

function onRead(conversationId, readBy, seq) {
  const conversation = state.conversations.get(conversationId);
  if (!conversation) {
    return;
  }
  if (readBy === state.me.id && seq >= conversation.lastSeq) {
    // Read in another tab of mine.
    conversation.unreadCount = 0;
    conversation.unreadMentionCount = 0;
    renderConversations();
  }
  onPosition(conversationId, readBy, { read: seq });
}

function onPosition(conversationId, userId, moved) {
  if (state.positions.move(conversationId, userId, moved) && conversationId === state.activeId) {
    renderMessages({});
  }
}

function markActiveRead() {
  const conversation = state.conversations.get(state.activeId);
  if (!conversation || document.visibilityState !== "visible" || conversation.lastSeq === 0) {
    return;
  }
  conversation.unreadCount = 0;
  conversation.unreadMentionCount = 0;
  state.positions.move(conversation.id, state.me.id, { read: conversation.lastSeq });
  renderConversations();
  state.client.markConversationAsRead(conversation.id).catch(showError);
}

function renderPane() {
  const conversation = state.conversations.get(state.activeId);
  $("empty").hidden = Boolean(conversation);
  $("conversation").hidden = !conversation;
  $("app").classList.toggle("showing-conversation", Boolean(conversation));
  if (conversation) {
    renderHeader();
    renderMessages({ scrollToEnd: true });
    renderTyping();
    renderReplyPreview();
  }
}

export function renderHeader() {
  const conversation = state.conversations.get(state.activeId);
  if (!conversation) {
    return;
  }
  $("title").textContent = titleOf(conversation);
  const people = others(conversation);
  const online = people.filter((id) => state.online.has(id)).length;
  const nameOf = (id) => state.names.get(id) ?? conversation.participants.find((p) => p.userId === id)?.name ?? id;
  $("subtitle").textContent = conversation.type === "direct"
    ? (online ? "online" : "offline")
    : `You, ${people.map(nameOf).join(", ")} · ${online} online`;
  $("subtitle").title = $("subtitle").textContent;
  renderGroupSettings();
}

// ---- sending and typing ----------------------------------------------------------------------------------------

function newTempId() {
  return crypto.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

// `draft` is { content, replyTo?, mentions?, attachmentIds? }: what the composer had. The client's outbox sends it, resends it under
// the same tempId after a reconnect, and reports its status (pending, failed, refused, sent) through "outbox".
export function send(conversationId, { content, replyTo = null, mentions = [], attachmentIds = [] }, tempId = newTempId()) {
  state.pending.set(tempId, { conversationId, content, replyTo, mentions, attachmentIds, status: "pending", reason: null });
  renderMessages({ scrollToEnd: true });
  const sending = state.client.outbox.some((item) => item.tempId === tempId)
    ? state.client.retry(tempId)
    : state.client.send({ conversationId, content, tempId, replyToId: replyTo?.messageId, mentions: mentions.length > 0 ? mentions : undefined,
        attachmentIds: attachmentIds.length > 0 ? attachmentIds : undefined });
  sending.catch(() => {}); // a refusal shows on the message, with its Retry
}

// ---- wiring ----------------------------------------------------------------------------------------------------

export function showError(error) {
  if (error?.code === "unauthenticated") {
    signOut(); // the session expired
    return;
  }
  if (state.client && (state.client.state === "reconnecting" || state.client.state === "disconnected")) {
    return; // the connection banner already says what is wrong; calls cut off by the drop need no toast of their own
  }
  const toast = $("toast");
  toast.textContent = String(error?.message ?? error); // the client's errors carry the server's sentence
  toast.hidden = false;
  clearTimeout(showError.timer);
  showError.timer = setTimeout(() => { toast.hidden = true; }, 5000);
}

function signOut() {
  sessionStorage.removeItem("chatkit.sample");
  location.reload();
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const userId = $("login-name").value.trim();
  $("login-error").textContent = "";
  $("login-name").removeAttribute("aria-invalid");
  if (!userId) {
    $("login-error").textContent = "Type a user name (any name will do), or pick one of the demo users above.";
    $("login-name").setAttribute("aria-invalid", "true");
    $("login-name").focus();
    return;
  }
  try {
    await start(await signIn(userId), userId, new URLSearchParams(location.search).get("conversation"));
  } catch (error) {
    $("login-error").textContent = error.message;
  }
});

document.querySelectorAll(".quick-users button").forEach((button) => button.addEventListener("click", () => {
  $("login-name").value = button.dataset.user;
  $("login-form").requestSubmit();
}));

$("sign-out").addEventListener("click", signOut);
$("back").addEventListener("click", closeConversation);
$("conversation").addEventListener("keydown", (event) => {
  if (event.key === "Escape" && !event.defaultPrevented) {
    event.preventDefault();
    closeConversation();
  }
});

$("new-chat").addEventListener("submit", async (event) => {
  event.preventDefault();
  const userIds = $("new-chat-users").value.split(",").map((s) => s.trim()).filter((s) => s && s !== state.me.id);
  if (userIds.length === 0) {
    showError("Type the user name of someone else.");
    $("new-chat-users").focus();
    return;
  }
  try {
    await createConversation([...new Set(userIds)], $("new-chat-name").value.trim());
    $("new-chat").reset();
  } catch (error) {
    showError(error);
  }
});

$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("composer-input");
  const content = input.value.trim();
  const attachmentIds = state.activeId ? takeAttachmentIds(state.activeId) : [];
  if ((!content && attachmentIds.length === 0) || !state.activeId) {
    return;
  }
  const conversation = state.conversations.get(state.activeId);
  const replyTo = state.replyTo.get(state.activeId) ?? null;
  input.value = "";
  completion.close();
  stopTyping(state.activeId);
  state.replyTo.delete(state.activeId);
  renderReplyPreview();
  send(state.activeId, { content, replyTo, mentions: mentionsIn(content, others(conversation)), attachmentIds });
});

wireAttachments(showError);

// @ completion among the open conversation's other participants.
const completion = attachCompletion($("composer-input"), $("mention-list"), () => {
  const conversation = state.conversations.get(state.activeId);
  return conversation ? others(conversation).map((id) => ({ id, name: state.names.get(id) ?? id })) : [];
});

$("composer-input").addEventListener("keydown", (event) => {
  if (completion.handleKey(event)) {
    return;
  }
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    $("composer").requestSubmit();
  } else if (event.key === "Escape" && state.replyTo.has(state.activeId)) {
    event.preventDefault(); // the first Escape drops the quote, the next one closes the conversation
    cancelReply();
  }
});

$("composer-input").addEventListener("input", onComposerInput);
$("reply-cancel").addEventListener("click", cancelReply);
wireGroupSettings();

$("messages").addEventListener("scroll", async () => {
  const list = $("messages");
  const conversationId = state.activeId;
  const history = state.messages.get(conversationId);
  if (list.scrollTop > 40 || !history?.hasMore || history.loading) {
    return;
  }
  const before = list.scrollHeight;
  try {
    await loadOlder(conversationId);
  } catch (error) {
    showError(error);
    return;
  }
  if (conversationId === state.activeId) {
    renderMessages({});
    list.scrollTop = list.scrollHeight - before; // keep the message under the reader's eyes where it was
  }
});

document.addEventListener("visibilitychange", markActiveRead);

// A click on a push notification: the service worker names the conversation to open (sw.js), or opens ?conversation=.
navigator.serviceWorker?.addEventListener("message", (event) => {
  const id = event.data?.type === "chatkit-open" ? event.data.conversationId : null;
  if (id && state.conversations.has(id)) {
    open(id).catch(showError);
  }
});

// A reload keeps the signed-in user of this tab.
const saved = JSON.parse(sessionStorage.getItem("chatkit.sample") ?? "null");
if (saved?.token) {
  start(saved.token, saved.userId, new URLSearchParams(location.search).get("conversation") ?? saved.openId).catch((error) => {
    sessionStorage.removeItem("chatkit.sample");
    $("login").hidden = false;
    $("app").hidden = true;
    $("login-error").textContent = error.message;
  });
}

// For the browser tests and the curious: the live state, read-only by convention.
window.chatkit = state;
