// The ChatKit sample page: plain DOM, the SignalR JavaScript client served by the sample (lib/signalr), and the
// wire contract of docs/protocol.md. User content is only ever written with textContent, never as HTML.

import { applyConversationChange, renderGroupSettings, wireGroupSettings } from "./group-settings.js";
import { attachCompletion, mentionsIn } from "./mentions.js";
import { showAttachmentDrafts, takeAttachmentIds, wireAttachments } from "./attachments.js";
import { cancelReply, excerptOf, renderMessages, renderReplyPreview } from "./message-view.js";
import { $, hiddenText, state } from "./state.js";

const PAGE_SIZE = 30;
const TYPING_IDLE_MS = 3000;
const TYPING_REPEAT_MS = 2000;

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
      : "Could not sign in: " + await problemText(response));
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
  await connect();
  await loadConversations();
  // A reload reopens the conversation that was open in this tab.
  if (openId && state.conversations.has(openId)) {
    await open(openId, { focusComposer: false });
  } else {
    $("new-chat-users").focus();
  }
}

// ---- REST ------------------------------------------------------------------------------------------------------

export async function api(path, options = {}) {
  const response = await fetch("/chats" + path, {
    ...options,
    headers: { Authorization: "Bearer " + state.token, "Content-Type": "application/json", ...(options.headers ?? {}) },
  });
  if (response.status === 401) {
    signOut();
    throw new Error("Your session expired: sign in again.");
  }
  if (!response.ok) {
    throw new Error(await problemText(response));
  }
  return response.status === 204 ? null : response.json();
}

async function problemText(response) {
  try {
    const problem = await response.json();
    return problem.detail ?? problem.title ?? String(response.status);
  } catch {
    return String(response.status);
  }
}

async function loadConversations() {
  let cursor = null;
  do {
    const page = await api("/conversations?limit=100" + (cursor ? "&cursor=" + encodeURIComponent(cursor) : ""));
    page.items.forEach(upsertConversation);
    cursor = page.nextCursor;
  } while (cursor);
  renderConversations();
  for (const conversation of state.conversations.values()) {
    if (conversation.lastMessage && conversation.lastMessage.sender.id !== state.me.id) {
      acknowledge(conversation.id, conversation.lastSeq);
    }
  }
}

// ---- the hub ---------------------------------------------------------------------------------------------------

// Retry for ever, backing off to 10 s: a chat page should come back by itself after a network blip or a deploy.
const retryForever = { nextRetryDelayInMilliseconds: (ctx) => Math.min(10000, ctx.previousRetryCount === 0 ? 0 : 1000 * 2 ** (ctx.previousRetryCount - 1)) };

async function connect() {
  const connection = new signalR.HubConnectionBuilder()
    .withUrl("/chat", { accessTokenFactory: () => state.token })
    .withAutomaticReconnect(retryForever)
    .configureLogging(signalR.LogLevel.Warning)
    .build();
  state.connection = connection;

  connection.on("conversationCreated", (conversation) => {
    upsertConversation(conversation);
    renderConversations();
    // Presence reaches only users who already share a conversation: ask again now that there is a new one.
    connection.invoke("getOnlineUsers").catch(() => {});
  });
  connection.on("newMessage", ({ message, conversationId }) => onNewMessage(conversationId, message));
  connection.on("messageSent", ({ tempId }) => setPendingStatus(tempId, "sent"));
  connection.on("userTyping", ({ userId, conversationId, username }) => setTyping(conversationId, userId, username));
  connection.on("userStoppedTyping", ({ userId, conversationId }) => setTyping(conversationId, userId, null));
  connection.on("messageRead", ({ messageId, conversationId, readBy }) => onRead(conversationId, readBy, seqOf(conversationId, messageId)));
  connection.on("messageDelivered", ({ conversationId, userId, seq }) => onPosition(conversationId, userId, { delivered: seq }));
  connection.on("messageUpdated", ({ message, conversationId }) => onUpdated(conversationId, message));
  connection.on("reactionAdded", (event) => onReaction(event, true));
  connection.on("reactionRemoved", (event) => onReaction(event, false));
  connection.on("conversationRead", ({ conversationId, readBy }) => onRead(conversationId, readBy, state.conversations.get(conversationId)?.lastSeq ?? 0));
  connection.on("userStatusChanged", ({ userId, status }) => { status === "online" ? state.online.add(userId) : state.online.delete(userId); renderConversations(); renderHeader(); });
  connection.on("onlineUsers", (users) => { state.online = new Set(users); renderConversations(); renderHeader(); });
  connection.on("messageDeleted", ({ messageId, conversationId }) => onDeleted(conversationId, messageId));
  connection.on("participantsAdded", ({ conversationId }) => refreshConversation(conversationId));
  // A new name, metadata or roles; the unread counts in it are the changer's, so this page keeps its own.
  connection.on("conversationUpdated", (conversation) => applyConversationChange(conversation));
  connection.on("participantRemoved", ({ conversationId, userId }) => userId === state.me.id ? forget(conversationId) : refreshConversation(conversationId));

  connection.onreconnecting(() => {
    // Presence is unknown while away (getOnlineUsers asks again once back), and nobody is typing any more.
    state.online.clear();
    state.typing.clear();
    renderConversations();
    renderHeader();
    renderTyping();
    setConnectionState("reconnecting", "Connection lost. Reconnecting…");
  });
  connection.onreconnected(() => recover());
  connection.onclose(() => setConnectionState("disconnected", "Disconnected. Reload the page to reconnect."));

  setConnectionState("connecting", "Connecting…");
  await connection.start();
  setConnectionState("connected", "Connected");
  await connection.invoke("getOnlineUsers");
}

// After a reconnect: the new connection has joined no room, and events sent meanwhile were lost. Fetch what was
// missed with after=<last seq>, re-join the open room, resend unacknowledged messages (their tempId makes that safe).
async function recover() {
  setConnectionState("recovering", "Reconnected. Catching up…");
  try {
    await loadConversations();
    for (const conversationId of state.messages.keys()) {
      await catchUp(conversationId);
    }
    if (state.activeId) {
      await state.connection.invoke("joinRoom", { conversationId: state.activeId });
      markActiveRead();
    }
    await state.connection.invoke("getOnlineUsers");
    for (const [tempId, pending] of state.pending) {
      if (pending.status === "failed" || pending.status === "pending") {
        send(pending.conversationId, pending, tempId);
      }
    }
    setConnectionState("connected", "Connected");
  } catch (error) {
    setConnectionState("reconnecting", "Catching up failed: " + error.message);
  }
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
  // Marks survive a reload: every participant's read and delivery positions come with the conversation.
  for (const p of conversation.participants ?? []) {
    movePosition(conversation.id, p.userId, { read: p.lastReadSeq ?? 0, delivered: p.lastDeliveredSeq ?? 0 });
  }
}

// Positions only move forward, and reading implies delivery.
function movePosition(conversationId, userId, { read = 0, delivered = 0 }) {
  const positions = state.positions.get(conversationId) ?? new Map();
  const old = positions.get(userId) ?? { read: 0, delivered: 0 };
  const next = { read: Math.max(old.read, read) };
  next.delivered = Math.max(old.delivered, delivered, next.read);
  positions.set(userId, next);
  state.positions.set(conversationId, positions);
  return next.read !== old.read || next.delivered !== old.delivered;
}

// Tell the senders their messages reached this browser (up to seq), once per position.
function acknowledge(conversationId, seq) {
  const mine = state.positions.get(conversationId)?.get(state.me.id);
  if (seq <= (mine?.delivered ?? 0)) {
    return;
  }
  const before = mine?.delivered ?? 0;
  movePosition(conversationId, state.me.id, { delivered: seq });
  state.connection.invoke("markAsDelivered", { conversationId, seq }).catch(() => {
    // Not stored (offline, rate-limited): forget it, so the next message acknowledges again. A reload or reconnect
    // acknowledges from the conversation list anyway.
    const now = state.positions.get(conversationId)?.get(state.me.id);
    if (now && now.delivered === seq && now.read < seq) {
      now.delivered = before;
    }
  });
}

export function roleOf(conversation, userId = state.me.id) {
  return conversation.participants.find((p) => p.userId === userId)?.role ?? "member";
}

async function refreshConversation(conversationId) {
  try {
    upsertConversation(await api("/conversations/" + encodeURIComponent(conversationId)));
    renderConversations();
    renderHeader();
  } catch (error) {
    showError(error);
  }
}

function forget(conversationId) {
  state.conversations.delete(conversationId);
  state.messages.delete(conversationId);
  if (state.activeId === conversationId) {
    state.activeId = null;
    saveSession({ openId: null });
    renderPane();
  }
  renderConversations();
}

export function others(conversation) {
  return conversation.participants.map((p) => p.userId).filter((id) => id !== state.me.id);
}

export function titleOf(conversation) {
  if (conversation.type === "group") {
    return conversation.name ?? "Group";
  }
  const other = others(conversation)[0];
  return other ? (state.names.get(other) ?? other) : "Just you";
}

function learnName(sender) {
  if (sender && sender.id !== state.me?.id) {
    state.names.set(sender.id, sender.name);
  }
}

export function renderConversations() {
  const list = $("conversations");
  const focusedId = list.contains(document.activeElement) ? document.activeElement.dataset.conversationId : null;
  const sorted = [...state.conversations.values()].sort((a, b) => (b.lastActivityAt ?? "").localeCompare(a.lastActivityAt ?? ""));
  $("no-conversations").hidden = sorted.length > 0;
  list.replaceChildren(...sorted.map((conversation) => {
    const row = document.createElement("li");
    const item = document.createElement("button");
    item.type = "button";
    item.className = "conversation-item";
    item.dataset.testid = "conversation";
    item.dataset.conversationId = conversation.id;
    if (conversation.id === state.activeId) {
      item.setAttribute("aria-current", "true");
    }
    row.append(item);

    const dot = document.createElement("span");
    if (conversation.type === "direct") {
      const online = others(conversation).some((id) => state.online.has(id));
      dot.className = "dot" + (online ? " online" : "");
      dot.dataset.testid = "online-dot";
      dot.dataset.online = String(online);
      dot.title = online ? "online" : "offline";
    } else {
      dot.className = "dot group";
    }
    dot.setAttribute("aria-hidden", "true");

    const name = document.createElement("span");
    name.className = "name";
    name.dataset.testid = "conversation-name";
    name.textContent = titleOf(conversation);

    const preview = document.createElement("span");
    preview.className = "preview";
    preview.dataset.testid = "conversation-preview";
    const last = conversation.lastMessage;
    preview.textContent = !last ? "No messages yet" : last.deletedAt ? "Message deleted" : `${last.sender.id === state.me.id ? "You" : last.sender.name}: ${last.content}`;

    item.append(dot, name);
    if (conversation.type === "direct") {
      item.append(hiddenText(dot.dataset.online === "true" ? ", online" : ", offline"));
    }
    const badges = document.createElement("span");
    badges.className = "badges";
    if (conversation.unreadMentionCount > 0) {
      const mention = document.createElement("span");
      mention.className = "badge mention-badge";
      mention.dataset.testid = "mention-badge";
      mention.title = `${conversation.unreadMentionCount} unread mention${conversation.unreadMentionCount === 1 ? "" : "s"} of you`;
      mention.textContent = "@";
      badges.append(hiddenText(", "), mention, hiddenText(" mentioned you"));
    }
    if (conversation.unreadCount > 0) {
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.dataset.testid = "unread-badge";
      badge.textContent = String(conversation.unreadCount);
      badges.append(hiddenText(", "), badge, hiddenText(" unread"));
    }
    item.append(badges);
    item.append(hiddenText(". "), preview);
    item.addEventListener("click", () => open(conversation.id).catch(showError));
    return row;
  }));
  if (focusedId) {
    list.querySelector(`[data-conversation-id="${CSS.escape(focusedId)}"]`)?.focus();
  }
}

async function createConversation(userIds, name) {
  const request = userIds.length === 1 && !name
    ? { type: "direct", participantIds: userIds }
    : { type: "group", participantIds: userIds, name: name || userIds.join(", ") };
  const conversation = await state.connection.invoke("createConversation", request);
  upsertConversation(conversation);
  renderConversations();
  await open(conversation.id);
}

// ---- one conversation ------------------------------------------------------------------------------------------

async function open(conversationId, { focusComposer = true } = {}) {
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
    state.connection.invoke("leaveRoom", { conversationId: previous }).catch(() => {});
  }
  await state.connection.invoke("joinRoom", { conversationId });
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
  state.connection.invoke("leaveRoom", { conversationId: closing }).catch(() => {});
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
    const page = await api(`/conversations/${encodeURIComponent(conversationId)}/messages?limit=${PAGE_SIZE}` + (first ? `&before=${first}` : ""));
    // A newMessage may have arrived while this page was on its way: merge by seq, never duplicate.
    page.items.forEach((m) => addMessage(conversationId, m));
    history.hasMore = page.hasMore;
  } finally {
    history.loading = false;
  }
}

async function catchUp(conversationId) {
  const history = state.messages.get(conversationId);
  if (!history) {
    return;
  }
  let more = true;
  while (more) {
    const last = history.items.at(-1)?.seq ?? 0;
    const page = await api(`/conversations/${encodeURIComponent(conversationId)}/messages?limit=100&after=${last}`);
    page.items.forEach((m) => addMessage(conversationId, m));
    more = page.hasMore && page.items.length > 0;
  }
  if (conversationId === state.activeId) {
    renderMessages({ scrollToEnd: true });
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
  const history = state.messages.get(conversationId);
  const gap = history && history.items.length > 0 && message.seq > history.items.at(-1).seq + 1;
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
  if (gap) {
    catchUp(conversationId).catch(showError);
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
  const message = state.messages.get(conversationId)?.items.find((m) => m.id === messageId);
  if (!message) {
    return;
  }
  const reactions = (message.reactions ?? []).map((r) => ({ ...r, userIds: [...r.userIds] }));
  let reaction = reactions.find((r) => r.emoji === emoji);
  if (added && !reaction) {
    reaction = { emoji, count: 0, userIds: [] };
    reactions.push(reaction);
  }
  if (reaction) {
    reaction.userIds = added ? [...new Set([...reaction.userIds, userId])] : reaction.userIds.filter((id) => id !== userId);
    reaction.count = reaction.userIds.length;
  }
  message.reactions = reactions.filter((r) => r.count > 0);
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
  if (movePosition(conversationId, userId, moved) && conversationId === state.activeId) {
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
  movePosition(conversation.id, state.me.id, { read: conversation.lastSeq });
  renderConversations();
  state.connection.invoke("markConversationAsRead", { conversationId: conversation.id }).catch(showError);
}

function setTyping(conversationId, userId, username) {
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

function renderTyping() {
  const names = [...(state.typing.get(state.activeId)?.values() ?? [])];
  $("typing").textContent = names.length === 0 ? "" : names.length === 1 ? `${names[0]} is typing…` : `${names.join(", ")} are typing…`;
}

// ---- sending and typing ----------------------------------------------------------------------------------------

function newTempId() {
  return crypto.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

// `draft` is { content, replyTo?, mentions? }: what the composer had, kept for a resend under the same tempId.
export async function send(conversationId, { content, replyTo = null, mentions = [], attachmentIds = [] }, tempId = newTempId()) {
  state.pending.set(tempId, { conversationId, content, replyTo, mentions, attachmentIds, status: "pending", reason: null });
  renderMessages({ scrollToEnd: true });
  try {
    const request = { conversationId, content, tempId };
    if (replyTo) {
      request.replyToId = replyTo.messageId;
    }
    if (mentions.length > 0) {
      request.mentions = mentions;
    }
    if (attachmentIds.length > 0) {
      request.attachmentIds = attachmentIds;
    }
    const ack = await state.connection.invoke("sendMessage", request);
    const pending = state.pending.get(tempId);
    if (pending) {
      // newMessage has not arrived yet: it will replace the pending item.
      pending.status = "sent";
      pending.seq = ack.seq;
    }
  } catch (error) {
    const pending = state.pending.get(tempId);
    const retryable = state.connection.state !== signalR.HubConnectionState.Connected;
    if (pending && retryable) {
      pending.status = "failed"; // resent with the same tempId once reconnected
    } else if (pending) {
      // Refused (too many messages in a row, too long…): the text stays, marked, with a retry under the same tempId.
      pending.status = "refused";
      pending.reason = hubErrorText(error);
    }
  }
  if (conversationId === state.activeId) {
    renderMessages({ scrollToEnd: true });
  }
}

function setPendingStatus(tempId, status) {
  const pending = state.pending.get(tempId);
  if (pending) {
    pending.status = status;
    renderMessages({});
  }
}

function onComposerInput() {
  const conversationId = state.activeId;
  if (!conversationId || state.connection.state !== signalR.HubConnectionState.Connected) {
    return;
  }
  const now = Date.now();
  if (now - state.typingSentAt > TYPING_REPEAT_MS) {
    state.typingSentAt = now;
    state.connection.invoke("typing", { conversationId }).catch(() => {});
  }
  clearTimeout(state.typingTimer);
  state.typingTimer = setTimeout(() => stopTyping(conversationId), TYPING_IDLE_MS);
}

function stopTyping(conversationId) {
  clearTimeout(state.typingTimer);
  if (conversationId && state.typingSentAt && state.connection?.state === signalR.HubConnectionState.Connected) {
    state.connection.invoke("stopTyping", { conversationId }).catch(() => {});
  }
  state.typingSentAt = 0;
}

// ---- wiring ----------------------------------------------------------------------------------------------------

export function showError(error) {
  if (state.connection && state.connection.state !== signalR.HubConnectionState.Connected) {
    return; // the connection banner already says what is wrong; calls cut off by the drop need no toast of their own
  }
  const toast = $("toast");
  toast.textContent = hubErrorText(error);
  toast.hidden = false;
  clearTimeout(showError.timer);
  showError.timer = setTimeout(() => { toast.hidden = true; }, 5000);
}

// HubException messages arrive as "code: sentence"; the sentence is for people.
function hubErrorText(error) {
  return String(error?.message ?? error).replace(/^.*HubException: /, "").replace(/^[a-z_]+: /, "");
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
    await start(await signIn(userId), userId);
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

// A reload keeps the signed-in user of this tab.
const saved = JSON.parse(sessionStorage.getItem("chatkit.sample") ?? "null");
if (saved?.token) {
  start(saved.token, saved.userId, saved.openId).catch((error) => {
    sessionStorage.removeItem("chatkit.sample");
    $("login").hidden = false;
    $("app").hidden = true;
    $("login-error").textContent = error.message;
  });
}

// For the browser tests and the curious: the live state, read-only by convention.
window.chatkit = state;
