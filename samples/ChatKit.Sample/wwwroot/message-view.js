// The open conversation's messages: each with its quote, text (mentions highlighted), reactions, receipt mark and
// actions (reply, react, and edit on my own), the inline editor, the reaction palette, the quote above the composer.

import { contentNodes } from "./mentions.js";
import { attachmentsOf } from "./attachments.js";
import { $, hiddenText, state } from "./state.js";
import { onReaction, onUpdated, send, showError } from "./app.js";
import { others } from "./conversation-list.js";

const REACTIONS = ["👍", "❤️", "😂", "😮", "😢"];
const EXCERPT_LENGTH = 100;

export function renderMessages({ scrollToEnd }) {
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
    if (message.attachments?.length > 0 && !message.deletedAt) {
      item.append(attachmentsOf(message));
    }
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
    const edited = await state.client.editMessage(message.id, content);
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
  await (mine ? state.client.removeReaction(message.id, emoji) : state.client.addReaction(message.id, emoji));
  onReaction({ conversationId: current.conversationId ?? state.activeId, messageId: message.id, emoji, userId: state.me.id }, !mine);
}

function startReply(message) {
  state.replyTo.set(state.activeId, { messageId: message.id, senderId: message.sender.id, excerpt: excerptOf(message.content) });
  renderReplyPreview();
  $("composer-input").focus();
}

export function renderReplyPreview() {
  const replyTo = state.replyTo.get(state.activeId);
  $("reply-preview").hidden = !replyTo;
  if (replyTo) {
    $("reply-quote").replaceChildren(quoteOf(replyTo, "reply-preview-quote"));
  }
}

export function cancelReply() {
  state.replyTo.delete(state.activeId);
  renderReplyPreview();
  $("composer-input").focus();
}

export function excerptOf(content) {
  return [...content].slice(0, EXCERPT_LENGTH).join("");
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
