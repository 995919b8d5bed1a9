// The Simulate view: policy YAML pasted, dropped or loaded from files, POSTed to
// /api/v1/simulate (application/yaml) over the Flows range and filter. Shows the flows per
// change, the connections (changes first, allowed → denied first, as the server orders them)
// with the rule that decided each and a link to its flows, and every rule with what it decided.
// The YAML stays in sessionStorage: it is too large for the URL, and back/forward keep it.

import { postJSON, isAbort } from "./api.js";
import { filterFor, rangeParams, connectionOfGroup } from "./filters.js";
import { scopeKey, navigate } from "./state.js";
import { $, h, say } from "./dom.js";
import { count, plural, shortTime, seenSpan } from "./format.js";
import { endpointCell, flowsLink } from "./reports.js";
import { describeRange } from "./range.js";

const KEY = "flowtrail.policy";
const CHANGES = ["allowed_to_denied", "denied_to_allowed", "audit_to_denied", "audit_to_allowed", "unchanged"];
const CHANGE_TEXT = {
  allowed_to_denied: "allowed → denied", denied_to_allowed: "denied → allowed",
  audit_to_denied: "audit → denied", audit_to_allowed: "audit → allowed", unchanged: "unchanged",
};

/** Who decided: a rule `ns/name ingress[1]`, or a default (`default-deny`, `no-policy`…). */
export function decidedBy(d) {
  if (!d) return "";
  if (d.default) return d.default;
  return `${d.policy} ${d.section}[${d.rule}]`;
}

export class SimulateView {
  constructor() {
    this.form = $("#sim-form");
    this.text = $("#sim-yaml");
    this.status = $("#sim-status");
    this.text.value = sessionStorage.getItem(KEY) || "";
    this.text.addEventListener("input", () => sessionStorage.setItem(KEY, this.text.value));
    $("#sim-files").addEventListener("change", (e) => this.loadFiles(e.target.files));
    // Dropping files on the text area reads them in, as choosing them does.
    this.text.addEventListener("dragover", (e) => e.preventDefault());
    this.text.addEventListener("drop", (e) => {
      if (!e.dataTransfer?.files?.length) return;
      e.preventDefault();
      this.loadFiles(e.dataTransfer.files);
    });
    this.form.addEventListener("submit", (e) => { e.preventDefault(); this.run(); });
    $("#sim-only-changes").addEventListener("change", () => this.result && this.renderConnections());
  }

  show(s) {
    this.state = s;
    if (this.result && this.ranKey !== scopeKey(s)) {
      say(this.status, "The range or filter changed since this simulation ran: run it again to see the new range.", "warn");
    }
  }

  hide() {}

  async loadFiles(files) {
    // Several files become one YAML stream, in order, as the API reads multipart parts.
    const texts = await Promise.all(Array.from(files, (f) => f.text()));
    this.text.value = texts.map((t) => t.replace(/\n?$/, "\n")).join("---\n");
    sessionStorage.setItem(KEY, this.text.value);
  }

  async run() {
    const yaml = this.text.value;
    if (!yaml.trim()) { say(this.status, "Paste policy YAML or load a file first.", "error"); this.text.focus(); return; }
    this.controller?.abort();
    const ctl = (this.controller = new AbortController());
    const s = this.state;
    $("#sim-run").disabled = true;
    say(this.status, "Simulating…");
    try {
      const f = await filterFor(s);
      if (f.error) throw new Error(f.error.message);
      const result = await postJSON("/api/v1/simulate", { filter: f.filter, ...rangeParams(s) }, yaml, "application/yaml", { signal: ctl.signal });
      this.result = result;
      this.ranKey = scopeKey(s);
      this.ranState = s;
      this.render();
    } catch (e) {
      if (isAbort(e)) return;
      // invalid_policy names the object and field: show it as the server wrote it.
      say(this.status, e.code === "invalid_policy" ? `The policy was refused: ${e.message}` : `Could not simulate: ${e.message}`, "error");
    } finally {
      $("#sim-run").disabled = false;
    }
  }

  render() {
    const r = this.result;
    const skipped = Object.values(r.flows_skipped || {}).reduce((a, b) => a + b, 0);
    const lost = r.lost_events?.records ? ` ${count(r.lost_events.events_lost)} events were lost in the range.` : "";
    say(this.status, `${count(r.flows_evaluated)} flows ${describeRange(this.ranState, r)} evaluated against ${plural(r.policies, "policy", "policies")}; ${count(skipped)} skipped (replies, traces before the policy check…).${lost}`);
    $("#sim-counts").replaceChildren(...CHANGES.map((c) => h("li", { "data-change": c },
      h("span", { class: "tile-value" }, count(r.changes[c] ?? 0)), h("span", { class: "tile-label" }, `${CHANGE_TEXT[c]} flows`))));
    $("#sim-unsupported").replaceChildren(...(r.unsupported || []).map((u) =>
      h("li", {}, `Not simulated: ${u.policy} ${u.field}: ${u.reason} (selects nothing)`)));
    this.renderConnections();
    this.renderRules();
    $("#sim-result").hidden = false;
  }

  renderConnections() {
    const only = $("#sim-only-changes").checked;
    const rows = this.result.connections.filter((c) => !only || c.change !== "unchanged");
    // Recorded and simulated outcomes are in the change ("allowed → denied"; unchanged says which).
    // The flow count links to the flows (the Flows view, filtered to the connection).
    const head = h("thead", {}, h("tr", {}, ...["Change", "Flows", "Direction", "Subject", "Peer", "Protocol", "Port", "Decided by", "Seen (UTC)"]
      .map((t, i) => h("th", { scope: "col", class: i === 1 || i === 6 ? "num" : "" }, t))));
    const body = h("tbody", {}, ...rows.map((c) => h("tr", { "data-change": c.change },
      h("td", { title: `recorded ${c.recorded}, simulated ${c.simulated}` }, h("span", { class: "change", "data-change": c.change },
        c.change === "unchanged" ? `unchanged (${c.simulated})` : CHANGE_TEXT[c.change] || c.change)),
      h("td", { class: "num" }, flowsLink(c.flows, () => this.flowsOf(c))),
      h("td", {}, c.direction),
      endpointCell(c.subject),
      endpointCell(c.peer, c.peer.names, c.peer.ip),
      h("td", {}, c.protocol),
      h("td", { class: "num" }, String(c.port)),
      h("td", { class: "wrap" }, decidedBy(c.decided_by)),
      h("td", { title: `${c.first_seen} – ${c.last_seen}` }, seenSpan(c.first_seen, c.last_seen)))));
    if (!rows.length) body.append(h("tr", { class: "message" }, h("td", { colspan: 9 }, only ? "No connection changes." : "No flows were evaluated.")));
    $("#sim-table").replaceChildren(h("caption", { class: "visually-hidden" }, "Connections, changes first"), head, body);
  }

  renderRules() {
    const head = h("thead", {}, h("tr", {}, ...["Policy", "Kind", "Rule", "Flows decided", "Last seen"].map((t, i) => h("th", { scope: "col", class: i === 3 ? "num" : "" }, t))));
    const body = h("tbody", {}, ...this.result.rules.map((r) => h("tr", { class: r.flows ? "" : "stale" },
      h("td", {}, r.policy), h("td", {}, r.kind), h("td", {}, `${r.section}[${r.rule}]`),
      h("td", { class: "num" }, r.flows ? count(r.flows) : "0 (stale)"),
      h("td", { title: r.last_seen || "" }, r.last_seen ? shortTime(r.last_seen) : "never"))));
    $("#sim-rules").replaceChildren(h("caption", { class: "visually-hidden" }, "Rules and the flows each decided"), head, body);
  }

  flowsOf(c) {
    navigate({ view: "flows", filter: connectionOfGroup(c), verdict: "", ns: "", pod: "", dir: "", cursor: "" });
  }
}
