// The ChatKit sample page: plain DOM, the SignalR JavaScript client served by the sample (lib/signalr), and the
// wire contract of docs/protocol.md. User content is only ever written with textContent, never as HTML.

import { attachCompletion, contentNodes, mentionsIn } from "./mentions.js";

const PAGE_SIZE = 30;
const TYPING_IDLE_MS = 3000;
const TYPING_REPEAT_MS = 2000;
const REACTIONS = ["👍", "❤️", "😂", "😮", "😢"];
const EXCERPT_LENGTH = 100;

const $ = (id) => document.getElementById(id);

const state = {
  token: null,
  me: null, // { id, name }
  connection: null,
  conversations: new Map(), // id -> Conversation (wire shape)
  messages: new Map(), // conversationId -> { items: Message[] ascending, hasMore, loading }
  pending: new Map(), // tempId -> { conversationId, content, status }
  positions: new Map(), // conversationId -> Map(userId -> { read, delivered }): every participant's receipt positions
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

async function api(path, options = {}) {
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
  connection.on("conversationUpdated", (conversation) => applyOwnChange(conversation));
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

function upsertConversation(conversation) {
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
  movePosition(conversationId, state.me.id, { delivered: seq });
  state.connection.invoke("markAsDelivered", { conversationId, seq }).catch(() => {});
}

function roleOf(conversation, userId = state.me.id) {
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

function others(conversation) {
  return conversation.participants.map((p) => p.userId).filter((id) => id !== state.me.id);
}

function titleOf(conversation) {
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

function renderConversations() {
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

function hiddenText(text) {
  const span = document.createElement("span");
  span.className = "visually-hidden";
  span.textContent = text;
  return span;
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
function onUpdated(conversationId, message) {
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

function excerptOf(content) {
  return [...content].slice(0, EXCERPT_LENGTH).join("");
}

// reactionAdded / reactionRemoved: applied to the message as it is here, idempotently.
function onReaction({ conversationId, messageId, emoji, userId }, added) {
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

function renderHeader() {
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

// The group's owner and admins rename it; the owner also makes people admin or member again.
function renderGroupSettings() {
  const conversation = state.conversations.get(state.activeId);
  const myRole = conversation ? roleOf(conversation) : "member";
  const canManage = conversation?.type === "group" && (myRole === "owner" || myRole === "admin");
  if (!canManage) {
    state.settingsOpen = false;
  }
  $("manage-group").hidden = !canManage;
  $("manage-group").setAttribute("aria-expanded", String(state.settingsOpen));
  $("group-settings").hidden = !state.settingsOpen;
  if (!state.settingsOpen) {
    return;
  }
  const list = $("members");
  const focusKey = list.contains(document.activeElement) ? document.activeElement.dataset.focusKey : null;
  list.replaceChildren(...conversation.participants.map((p) => {
    const row = document.createElement("li");
    row.dataset.testid = "member";
    row.dataset.userId = p.userId;
    const name = document.createElement("span");
    name.className = "member-name";
    name.textContent = p.userId === state.me.id ? `${p.userId} (you)` : (state.names.get(p.userId) ?? p.userId);
    const role = document.createElement("span");
    role.className = "member-role";
    role.dataset.testid = "member-role";
    role.textContent = p.role;
    row.append(name, role);
    if (myRole === "owner" && p.role !== "owner") {
      const next = p.role === "admin" ? "member" : "admin";
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.testid = "role-toggle";
      button.dataset.focusKey = "role:" + p.userId;
      button.append(next === "admin" ? "Make admin" : "Make member", hiddenText(`: ${p.userId}`));
      button.addEventListener("click", async () => {
        try {
          const path = `/conversations/${encodeURIComponent(conversation.id)}/participants/${encodeURIComponent(p.userId)}/role`;
          applyOwnChange(await api(path, { method: "PUT", body: JSON.stringify({ role: next }) }));
        } catch (error) {
          showError(error);
        }
      });
      row.append(button);
    }
    return row;
  }));
  if (focusKey) {
    list.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`)?.focus();
  }
}

// conversationUpdated, or the answer of this page's rename or role change (the same Conversation): the unread counts
// in it are the changer's, so this page keeps its own.
function applyOwnChange(conversation) {
  const known = state.conversations.get(conversation.id);
  upsertConversation({ ...conversation, unreadCount: known?.unreadCount ?? 0, unreadMentionCount: known?.unreadMentionCount ?? 0 });
  renderConversations();
  renderHeader();
}

function renderTyping() {
  const names = [...(state.typing.get(state.activeId)?.values() ?? [])];
  $("typing").textContent = names.length === 0 ? "" : names.length === 1 ? `${names[0]} is typing…` : `${names.join(", ")} are typing…`;
}

function renderMessages({ scrollToEnd }) {
  const list = $("messages");
  const history = state.messages.get(state.activeId);
  if (!history) {
    list.replaceChildren();
    return;
  }
  const conversation = state.conversations.get(state.activeId);
  const nearEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
  // Re-rendering replaces the nodes: keep the keyboard focus (and an editor's caret) where it was.
  const focused = list.contains(document.activeElement) ? document.activeElement : null;
  const focusKey = focused?.dataset.focusKey;
  const caret = focused?.tagName === "TEXTAREA" ? [focused.selectionStart, focused.selectionEnd] : null;
  const items = history.items.map((m) => m.type === "system"
    ? systemItem(m)
    : messageItem(m, m.sender.id === state.me.id ? { receipt: receiptOf(conversation, m.seq) } : null));
  for (const [tempId, pending] of state.pending) {
    if (pending.conversationId === state.activeId) {
      const draft = { id: tempId, seq: 0, sender: state.me, content: pending.content, createdAt: null, replyTo: pending.replyTo, mentions: pending.mentions };
      items.push(messageItem(draft, { status: pending.status, reason: pending.reason, tempId }));
    }
  }
  const header = document.createElement("li");
  header.className = "history";
  header.textContent = history.hasMore ? "Scroll up for older messages" : "Start of the conversation";
  list.replaceChildren(header, ...items);
  if (focusKey) {
    const again = list.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`);
    again?.focus();
    if (again && caret) {
      again.setSelectionRange(...caret);
    }
  }
  if (scrollToEnd || nearEnd) {
    list.scrollTop = list.scrollHeight;
  }
}

// My message's mark: read (in a group, by how many, their names on hover), delivered, or sent.
function receiptOf(conversation, seq) {
  const positions = state.positions.get(conversation.id);
  const people = others(conversation);
  const readers = people.filter((id) => (positions?.get(id)?.read ?? 0) >= seq);
  const group = conversation.type === "group";
  if (readers.length > 0) {
    const names = readers.map((id) => state.names.get(id) ?? id).join(", ");
    return group
      ? { status: "read", text: `✓✓ read by ${readers.length}`, title: `Read by ${names}` }
      : { status: "read", text: "✓✓ read", title: null };
  }
  const receivers = people.filter((id) => (positions?.get(id)?.delivered ?? 0) >= seq);
  if (receivers.length > 0) {
    return { status: "delivered", text: "✓✓ delivered", title: group ? `Delivered to ${receivers.map((id) => state.names.get(id) ?? id).join(", ")}` : null };
  }
  return { status: "sent", text: "✓ sent", title: null };
}

// A membership or group change: one centered grey line, its sentence as the server wrote it.
function systemItem(message) {
  const item = document.createElement("li");
  item.className = "system-message";
  item.dataset.testid = "system-message";
  item.dataset.seq = String(message.seq);
  item.textContent = message.content;
  return item;
}

// One message. `own` is null for other people's messages; for mine it holds the receipt of a stored message, or the
// status (pending, failed, refused, sent) of one not stored yet.
function messageItem(message, own) {
  const stored = message.seq > 0;
  const mentionsMe = !own && message.mentions?.includes(state.me.id);
  const item = document.createElement("li");
  item.className = "message" + (own ? " mine" : "") + (message.deletedAt ? " deleted" : "")
    + (own?.status === "refused" ? " refused" : "") + (mentionsMe ? " mentions-me" : "");
  item.dataset.testid = "message";
  item.dataset.seq = String(message.seq);
  item.dataset.messageId = message.id;

  if (message.replyTo) {
    item.append(quoteOf(message.replyTo, "reply-quote"));
  }
  if (state.editing?.id === message.id && !message.deletedAt) {
    item.append(editorFor(message));
  } else {
    const bubble = document.createElement("div");
    bubble.className = "bubble";
    bubble.dataset.testid = "message-content";
    if (message.deletedAt) {
      bubble.textContent = "This message was deleted";
    } else {
      bubble.append(...contentNodes(message.content, message.mentions ?? [], state.me.id));
    }
    item.append(bubble);
  }
  if (message.reactions?.length > 0 && !message.deletedAt) {
    item.append(reactionsOf(message));
  }
  if (state.paletteFor === message.id && !message.deletedAt) {
    item.append(paletteFor(message));
  }

  const meta = document.createElement("div");
  meta.className = "meta";
  const who = document.createElement("span");
  who.textContent = own ? "" : message.sender.name;
  const when = document.createElement("time");
  if (message.createdAt) {
    when.dateTime = message.createdAt;
    when.dataset.testid = "message-time";
    when.textContent = formatTime(new Date(message.createdAt));
  }
  meta.append(who, when);
  if (message.editedAt && !message.deletedAt) {
    const edited = document.createElement("span");
    edited.className = "edited";
    edited.dataset.testid = "edited";
    edited.textContent = "edited";
    meta.append(edited);
  }
  if (own) {
    meta.append(...statusNodes(message, own));
  }
  if (stored && !message.deletedAt) {
    meta.append(actionsOf(message, Boolean(own)));
  }
  item.append(meta);
  return item;
}

function statusNodes(message, { receipt, status, reason, tempId }) {
  const mark = document.createElement("span");
  mark.className = "status";
  mark.dataset.testid = "message-status";
  mark.dataset.status = receipt?.status ?? status;
  mark.textContent = receipt ? receipt.text : status === "refused"
    ? `Not sent: ${reason ?? "refused"}`
    : { pending: "sending…", failed: "not sent yet", sent: "✓ sent" }[status];
  if (receipt?.title) {
    mark.title = receipt.title; // the names on hover; for screen readers, as text beside it
    return [mark, hiddenText(`(${receipt.title})`)];
  }
  if (status !== "refused" || !tempId) {
    return [mark];
  }
  const retry = document.createElement("button");
  retry.type = "button";
  retry.className = "retry";
  retry.dataset.testid = "retry";
  retry.textContent = "Retry";
  retry.setAttribute("aria-label", `Retry sending “${message.content.slice(0, 40)}”`);
  retry.addEventListener("click", () => {
    const pending = state.pending.get(tempId);
    if (pending) {
      send(pending.conversationId, pending, tempId);
      $("composer-input").focus();
    }
  });
  return [mark, retry];
}

function actionButton(label, testid, message, onClick) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "action";
  button.dataset.testid = testid;
  button.dataset.focusKey = `${testid}:${message.id}`;
  button.textContent = label;
  button.addEventListener("click", onClick);
  return button;
}

// Reply, react and (on my own messages) edit.
function actionsOf(message, mine) {
  const actions = document.createElement("span");
  actions.className = "actions";
  actions.append(actionButton("Reply", "reply", message, () => startReply(message)));
  const react = actionButton("React", "react", message, () => {
    state.paletteFor = state.paletteFor === message.id ? null : message.id;
    renderMessages({});
    if (state.paletteFor) {
      $("messages").querySelector(`[data-testid="palette"] button`)?.focus();
    }
  });
  react.setAttribute("aria-expanded", String(state.paletteFor === message.id));
  actions.append(react);
  if (mine) {
    actions.append(actionButton("Edit", "edit", message, () => {
      state.editing = { id: message.id, draft: message.content };
      state.paletteFor = null;
      renderMessages({});
      const input = $("messages").querySelector("[data-testid=edit-input]");
      input?.focus();
      input?.setSelectionRange(input.value.length, input.value.length);
    }));
  }
  return actions;
}

function quoteOf(replyTo, testid) {
  const quote = document.createElement("div");
  quote.className = "quote";
  quote.dataset.testid = testid;
  const who = document.createElement("span");
  who.className = "quote-sender";
  who.textContent = replyTo.senderId === state.me.id ? "You" : (state.names.get(replyTo.senderId) ?? replyTo.senderId);
  const text = document.createElement("span");
  text.className = "quote-text" + (replyTo.excerpt ? "" : " gone");
  text.dataset.testid = "quote-text";
  text.textContent = replyTo.excerpt || "Original message deleted";
  quote.append(hiddenText("Reply to "), who, hiddenText(": "), text);
  return quote;
}

// The inline editor of one of my messages: Enter saves, Shift+Enter is a new line, Escape cancels.
function editorFor(message) {
  const form = document.createElement("form");
  form.className = "editor";
  form.dataset.testid = "editor";
  form.noValidate = true;
  const id = "edit-" + message.id;
  const label = document.createElement("label");
  label.htmlFor = id;
  label.className = "visually-hidden";
  label.textContent = "Edit message";
  const input = document.createElement("textarea");
  input.id = id;
  input.rows = 2;
  input.maxLength = 4000;
  input.value = state.editing.draft;
  input.dataset.testid = "edit-input";
  input.dataset.focusKey = "edit-input:" + message.id;
  input.addEventListener("input", () => { state.editing.draft = input.value; });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    } else if (event.key === "Escape") {
      event.preventDefault();
      cancelEdit(message);
    }
  });
  const save = document.createElement("button");
  save.type = "submit";
  save.className = "primary";
  save.dataset.testid = "edit-save";
  save.textContent = "Save";
  const cancel = document.createElement("button");
  cancel.type = "button";
  cancel.dataset.testid = "edit-cancel";
  cancel.textContent = "Cancel";
  cancel.addEventListener("click", () => cancelEdit(message));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    saveEdit(message).catch(showError);
  });
  const buttons = document.createElement("div");
  buttons.className = "editor-buttons";
  buttons.append(cancel, save);
  form.append(label, input, buttons);
  return form;
}

function cancelEdit(message) {
  state.editing = null;
  renderMessages({});
  $("messages").querySelector(`[data-focus-key="edit:${CSS.escape(message.id)}"]`)?.focus();
}

async function saveEdit(message) {
  const content = state.editing.draft.trim();
  if (!content) {
    showError("A message can't be empty: cancel to keep it as it is.");
    return;
  }
  if (content !== message.content) {
    const edited = await state.connection.invoke("editMessage", { messageId: message.id, content });
    onUpdated(edited.conversationId ?? state.activeId, edited);
  }
  cancelEdit(message);
}

function reactionsOf(message) {
  const row = document.createElement("div");
  row.className = "reactions";
  row.dataset.testid = "reactions";
  for (const reaction of message.reactions) {
    const mine = reaction.userIds.includes(state.me.id);
    const names = reaction.userIds.map((id) => id === state.me.id ? "you" : (state.names.get(id) ?? id)).join(", ");
    const chip = document.createElement("button");
    chip.type = "button";
    chip.className = "reaction";
    chip.dataset.testid = "reaction";
    chip.dataset.emoji = reaction.emoji;
    chip.dataset.focusKey = `reaction:${message.id}:${reaction.emoji}`;
    chip.setAttribute("aria-pressed", String(mine));
    chip.setAttribute("aria-label", `${reaction.emoji} ${reaction.count}, from ${names}`);
    chip.title = names;
    chip.textContent = `${reaction.emoji} ${reaction.count}`;
    chip.addEventListener("click", () => toggleReaction(message, reaction.emoji).catch(showError));
    row.append(chip);
  }
  return row;
}

// The fixed palette: one button per emoji, pressed when I reacted with it. Escape closes it.
function paletteFor(message) {
  const palette = document.createElement("div");
  palette.className = "palette";
  palette.dataset.testid = "palette";
  palette.setAttribute("role", "group");
  palette.setAttribute("aria-label", "Reactions");
  for (const emoji of REACTIONS) {
    const mine = message.reactions?.some((r) => r.emoji === emoji && r.userIds.includes(state.me.id)) ?? false;
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.testid = "palette-emoji";
    button.dataset.emoji = emoji;
    button.dataset.focusKey = `palette:${message.id}:${emoji}`;
    button.setAttribute("aria-pressed", String(mine));
    button.setAttribute("aria-label", `React with ${emoji}`);
    button.textContent = emoji;
    button.addEventListener("click", () => {
      state.paletteFor = null;
      toggleReaction(message, emoji).catch(showError);
      renderMessages({});
      $("messages").querySelector(`[data-focus-key="react:${CSS.escape(message.id)}"]`)?.focus();
    });
    palette.append(button);
  }
  palette.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      state.paletteFor = null;
      renderMessages({});
      $("messages").querySelector(`[data-focus-key="react:${CSS.escape(message.id)}"]`)?.focus();
    }
  });
  return palette;
}

// My reaction with that emoji goes if it was there, else comes; the events bring every page (this one too) up to date.
async function toggleReaction(message, emoji) {
  const current = state.messages.get(state.activeId)?.items.find((m) => m.id === message.id) ?? message;
  const mine = current.reactions?.some((r) => r.emoji === emoji && r.userIds.includes(state.me.id)) ?? false;
  await state.connection.invoke(mine ? "removeReaction" : "addReaction", { messageId: message.id, emoji });
  onReaction({ conversationId: current.conversationId ?? state.activeId, messageId: message.id, emoji, userId: state.me.id }, !mine);
}

function startReply(message) {
  state.replyTo.set(state.activeId, { messageId: message.id, senderId: message.sender.id, excerpt: excerptOf(message.content) });
  renderReplyPreview();
  $("composer-input").focus();
}

function renderReplyPreview() {
  const replyTo = state.replyTo.get(state.activeId);
  $("reply-preview").hidden = !replyTo;
  if (replyTo) {
    $("reply-quote").replaceChildren(quoteOf(replyTo, "reply-preview-quote"));
  }
}

// Today's messages show the time; older ones the date too (and the year when it is not this year's).
function formatTime(date) {
  const now = new Date();
  const time = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  if (date.toDateString() === now.toDateString()) {
    return time;
  }
  const day = date.toLocaleDateString([], date.getFullYear() === now.getFullYear()
    ? { day: "numeric", month: "short" }
    : { day: "numeric", month: "short", year: "numeric" });
  return `${day}, ${time}`;
}

// ---- sending and typing ----------------------------------------------------------------------------------------

function newTempId() {
  return crypto.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

// `draft` is { content, replyTo?, mentions? }: what the composer had, kept for a resend under the same tempId.
async function send(conversationId, { content, replyTo = null, mentions = [] }, tempId = newTempId()) {
  state.pending.set(tempId, { conversationId, content, replyTo, mentions, status: "pending", reason: null });
  renderMessages({ scrollToEnd: true });
  try {
    const request = { conversationId, content, tempId };
    if (replyTo) {
      request.replyToId = replyTo.messageId;
    }
    if (mentions.length > 0) {
      request.mentions = mentions;
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

function showError(error) {
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
  if (!content || !state.activeId) {
    return;
  }
  const conversation = state.conversations.get(state.activeId);
  const replyTo = state.replyTo.get(state.activeId) ?? null;
  input.value = "";
  completion.close();
  stopTyping(state.activeId);
  state.replyTo.delete(state.activeId);
  renderReplyPreview();
  send(state.activeId, { content, replyTo, mentions: mentionsIn(content, others(conversation)) });
});

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
$("reply-cancel").addEventListener("click", cancelReply);

function cancelReply() {
  state.replyTo.delete(state.activeId);
  renderReplyPreview();
  $("composer-input").focus();
}

$("manage-group").addEventListener("click", () => {
  state.settingsOpen = !state.settingsOpen;
  renderGroupSettings();
  if (state.settingsOpen) {
    const input = $("rename-input");
    input.value = titleOf(state.conversations.get(state.activeId));
    input.focus();
  }
});
$("group-settings").addEventListener("keydown", (event) => {
  if (event.key === "Escape") {
    event.preventDefault();
    state.settingsOpen = false;
    renderGroupSettings();
    $("manage-group").focus();
  }
});
$("rename-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const conversationId = state.activeId;
  const name = $("rename-input").value.trim();
  if (!name) {
    showError("Type the group's new name.");
    return;
  }
  try {
    applyOwnChange(await api("/conversations/" + encodeURIComponent(conversationId), { method: "PATCH", body: JSON.stringify({ name }) }));
  } catch (error) {
    showError(error);
  }
});
$("composer-input").addEventListener("input", onComposerInput);

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
