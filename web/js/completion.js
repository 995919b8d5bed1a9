// Completion for the filter box, from /api/v1/catalog (the checker's own field catalog, so it
// never offers a name the server would refuse): field paths as you type a prefix or a dot,
// enum constants after `Verdict.` (or any enum type), methods after a field, function names,
// and saved queries after `@`. A WAI-ARIA combobox: arrows move, Enter or Tab take the
// choice, Escape closes the list.

import { h } from "./dom.js";
import { cached } from "./api.js";

const MAX = 12;
const WORD = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*\.?$/;

/** The catalog rearranged for lookups; built once. */
async function index() {
  const cat = await cached("/api/v1/catalog");
  const fields = (cat.fields || []).map((f) => ({ path: f.path, type: f.type }));
  const byPath = new Map(fields.map((f) => [f.path, f]));
  // Enum types by the names an expression may use: `Verdict` and `flow.Verdict`.
  const enums = new Map();
  for (const [name, values] of Object.entries(cat.enums || {})) {
    const short = name.split(".").at(-1);
    for (const alias of [short, name, `flow.${short}`]) enums.set(alias, { name: short, values });
  }
  // Functions: `name(args) -> type` are global; `receiver.name(args) -> type` are methods of
  // the receiver's type (`string.startsWith(string) -> bool`, `list(dyn).size() -> int`).
  const globals = new Map(), methods = [];
  for (const fn of cat.functions || []) {
    for (const o of fn.overloads || []) {
      const m = /^(?:([\w.()]+)\.)?(\w+)\(/.exec(o);
      if (m && m[1]) methods.push({ name: fn.name, receiver: m[1], detail: o });
      else if (!globals.has(fn.name)) globals.set(fn.name, o);
    }
  }
  for (const macro of cat.macros || []) {
    // `has` is written has(x); the comprehensions are methods of a list.
    if (macro === "has") globals.set(macro, "has(field) -> bool");
    else methods.push({ name: macro, receiver: "list(dyn)", detail: `list.${macro}(x, predicate) -> bool` });
  }
  return { fields, byPath, enums, globals, methods };
}

export class Completion {
  /** @param input the filter box; getSaved() resolves to the saved queries. */
  constructor(input, list, getSaved) {
    this.input = input;
    this.list = list;
    this.getSaved = getSaved;
    this.items = [];
    this.active = -1;
    this.index = null;
    input.addEventListener("focus", () => this.load(), { once: true });
    input.addEventListener("input", () => this.update());
    input.addEventListener("keydown", (e) => this.key(e));
    input.addEventListener("blur", () => setTimeout(() => this.close(), 120));
    list.addEventListener("mousedown", (e) => e.preventDefault()); // keep focus in the box
    list.addEventListener("click", (e) => {
      const li = e.target.closest("li[data-index]");
      if (li) this.accept(Number(li.dataset.index));
    });
  }

  /** Fetches the catalog the first time the box gets focus (not on page load). */
  load() {
    if (!this.index) this.index = index().catch(() => { this.index = null; return null; });
    return this.index;
  }

  isOpen() { return !this.list.hidden; }

  async update() {
    const value = this.input.value, caret = this.input.selectionStart ?? value.length;
    const before = value.slice(0, caret);
    const items = await this.suggest(before);
    // The user kept typing while the catalog loaded: that newer input runs its own update.
    if (this.input.value !== value) return;
    this.items = items;
    this.active = items.length ? 0 : -1;
    this.render();
  }

  async suggest(before) {
    const at = /^\s*@([\w.-]*)$/.exec(before);
    if (at) {
      const saved = await this.getSaved().catch(() => []);
      return saved.filter((q) => q.name.startsWith(at[1])).slice(0, MAX)
        .map((q) => ({ label: "@" + q.name, detail: q.description, start: before.length - at[1].length - 1, insert: "@" + q.name }));
    }
    if (insideString(before)) return [];
    const m = WORD.exec(before);
    if (!m || /[0-9]$/.test(before.slice(0, m.index))) return [];
    const word = m[0], start = m.index;
    if (word.length < 1) return [];
    const ix = await this.load();
    if (!ix) return [];
    const out = [];
    const dot = word.lastIndexOf(".");
    const head = dot >= 0 ? word.slice(0, dot) : "", tail = dot >= 0 ? word.slice(dot + 1) : word;
    // `Verdict.DR` → enum constants.
    const en = head && ix.enums.get(head);
    if (en) {
      for (const v of en.values) if (v !== tail && (v.startsWith(tail.toUpperCase()) || v.startsWith(tail))) out.push({ label: `${head}.${v}`, detail: en.name, start, insert: `${head}.${v}` });
      return out.slice(0, MAX);
    }
    // `_flow.` is the root variable: the same fields.
    const rooted = word.startsWith("_flow.") ? "_flow." : "";
    const path = word.slice(rooted.length);
    const lower = path.toLowerCase();
    for (const f of ix.fields) {
      if (f.path.toLowerCase().startsWith(lower) && f.path !== path) out.push({ label: rooted + f.path, detail: f.type, start, insert: rooted + f.path });
    }
    out.sort((a, b) => a.label.length - b.label.length || a.label.localeCompare(b.label));
    // `source.labels.ex` → the methods and macros of that field's type.
    const field = head && ix.byPath.get(head.slice(rooted.length));
    if (field) {
      const seen = new Set();
      for (const m of ix.methods) {
        if (!seen.has(m.name) && m.name.startsWith(tail) && receives(m.receiver, field.type)) {
          seen.add(m.name);
          out.push({ label: `${head}.${m.name}(`, detail: m.detail, start, insert: `${head}.${m.name}(` });
        }
      }
    }
    if (!head) {
      for (const [name, e] of ix.enums) if (name === e.name && name.toLowerCase().startsWith(lower)) out.push({ label: `${name}.`, detail: "enum", start, insert: `${name}.` });
      for (const [name, detail] of ix.globals) if (name.startsWith(path)) out.push({ label: `${name}(`, detail, start, insert: `${name}(` });
    }
    return out.slice(0, MAX);
  }

  render() {
    if (!this.items.length) { this.close(); return; }
    this.list.replaceChildren(...this.items.map((it, i) => h("li", {
      id: `completion-${i}`, role: "option", "data-index": i, "aria-selected": String(i === this.active),
    }, h("span", { class: "c-label" }, it.label), it.detail ? h("span", { class: "c-detail" }, it.detail) : null)));
    this.list.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    this.input.setAttribute("aria-activedescendant", `completion-${this.active}`);
    this.place();
  }

  /** Puts the list under the word being completed (measured with the box's own font). */
  place() {
    const it = this.items[0];
    const style = getComputedStyle(this.input);
    const ctx = (this.canvas ||= document.createElement("canvas")).getContext("2d");
    ctx.font = `${style.fontSize} ${style.fontFamily}`;
    const x = ctx.measureText(this.input.value.slice(0, it.start)).width + parseFloat(style.paddingLeft) - this.input.scrollLeft;
    const max = Math.max(0, this.input.clientWidth - 260);
    this.list.style.left = `${Math.min(Math.max(0, x), max)}px`;
  }

  close() {
    this.list.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
  }

  move(delta) {
    this.active = (this.active + delta + this.items.length) % this.items.length;
    for (const li of this.list.children) li.setAttribute("aria-selected", String(Number(li.dataset.index) === this.active));
    this.input.setAttribute("aria-activedescendant", `completion-${this.active}`);
    this.list.children[this.active]?.scrollIntoView({ block: "nearest" });
  }

  accept(i) {
    const it = this.items[i];
    if (!it) return;
    const value = this.input.value, caret = this.input.selectionStart ?? value.length;
    const after = value.slice(caret).replace(/^[A-Za-z0-9_]*/, "");
    this.input.value = value.slice(0, it.start) + it.insert + after;
    const pos = it.start + it.insert.length;
    this.input.setSelectionRange(pos, pos);
    this.close();
    // After a dot (an enum type) the next list is useful at once.
    if (it.insert.endsWith(".")) this.update();
  }

  key(e) {
    if (!this.isOpen()) {
      if (e.key === "ArrowDown" && e.altKey) { e.preventDefault(); this.update(); }
      return;
    }
    switch (e.key) {
      case "ArrowDown": e.preventDefault(); this.move(1); break;
      case "ArrowUp": e.preventDefault(); this.move(-1); break;
      case "Enter": case "Tab":
        if (this.active >= 0) { e.preventDefault(); this.accept(this.active); }
        break;
      case "Escape": e.preventDefault(); e.stopPropagation(); this.close(); break;
      default: break;
    }
  }
}

/** Whether a method of `receiver` applies to a field of `type` (any list for `list(dyn)`). */
function receives(receiver, type) {
  return receiver === type || (receiver.startsWith("list(") && type.startsWith("list("));
}

/** Whether the text ends inside a string literal (no completion there). */
function insideString(text) {
  let quote = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
  }
  return quote !== null;
}
