// DOM helpers. Data only ever reaches the page as text nodes and attribute values (never
// innerHTML), so a pod name or a URL in a flow cannot become markup.

/**
 * `h("td", {class: "x", dataset: {uuid}}, "text", child)`: an element with attributes and
 * children (strings become text nodes; null and false are skipped).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

/** Copies text and says so on the button for a moment. */
export async function copyText(text, button) {
  let ok = true;
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Not a secure context or no permission: select a hidden textarea and copy that.
    const area = h("textarea", { class: "offscreen", "aria-hidden": "true" });
    area.value = text;
    document.body.append(area);
    area.select();
    ok = document.execCommand("copy");
    area.remove();
  }
  if (button) flash(button, ok ? "Copied" : "Copy failed");
}

/** A file download of exactly these bytes (a Blob, so nothing is re-encoded). */
export function download(text, name, type) {
  const href = URL.createObjectURL(new Blob([text], { type }));
  const a = h("a", { href, download: name, class: "offscreen" });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}

/** Shows a short confirmation in a button's label, then restores it. */
export function flash(button, label) {
  const old = button.dataset.label || button.textContent;
  button.dataset.label = old;
  button.textContent = label;
  clearTimeout(button._flash);
  button._flash = setTimeout(() => { button.textContent = old; }, 1500);
}

/** A message line in a status area: `kind` is "", "error" or "warn". */
export function say(el, text, kind = "") {
  el.textContent = text;
  el.dataset.kind = kind;
  el.hidden = !text;
}

/** A table header cell that sorts its table: a real button, with aria-sort on the cell. */
export function sortHeader(label, key, sort, onSort, numeric = false) {
  const active = sort.key === key;
  const th = h("th", { scope: "col", "aria-sort": active ? (sort.desc ? "descending" : "ascending") : "none", class: numeric ? "num" : "" },
    h("button", { type: "button", class: "sort", onclick: () => onSort(key) }, label, h("span", { class: "sort-mark", "aria-hidden": "true" }, active ? (sort.desc ? " ▼" : " ▲") : "")));
  return th;
}
