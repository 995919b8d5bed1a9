// The Default-deny view: GET /api/v1/reports/default-deny over the range and filter the Flows
// view uses, as a sortable table, its notes, and the suggested policies (format=yaml) with copy
// and download. The download is the answer's own text, byte for byte, so it equals what
// `curl …&format=yaml` or `flowtrail report default-deny -o yaml` gives.

import { getJSON, getText, isAbort } from "./api.js";
import { filterFor, rangeParams, connectionOfGroup } from "./filters.js";
import { scopeKey, navigate } from "./state.js";
import { $, h, say, sortHeader, copyText, download, flash } from "./dom.js";
import { count, shortTime, matchName } from "./format.js";
import { describeRange } from "./range.js";

/** `ns/workload`, the pod, or the reserved entity, as the CLI's table shows an endpoint. */
export function endpointText(e, names, ip) {
  let s = e.entity || [e.namespace, e.workload || e.pod].filter(Boolean).join("/") || (e.identity ? `identity ${e.identity}` : "unknown");
  if (names?.length) s += ` (${names.join(",")})`;
  if (ip) s += ` ${ip}`;
  return s;
}

/** A cell with the endpoint's text and its labels as a tooltip. */
export function endpointCell(e, names, ip) {
  const text = endpointText(e, names, ip);
  return h("td", { class: "ep", title: (e.labels || []).join("\n") || text }, text);
}

/** A flow count that opens those flows in the Flows view. */
export function flowsLink(n, onclick) {
  return h("button", { type: "button", class: "link", title: "Show these flows", "aria-label": `${count(n)} flows: show them`, onclick }, count(n));
}

/** Policy match types as numbers and Hubble's names: `4 (all)`. */
const matchTypes = (list) => list.map((m) => `${m} (${matchName(m)})`).join(", ");

const COLUMNS = [
  { key: "flows", label: "Flows", numeric: true, value: (g) => g.flows },
  { key: "direction", label: "Direction", value: (g) => g.direction },
  { key: "subject", label: "Subject", value: (g) => endpointText(g.subject) },
  { key: "peer", label: "Peer", value: (g) => endpointText(g.peer, g.peer.names, g.peer.ip) },
  { key: "protocol", label: "Protocol", value: (g) => g.protocol },
  { key: "port", label: "Port", numeric: true, value: (g) => g.port },
  { key: "verdicts", label: "Verdicts", value: (g) => g.verdicts.join(", ") },
  { key: "match_types", label: "Match types", value: (g) => matchTypes(g.match_types) },
  { key: "first_seen", label: "First seen", value: (g) => g.first_seen },
  { key: "last_seen", label: "Last seen", value: (g) => g.last_seen },
];

export class DefaultDenyView {
  constructor() {
    this.status = $("#dd-status");
    this.table = $("#dd-table");
    this.yamlBox = $("#dd-yaml");
    this.sort = { key: "flows", desc: true };
    $("#dd-copy").addEventListener("click", (e) => this.yaml !== undefined && copyText(this.yaml, e.currentTarget));
    $("#dd-download").addEventListener("click", (e) => {
      if (this.yaml === undefined) { flash(e.currentTarget, "Not loaded yet"); return; }
      download(this.yaml, "flowtrail-default-deny.yaml", "application/yaml");
    });
  }

  show(s) {
    const key = scopeKey(s);
    if (key === this.key && !this.failed) return; // same range and filter: keep the answer
    this.key = key;
    this.state = s;
    this.load(s);
  }

  hide() {}

  async load(s) {
    this.controller?.abort();
    const ctl = (this.controller = new AbortController());
    this.failed = false;
    this.yaml = undefined;
    this.table.dataset.state = "loading";
    this.yamlBox.dataset.state = "loading";
    say(this.status, "Loading the report…");
    try {
      const f = await filterFor(s);
      if (f.error) throw new Error(f.error.message);
      const params = { filter: f.filter, ...rangeParams(s) };
      // The YAML comes from the server too (never rebuilt here), in parallel with the table.
      const yaml = getText("/api/v1/reports/default-deny", { ...params, format: "yaml" }, { signal: ctl.signal });
      yaml.catch(() => {}); // awaited below; if the table fails or is cancelled first, not unhandled
      const report = await getJSON("/api/v1/reports/default-deny", params, { signal: ctl.signal });
      this.report = report;
      this.render();
      this.yaml = await yaml;
      this.yamlBox.textContent = this.yaml;
      this.yamlBox.dataset.state = "ready";
    } catch (e) {
      if (isAbort(e)) return;
      this.failed = true;
      this.table.dataset.state = "error";
      say(this.status, `Could not load the report: ${e.message}`, "error");
    }
  }

  render() {
    const r = this.report;
    const lost = r.lost_events?.records ? ` ${count(r.lost_events.events_lost)} events were lost in the range: flows may be missing.` : "";
    say(this.status, `${count(r.total_flows)} flows in ${count(r.groups.length)} connections ${describeRange(this.state, r)}.${lost}`);
    $("#dd-notes").replaceChildren(...r.notes.map((n) => h("li", {}, n)));
    const col = COLUMNS.find((c) => c.key === this.sort.key);
    const rows = [...r.groups].sort((a, b) => {
      const x = col.value(a), y = col.value(b);
      const d = typeof x === "number" ? x - y : String(x).localeCompare(String(y));
      return this.sort.desc ? -d : d;
    });
    const onSort = (key) => {
      this.sort = { key, desc: this.sort.key === key ? !this.sort.desc : key === "flows" || key === "last_seen" };
      this.render();
    };
    const head = h("thead", {}, h("tr", {}, ...COLUMNS.map((c) => sortHeader(c.label, c.key, this.sort, onSort, c.numeric))));
    // The flow count links to the connection's flows.
    const body = h("tbody", {}, ...rows.map((g) => h("tr", {},
      h("td", { class: "num" }, flowsLink(g.flows, () => this.flowsOf(g))),
      h("td", {}, g.direction),
      endpointCell(g.subject),
      endpointCell(g.peer, g.peer.names, g.peer.ip),
      h("td", {}, g.protocol),
      h("td", { class: "num" }, String(g.port)),
      h("td", {}, g.verdicts.join(", ")),
      h("td", {}, matchTypes(g.match_types)),
      h("td", { title: g.first_seen }, shortTime(g.first_seen)),
      h("td", { title: g.last_seen }, shortTime(g.last_seen)))));
    if (!rows.length) body.append(h("tr", { class: "message" }, h("td", { colspan: COLUMNS.length }, "No connection in this range relies on an allow-all entry or audit mode.")));
    this.table.replaceChildren(h("caption", { class: "visually-hidden" }, "Connections default-deny would block; the column buttons sort"), head, body);
    this.table.dataset.state = "ready";
    $("#dd-body").hidden = false;
  }

  flowsOf(g) {
    navigate({ view: "flows", filter: connectionOfGroup(g), verdict: "", ns: "", pod: "", dir: "", cursor: "" });
  }
}
