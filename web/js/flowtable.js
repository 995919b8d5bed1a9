// The flows table: rows laid out like `hubble observe` (time, source -> destination with
// identities, type, verdict, summary). A page of rows is built from one <template> into one
// DocumentFragment and swapped in with a single replaceChildren, so 100 rows cost one layout.
// Keyboard: one row is in the tab order at a time (roving tabindex); arrows, Home and End move,
// Enter or Space opens the flow.

import { h } from "./dom.js";
import * as fmt from "./format.js";

export const MAX_ROWS = 1000; // Live mode keeps at most this many rows (the oldest go).

export class FlowTable {
  constructor(table, onOpen) {
    this.table = table;
    this.body = table.tBodies[0];
    this.template = document.getElementById("flow-row-template").content.firstElementChild;
    this.flows = new WeakMap(); // <tr> → the flow record it shows
    this.uuids = new Set();
    this.onOpen = onOpen;
    this.body.addEventListener("click", (e) => {
      const tr = e.target.closest("tr");
      if (tr && this.flows.has(tr) && !window.getSelection()?.toString()) this.open(tr);
    });
    this.body.addEventListener("keydown", (e) => this.key(e));
  }

  /** One row from a record (`{flow, node_name, time}`). */
  row(record) {
    const f = record.flow || {};
    const tr = this.template.cloneNode(true);
    const c = tr.cells;
    const { left, right, arrow } = fmt.sides(f);
    const v = fmt.verdict(f);
    c[0].textContent = fmt.stampMilli(f.time);
    c[0].title = f.time || "";
    c[1].firstChild.textContent = left.host;
    c[1].lastChild.textContent = left.identity;
    c[1].title = `${left.host} ${left.identity}`;
    c[2].textContent = arrow;
    c[3].firstChild.textContent = right.host;
    c[3].lastChild.textContent = right.identity;
    c[3].title = `${right.host} ${right.identity}`;
    c[3].dataset.arrow = arrow; // the narrow layout shows the arrow before the destination
    const type = fmt.flowType(f);
    c[4].textContent = type;
    c[4].title = type;
    const badge = c[5].firstChild;
    badge.textContent = v.text;
    badge.dataset.tone = v.tone;
    const reason = fmt.dropReason(f);
    if (reason) c[5].title = reason;
    const summary = fmt.summary(f);
    c[6].textContent = summary;
    c[6].title = summary;
    tr.dataset.uuid = f.uuid || "";
    tr.dataset.verdict = fmt.verdictName(f);
    tr.dataset.time = f.time || "";
    this.flows.set(tr, record);
    return tr;
  }

  /** Replaces the rows with a page; returns how long building and inserting took (ms). */
  render(records) {
    const t0 = performance.now();
    const frag = document.createDocumentFragment();
    this.uuids = new Set();
    for (const r of records) {
      frag.append(this.row(r));
      if (r.flow?.uuid) this.uuids.add(r.flow.uuid);
    }
    if (frag.firstChild) frag.firstChild.tabIndex = 0;
    this.body.replaceChildren(frag);
    this.table.dataset.state = "ready";
    return performance.now() - t0;
  }

  /** Whether a flow (by uuid) is on the table now. */
  shows(uuid) { return Boolean(uuid) && this.uuids.has(uuid); }

  /**
   * Live flows (oldest first, as they arrived) on top, newest first; ones already shown (the
   * page and the stream overlap) are skipped. Only the newest MAX_ROWS of a batch are built, and
   * rows past MAX_ROWS go (with their uuids). Returns the records it added.
   */
  prepend(records) {
    const frag = document.createDocumentFragment();
    const added = [];
    for (let i = records.length - 1; i >= 0 && added.length < MAX_ROWS; i--) {
      const r = records[i];
      const uuid = r.flow?.uuid;
      if (uuid && this.uuids.has(uuid)) continue;
      if (uuid) this.uuids.add(uuid);
      const tr = this.row(r);
      tr.classList.add("live-row");
      frag.append(tr);
      added.push(r);
    }
    if (!added.length) return added;
    this.body.querySelector("tr.message")?.remove();
    this.body.prepend(frag);
    while (this.body.rows.length > MAX_ROWS) {
      const uuid = this.body.lastElementChild.dataset.uuid;
      if (uuid) this.uuids.delete(uuid);
      this.body.lastElementChild.remove();
    }
    if (!this.body.querySelector("tr[tabindex='0']") && this.body.firstElementChild) this.body.firstElementChild.tabIndex = 0;
    return added.reverse();
  }

  /** A single message instead of rows (nothing matched, an error), with optional actions. */
  message(text, ...actions) {
    this.uuids = new Set();
    this.body.replaceChildren(h("tr", { class: "message" }, h("td", { colspan: 7 }, h("p", {}, text), ...actions)));
    this.table.dataset.state = "ready";
  }

  /** Dims the rows while the next page loads (keeps their space: no layout shift). */
  loading() {
    this.table.dataset.state = "loading";
    if (!this.body.rows.length) this.skeleton();
  }

  skeleton() {
    const rows = [];
    for (let i = 0; i < 12; i++) rows.push(h("tr", { class: "skeleton", "aria-hidden": "true" }, h("td", { colspan: 7 }, h("span"))));
    this.body.replaceChildren(...rows);
  }

  hasRows() { return Array.from(this.body.rows).some((tr) => this.flows.has(tr)); }

  open(tr) {
    this.focusRow(tr);
    this.onOpen(this.flows.get(tr), tr);
  }

  focusRow(tr) {
    for (const r of this.body.querySelectorAll("tr[tabindex='0']")) r.tabIndex = -1;
    tr.tabIndex = 0;
    tr.focus();
  }

  key(e) {
    const tr = e.target.closest("tr");
    if (!tr || !this.flows.has(tr)) return;
    const rows = this.body.rows;
    let next = null;
    switch (e.key) {
      case "Enter": case " ": e.preventDefault(); this.open(tr); return;
      case "ArrowDown": next = tr.nextElementSibling; break;
      case "ArrowUp": next = tr.previousElementSibling; break;
      case "Home": next = rows[0]; break;
      case "End": next = rows[rows.length - 1]; break;
      case "PageDown": next = rows[Math.min(rows.length - 1, tr.sectionRowIndex + 10)]; break;
      case "PageUp": next = rows[Math.max(0, tr.sectionRowIndex - 10)]; break;
      default: return;
    }
    e.preventDefault();
    if (next && this.flows.has(next)) this.focusRow(next);
  }

  /** Namespaces seen on the rows, for the namespace quick filter's suggestions. */
  namespaces() {
    const seen = new Set();
    for (const tr of this.body.rows) {
      const f = this.flows.get(tr)?.flow;
      if (f?.source?.namespace) seen.add(f.source.namespace);
      if (f?.destination?.namespace) seen.add(f.destination.namespace);
    }
    return seen;
  }
}
