// Attachments on the sample page: pick (file input) or paste a file, upload it to the open conversation over REST, send
// it with the next message, and show a message's attachments (images inline, other files as a download link).
// Kept in its own module: app.js and message-view.js only call the exports below.
import { $, state } from "./state.js";

const INLINE_TYPES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

// conversationId -> [{ id, name, contentType, size, url }] uploaded and not sent yet.
const drafts = new Map();

async function upload(conversationId, file) {
  const form = new FormData();
  form.append("file", file, file.name || "pasted-image.png");
  const response = await fetch(`/chats/conversations/${encodeURIComponent(conversationId)}/attachments`, {
    method: "POST",
    headers: { Authorization: "Bearer " + state.token },
    body: form,
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(body.detail ?? `upload failed (${response.status})`);
  }
  return body;
}

function renderDrafts() {
  const list = $("attachment-drafts");
  list.replaceChildren();
  for (const attachment of drafts.get(state.activeId) ?? []) {
    const item = document.createElement("li");
    item.dataset.testid = "attachment-draft";
    item.textContent = attachment.name;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "link";
    remove.textContent = "✕";
    remove.setAttribute("aria-label", `Remove ${attachment.name}`);
    remove.addEventListener("click", () => {
      drafts.set(state.activeId, (drafts.get(state.activeId) ?? []).filter((a) => a.id !== attachment.id));
      renderDrafts();
    });
    item.append(remove);
    list.append(item);
  }
  list.hidden = list.childElementCount === 0;
}

async function addFiles(files, onError) {
  const conversationId = state.activeId;
  if (!conversationId) {
    return;
  }
  for (const file of files) {
    try {
      const attachment = await upload(conversationId, file);
      drafts.set(conversationId, [...(drafts.get(conversationId) ?? []), attachment]);
    } catch (error) {
      onError(error);
    }
  }
  renderDrafts();
}

/** Wires the composer's attach button, file input and paste. */
export function wireAttachments(onError) {
  const input = $("attach-input");
  $("attach").addEventListener("click", () => input.click());
  input.addEventListener("change", async () => {
    const files = [...input.files];
    input.value = "";
    await addFiles(files, onError);
  });
  $("composer-input").addEventListener("paste", (event) => {
    const files = [...(event.clipboardData?.files ?? [])];
    if (files.length > 0) {
      event.preventDefault();
      addFiles(files, onError);
    }
  });
}

/** The ids of the open conversation's uploads, handed to the next send (and forgotten here). */
export function takeAttachmentIds(conversationId) {
  const ids = (drafts.get(conversationId) ?? []).map((a) => a.id);
  drafts.delete(conversationId);
  renderDrafts();
  return ids;
}

/** Shows the drafts of the conversation just opened. */
export function showAttachmentDrafts() {
  renderDrafts();
}

/** A message's attachments: safe images inline at their size, anything else a download link. Text only via textContent. */
export function attachmentsOf(message) {
  const list = document.createElement("div");
  list.className = "attachments";
  for (const attachment of message.attachments) {
    if (INLINE_TYPES.has(attachment.contentType)) {
      const image = document.createElement("img");
      image.dataset.testid = "attachment-image";
      image.src = attachment.url;
      image.alt = attachment.name;
      image.loading = "lazy";
      if (attachment.width && attachment.height) {
        image.width = Math.min(attachment.width, 240);
        image.height = Math.round(image.width * attachment.height / attachment.width);
      }
      list.append(image);
    } else {
      const link = document.createElement("a");
      link.dataset.testid = "attachment-link";
      link.href = attachment.url;
      link.download = attachment.name;
      link.textContent = `${attachment.name} (${Math.max(1, Math.round(attachment.size / 1024))} KB)`;
      list.append(link);
    }
  }
  return list;
}
