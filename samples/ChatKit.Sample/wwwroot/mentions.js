// @mentions on the sample page: finding them in text, showing them highlighted, and the composer's completion list
// (a listbox the textarea controls: arrow keys move, Enter or Tab picks, Escape closes, a click picks too).

const MAX_OPTIONS = 6;

// The user ids of `candidates` that `content` mentions as "@id" followed by the end, a space or punctuation.
export function mentionsIn(content, candidates) {
  return candidates.filter((id) => findMention(content, id, 0) >= 0);
}

function findMention(content, id, from) {
  for (let at = content.indexOf("@" + id, from); at >= 0; at = content.indexOf("@" + id, at + 1)) {
    const before = at === 0 ? " " : content[at - 1];
    const after = content[at + id.length + 1] ?? " ";
    if (/[\s([{"'“]/.test(before) && !/[\p{L}\p{N}_-]/u.test(after)) {
      return at;
    }
  }
  return -1;
}

// The text of a message as nodes, each mention of `ids` a highlighted span (text only, never HTML).
export function contentNodes(content, ids, myId) {
  const nodes = [];
  let rest = content;
  const sorted = [...ids].sort((a, b) => b.length - a.length);
  for (;;) {
    let best = null;
    for (const id of sorted) {
      const at = findMention(rest, id, 0);
      if (at >= 0 && (best === null || at < best.at)) {
        best = { at, id };
      }
    }
    if (!best) {
      break;
    }
    if (best.at > 0) {
      nodes.push(document.createTextNode(rest.slice(0, best.at)));
    }
    const span = document.createElement("span");
    span.className = "mention" + (best.id === myId ? " me" : "");
    span.dataset.testid = "mention";
    span.textContent = "@" + best.id;
    nodes.push(span);
    rest = rest.slice(best.at + best.id.length + 1);
  }
  if (rest) {
    nodes.push(document.createTextNode(rest));
  }
  return nodes;
}

// Wires the completion list to the composer. `candidates()` gives [{ id, name }] of the open conversation.
export function attachCompletion(textarea, listbox, candidates) {
  let open = null; // { start, options, active }

  function close() {
    open = null;
    listbox.hidden = true;
    listbox.replaceChildren();
    textarea.removeAttribute("aria-activedescendant");
  }

  function render() {
    listbox.replaceChildren(...open.options.map((option, i) => {
      const item = document.createElement("li");
      item.id = `mention-option-${i}`;
      item.setAttribute("role", "option");
      item.dataset.testid = "mention-option";
      item.setAttribute("aria-selected", String(i === open.active));
      item.textContent = option.name === option.id ? "@" + option.id : `@${option.id} (${option.name})`;
      item.addEventListener("mousedown", (event) => event.preventDefault()); // keep the focus in the textarea
      item.addEventListener("click", () => pick(i));
      return item;
    }));
    listbox.hidden = false;
    textarea.setAttribute("aria-activedescendant", `mention-option-${open.active}`);
  }

  function update() {
    const before = textarea.value.slice(0, textarea.selectionStart);
    const match = /(^|\s)@([^\s@]*)$/.exec(before);
    if (!match || textarea.selectionStart !== textarea.selectionEnd) {
      close();
      return;
    }
    const query = match[2].toLowerCase();
    const options = candidates()
      .filter((c) => c.id.toLowerCase().startsWith(query) || c.name.toLowerCase().startsWith(query))
      .slice(0, MAX_OPTIONS);
    if (options.length === 0) {
      close();
      return;
    }
    const start = before.length - match[2].length - 1;
    open = { start, options, active: open && open.start === start ? Math.min(open.active, options.length - 1) : 0 };
    render();
  }

  function pick(index) {
    const { start, options } = open;
    const end = textarea.selectionStart;
    const text = `@${options[index].id} `;
    textarea.value = textarea.value.slice(0, start) + text + textarea.value.slice(end);
    textarea.selectionStart = textarea.selectionEnd = start + text.length;
    close();
    textarea.focus();
  }

  textarea.addEventListener("input", update);
  textarea.addEventListener("click", update);
  textarea.addEventListener("blur", close);

  // Called first by the composer's keydown handler: true when the key belonged to the list.
  return {
    close,
    isOpen: () => open !== null,
    handleKey(event) {
      if (!open) {
        return false;
      }
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        const step = event.key === "ArrowDown" ? 1 : -1;
        open.active = (open.active + step + open.options.length) % open.options.length;
        render();
      } else if (event.key === "Enter" || event.key === "Tab") {
        pick(open.active);
      } else if (event.key === "Escape") {
        close();
      } else {
        return false;
      }
      event.preventDefault();
      return true;
    },
  };
}
