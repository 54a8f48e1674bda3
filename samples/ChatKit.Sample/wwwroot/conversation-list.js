// The conversation list: one button per conversation, most recent activity first, with its online dot, unread and
// mention badges and a preview of its last message.

import { open, showError } from "./app.js";
import { $, hiddenText, state } from "./state.js";

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

// Each conversation keeps its row: a press that started on an item ends on the same element even when the list is
// redrawn in between (a new message, a presence change), so the click is never lost.
const rows = new Map();

// While the pointer is over the list, the rows hold their places, so a click aimed at one lands on it; a conversation
// new meanwhile goes at the end. The list re-sorts when the pointer leaves.
$("conversations").addEventListener("pointerleave", () => {
  if (state.me) {
    renderConversations();
  }
});

function inPlace(list, sorted) {
  const byId = new Map(sorted.map((c) => [c.id, c]));
  const shown = [...list.children].map((row) => row.firstChild.dataset.conversationId).filter((id) => byId.has(id));
  const kept = new Set(shown);
  return [...shown.map((id) => byId.get(id)), ...sorted.filter((c) => !kept.has(c.id))];
}

function rowFor(conversationId) {
  let row = rows.get(conversationId);
  if (!row) {
    row = document.createElement("li");
    const item = document.createElement("button");
    item.type = "button";
    item.className = "conversation-item";
    item.dataset.testid = "conversation";
    item.dataset.conversationId = conversationId;
    item.addEventListener("click", () => open(conversationId).catch(showError));
    row.append(item);
    rows.set(conversationId, row);
  }
  return row;
}

export function renderConversations() {
  const list = $("conversations");
  const focusedId = list.contains(document.activeElement) ? document.activeElement.dataset.conversationId : null;
  const sorted = [...state.conversations.values()].sort((a, b) => (b.lastActivityAt ?? "").localeCompare(a.lastActivityAt ?? ""));
  $("no-conversations").hidden = sorted.length > 0;
  for (const id of [...rows.keys()].filter((id) => !state.conversations.has(id))) {
    rows.delete(id);
  }
  const ordered = (list.matches(":hover") ? inPlace(list, sorted) : sorted).map((conversation) => {
    const row = rowFor(conversation.id);
    const item = row.firstChild;
    if (conversation.id === state.activeId) {
      item.setAttribute("aria-current", "true");
    } else {
      item.removeAttribute("aria-current");
    }

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

    item.replaceChildren(dot, name);
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
    return row;
  });
  const shown = [...list.children];
  if (shown.length !== ordered.length || shown.some((row, i) => row !== ordered[i])) {
    list.replaceChildren(...ordered); // only when the order changed: moving rows under a press would lose its click
  }
  if (focusedId && !list.contains(document.activeElement)) {
    list.querySelector(`[data-conversation-id="${CSS.escape(focusedId)}"]`)?.focus();
  }
}
