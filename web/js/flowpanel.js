// The whole flow, opened from a row: its compact line, the facts people look for (verdict,
// drop reason, match type, identities, policies), its JSON with a copy button, and ways on:
// "Flows of this connection" and, for each pod in the flow, "Drops of ns/pod", which set the
// Flows filter. Escape closes it and gives focus back to the row it came from.

import { h, copyText } from "./dom.js";
import * as fmt from "./format.js";
import { connectionOfFlow, podDrops } from "./filters.js";

export class FlowPanel {
  /** onFilter(text) sets the Flows filter (a new history entry). */
  constructor(el, onFilter) {
    this.el = el;
    this.onFilter = onFilter;
    this.part = (role) => el.querySelector(`[data-role=${role}]`);
    this.part("close").addEventListener("click", () => this.close());
    this.part("copy").addEventListener("click", (e) => copyText(this.part("json").textContent, e.currentTarget));
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && !this.el.hidden && !e.defaultPrevented) { e.preventDefault(); this.close(); }
    });
  }

  open(record, fromRow) {
    this.returnTo = fromRow;
    const f = record.flow || {};
    const { left, right, arrow } = fmt.sides(f);
    const v = fmt.verdict(f);
    this.el.dataset.uuid = f.uuid || "";
    this.part("line").textContent =
      `${fmt.stampMilli(f.time)}: ${left.host} ${left.identity} ${arrow} ${right.host} ${right.identity} ${fmt.flowType(f)} ${v.text} (${fmt.summary(f)})`;

    const facts = [
      ["Time", f.time],
      ["UUID", f.uuid],
      ["Verdict", fmt.verdictName(f)],
      ["Drop reason", fmt.dropReason(f)],
      ["Event type", fmt.flowType(f)],
      ["Traffic direction", f.traffic_direction],
      ["Policy match type", f.event_type?.type === 5 ? `${f.policy_match_type ?? 0} (${fmt.matchName(f.policy_match_type)})` : ""],
      ["Is reply", f.is_reply === undefined ? "unknown" : String(f.is_reply)],
      ["Source identity", f.source ? `${f.source.identity ?? 0} ${fmt.identity(f.source.identity)}` : ""],
      ["Destination identity", f.destination ? `${f.destination.identity ?? 0} ${fmt.identity(f.destination.identity)}` : ""],
      ["Node", f.node_name || record.node_name],
      ["Allowed by", policies(f.ingress_allowed_by, f.egress_allowed_by)],
      ["Denied by", policies(f.ingress_denied_by, f.egress_denied_by)],
    ].filter(([, value]) => value !== undefined && value !== null && value !== "");
    this.part("facts").replaceChildren(...facts.flatMap(([k, value]) => [h("dt", {}, k), h("dd", {}, String(value))]));

    const actions = [];
    const conn = connectionOfFlow(f);
    if (conn) actions.push(h("button", { type: "button", "data-action": "connection", onclick: () => this.go(conn) }, "Flows of this connection"));
    for (const side of [f.source, f.destination]) {
      if (side?.pod_name) {
        const name = side.namespace ? `${side.namespace}/${side.pod_name}` : side.pod_name;
        actions.push(h("button", { type: "button", "data-action": "pod-drops", onclick: () => this.go(podDrops(side.namespace, side.pod_name)) }, `Drops of ${name}`));
      }
    }
    this.part("actions").replaceChildren(...actions);
    this.part("json").textContent = JSON.stringify(record, null, 2);
    this.el.hidden = false;
    document.body.classList.add("panel-open");
    this.part("close").focus();
  }

  go(filter) {
    this.close(false);
    this.onFilter(filter);
  }

  close(refocus = true) {
    if (this.el.hidden) return;
    this.el.hidden = true;
    document.body.classList.remove("panel-open");
    if (refocus && this.returnTo?.isConnected) this.returnTo.focus();
  }
}

function policies(...lists) {
  const all = lists.flat().filter(Boolean);
  return all.map((p) => (p.namespace ? `${p.namespace}/${p.name}` : p.name) + (p.kind ? ` (${p.kind})` : "")).join(", ");
}
