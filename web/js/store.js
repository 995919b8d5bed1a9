// The Store view: what GET /api/v1/stats says (flows, time span, size, followed sources and
// their lag, lost events, day partitions, enum names from a newer Cilium), and /healthz's word
// on ingest. Fetched when the view is shown, never for the first view of Flows.

import { getJSON, isAbort } from "./api.js";
import { $, h, say } from "./dom.js";
import { count, bytes, plural, shortTime } from "./format.js";

export class StoreView {
  constructor() {
    $("#store-refresh").addEventListener("click", () => this.load());
  }

  show() { this.load(); }

  hide() {}

  async load() {
    this.controller?.abort();
    const ctl = (this.controller = new AbortController());
    say($("#store-status"), "Loading…");
    try {
      const [stats, health] = await Promise.all([
        getJSON("/api/v1/stats", {}, { signal: ctl.signal }),
        getJSON("/healthz", {}, { signal: ctl.signal }).catch(() => null),
      ]);
      this.render(stats, health);
    } catch (e) {
      if (!isAbort(e)) say($("#store-status"), `Could not read the store: ${e.message}`, "error");
    }
  }

  render(st, health) {
    $("#store-body").hidden = false;
    const ingest = health?.ingest;
    say($("#store-status"), ingest?.status === "failing"
      ? `Ingest is failing since ${ingest.since || "?"}: ${ingest.reason || "unknown reason"}.`
      : "", ingest?.status === "failing" ? "error" : "");
    const nonflow = st.nonflow_by_kind ? Object.entries(st.nonflow_by_kind).filter(([, n]) => n).map(([k, n]) => `${k} ${count(n)}`).join(", ") : "";
    const facts = [
      ["Flows", count(st.flows), { id: "store-flows", "data-value": st.flows }],
      ["First flow", st.first_time ? `${shortTime(st.first_time)} UTC` : "–"],
      ["Last flow", st.last_time ? `${shortTime(st.last_time)} UTC` : "–"],
      ["Database size", bytes(st.db_bytes)],
      ["Bytes per flow", st.bytes_per_flow ?? "–"],
      ["Dictionary entries", count(st.dictionary_entries)],
      ["Duplicates skipped", count(st.duplicates ?? 0)],
      ["Rejected lines", count(st.rejected)],
      ["Other records (not flows)", count(st.nonflow) + (nonflow ? ` (${nonflow})` : "")],
      ["Dropped by retention", count(st.retention_dropped_flows ?? 0)],
      ["Ingest", ingest ? ingest.status : "–"],
    ];
    $("#store-facts").replaceChildren(...facts.flatMap(([k, v, attrs]) => [h("dt", {}, k), h("dd", attrs || {}, String(v))]));

    const sources = st.sources || [];
    table($("#store-sources"), ["Source", "Lines", "Offset", "Size", "Lag"], sources.map((s) => [
      s.name, count(s.lines), bytes(s.offset), s.size === undefined ? "–" : bytes(s.size),
      s.lag_bytes === null || s.lag_bytes === undefined ? "–" : bytes(s.lag_bytes),
    ]), "No followed sources (serve --follow FILE adds one).", [1, 2, 3, 4]);

    const lost = st.lost_events || { records: 0, events_lost: 0, recent: [] };
    $("#store-lost-summary").textContent = lost.records
      ? `${plural(lost.events_lost, "event", "events")} lost in ${plural(lost.records, "record", "records")}: the history has holes there.`
      : "No lost-event records: Hubble reported no lost events.";
    table($("#store-lost"), ["Time (UTC)", "Node", "Source", "Events lost"], (lost.recent || []).map((e) => [
      e.time ? shortTime(e.time) : "–", e.node_name || "–", e.source, count(e.num_events_lost),
    ]), null, [3]);

    const parts = st.partitions || [];
    // Days come as 20261205: written as dates.
    const day = (d) => (/^\d{8}$/.test(d) ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}` : d);
    table($("#store-partitions"), ["Day (UTC)", "Flows"], parts.map((p) => [day(p.day), count(p.flows)]), "No partitions yet.", [1]);

    const unknown = st.unknown_enum_values || [];
    $("#store-unknown").replaceChildren(...(unknown.length ? [
      h("h2", {}, "Enum names from a newer Cilium"),
      h("div", { class: "table-box report-box" }, table(h("table", { class: "report" }), ["Field", "Name", "Flows", "First", "Last"],
        unknown.map((u) => [u.field, u.name, count(u.flows), shortTime(u.first_time), shortTime(u.last_time)]), null, [2])),
    ] : []));
  }
}

/** Fills a table with a header and text rows (or a message row when empty). */
function table(el, headers, rows, empty, numeric = []) {
  const head = h("thead", {}, h("tr", {}, ...headers.map((t, i) => h("th", { scope: "col", class: numeric.includes(i) ? "num" : "" }, t))));
  const body = h("tbody", {}, ...rows.map((r) => h("tr", {}, ...r.map((c, i) => h("td", { class: numeric.includes(i) ? "num" : "" }, String(c))))));
  if (!rows.length && empty) body.append(h("tr", { class: "message" }, h("td", { colspan: headers.length }, empty)));
  el.replaceChildren(head, body);
  // An empty table without a message is left out, with its box.
  const box = el.closest(".table-box") || el;
  box.hidden = !rows.length && !empty;
  return el;
}
