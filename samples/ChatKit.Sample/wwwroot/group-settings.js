// Group settings: the owner and admins rename the group; the owner makes people admin or member again.

import { $, hiddenText, state } from "./state.js";
import { renderHeader, roleOf, showError, upsertConversation } from "./app.js";
import { renderConversations, titleOf } from "./conversation-list.js";

// The group's owner and admins rename it; the owner also makes people admin or member again.
export function renderGroupSettings() {
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
          applyConversationChange(await state.client.setRole(conversation.id, p.userId, next));
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
export function applyConversationChange(conversation) {
  const known = state.conversations.get(conversation.id);
  upsertConversation({ ...conversation, unreadCount: known?.unreadCount ?? 0, unreadMentionCount: known?.unreadMentionCount ?? 0 });
  renderConversations();
  renderHeader();
}

// The header button opens and closes the panel (Escape closes it too); its form renames the group.
export function wireGroupSettings() {
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
      applyConversationChange(await state.client.updateConversation(conversationId, { name }));
    } catch (error) {
      showError(error);
    }
  });
}
