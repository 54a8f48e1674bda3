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
