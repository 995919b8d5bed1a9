// Query-language text (docs/QUERY-LANGUAGE.md) written by the page: the quick filters, "flows of
// this connection", a pod's drops, and the one filter a view sends. Everything the page
// filters on is a plain expression the user can read in the box, copy, and run with
// `flowtrail query`. Values are quoted here, never pasted in raw.

import { cached } from "./api.js";
import { DEFAULT_SINCE, QUICK_DIRECTIONS, QUICK_VERDICTS } from "./state.js";
import { protocol } from "./format.js";

/** A CEL string literal: only `\\`, `\"` and \uXXXX for control characters (CEL has no `\r`). */
export function quote(s) {
  let out = '"';
  for (const ch of String(s)) {
    const c = ch.codePointAt(0);
    if (ch === "\\") out += "\\\\";
    else if (ch === '"') out += '\\"';
    else if (c < 0x20 || c === 0x7f) out += "\\u" + c.toString(16).padStart(4, "0");
    else out += ch;
  }
  return out + '"';
}

/** The quick filters of a state, each one expression (they are ANDed with the box). */
export function quickParts(s) {
  const parts = [];
  // Enum names go in unquoted: only the known ones (parse() already drops the rest).
  if (QUICK_VERDICTS.includes(s.verdict)) parts.push(`verdict == Verdict.${s.verdict}`);
  if (QUICK_DIRECTIONS.includes(s.dir)) parts.push(`traffic_direction == TrafficDirection.${s.dir}`);
  if (s.ns) parts.push(`source.namespace == ${quote(s.ns)} || destination.namespace == ${quote(s.ns)}`);
  if (s.pod) {
    // As hubble observe --pod: `ns/prefix` or a pod name prefix, on either side.
    const slash = s.pod.indexOf("/");
    const side = (name) => slash >= 0
      ? `(${name}.namespace == ${quote(s.pod.slice(0, slash))} && ${name}.pod_name.startsWith(${quote(s.pod.slice(slash + 1))}))`
      : `${name}.pod_name.startsWith(${quote(s.pod)})`;
    parts.push(`${side("source")} || ${side("destination")}`);
  }
  return parts;
}

/**
 * The filter text sent for a state: the box (a saved query `@name` expanded from
 * /api/v1/queries) ANDed with the quick filters. `boxOffset` is the box's first column in the
 * sent text and `echo` the text the box stands for, so an error column maps back onto it.
 */
export async function filterFor(s) {
  let box = s.filter.trim() ? s.filter : "";
  let echo = box;
  let saved = null;
  const at = /^\s*@([A-Za-z0-9_.-]+)\s*$/.exec(box);
  if (at) {
    const { queries } = await cached("/api/v1/queries");
    const q = queries.find((x) => x.name === at[1]);
    if (!q) {
      const names = queries.map((x) => "@" + x.name).join(", ");
      return { error: { message: `no saved query @${at[1]} (saved queries: ${names})`, position: 1 }, echo: box };
    }
    saved = q.name;
    box = echo = q.expression;
  }
  const quick = quickParts(s);
  if (!quick.length) return { filter: box, boxOffset: 0, echo, saved };
  const all = (box ? [box, ...quick] : quick).map((p) => `(${p})`);
  return { filter: all.join(" && "), boxOffset: box ? 1 : null, echo, saved };
}

/** since/until for the API: `since=all` is no bound; no since is the default range. */
export function rangeParams(s) {
  const since = s.since === "all" ? "" : s.since || DEFAULT_SINCE;
  return { since, until: s.until };
}

// ---- "flows of this connection", from a flow (its 5-tuple, both directions) ----

/**
 * The flows of one flow's connection: the same addresses and ports, in either direction (so
 * replies are included). Null when the flow has no IP layer. The protocol is one of the known
 * l4 fields (format.protocol); a flow with none of them gets no protocol term.
 */
export function connectionOfFlow(f) {
  if (!f.IP?.source || !f.IP?.destination) return null;
  const l4 = f.l4 || {};
  const proto = protocol(f);
  const ported = proto === "TCP" || proto === "UDP" || proto === "SCTP";
  const p = ported ? l4[proto] : {};
  const sp = uint(p.source_port ?? 0), dp = uint(p.destination_port ?? 0);
  const one = (a, b, pa, pb) => {
    const terms = [`IP.source == ${quote(a)}`, `IP.destination == ${quote(b)}`];
    if (ported && pa !== null && pb !== null) {
      terms.push(`l4.${proto}.source_port == ${pa}u`, `l4.${proto}.destination_port == ${pb}u`);
    } else if (proto) {
      terms.push(`has(l4.${proto})`);
    }
    return `(${terms.join(" && ")})`;
  };
  return `${one(f.IP.source, f.IP.destination, sp, dp)} || ${one(f.IP.destination, f.IP.source, dp, sp)}`;
}

/** A number from flow data as the filter's unsigned literal, or null if it is not one. */
function uint(v) {
  const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

/** The drops a pod was part of, either side. */
export function podDrops(ns, pod) {
  const side = (n) => (ns ? `(${n}.namespace == ${quote(ns)} && ${n}.pod_name == ${quote(pod)})` : `${n}.pod_name == ${quote(pod)}`);
  return `verdict == Verdict.DROPPED && (${side("source")} || ${side("destination")})`;
}

// ---- "flows of this connection", from a report or simulation group ----

/** How one side of a report connection is selected: entity, workload, pod, IP or identity. */
function endpointTerms(side, e, names, ip) {
  const terms = [];
  if (e.entity) terms.push(`${quote("reserved:" + e.entity)} in ${side}.labels`);
  if (e.namespace) terms.push(`${side}.namespace == ${quote(e.namespace)}`);
  if (e.workload) {
    terms.push(`${side}.workloads.exists(w, w.name == ${quote(e.workload)}${e.workload_kind ? ` && w.kind == ${quote(e.workload_kind)}` : ""})`);
  } else if (e.pod) {
    terms.push(`${side}.pod_name == ${quote(e.pod)}`);
  }
  if (ip) terms.push(`IP.${side} == ${quote(ip)}`);
  else if (names?.length) terms.push(`${quote(names[0])} in ${side}_names`);
  if (!terms.length && uint(e.identity)) terms.push(`${side}.identity == ${uint(e.identity)}u`);
  return terms;
}

/**
 * A connection of the default-deny report or a simulation (direction, subject, peer, protocol,
 * port; docs/REPORTS.md): the flows from peer to subject (ingress) or subject to peer (egress)
 * on that protocol and destination port.
 */
export function connectionOfGroup(g) {
  const ingress = g.direction === "INGRESS";
  const [src, dst] = ingress ? [g.peer, g.subject] : [g.subject, g.peer];
  const terms = [
    ...endpointTerms("source", src, ingress ? g.peer.names : null, ingress ? g.peer.ip : null),
    ...endpointTerms("destination", dst, ingress ? null : g.peer.names, ingress ? null : g.peer.ip),
  ];
  const proto = { TCP: "TCP", UDP: "UDP", SCTP: "SCTP", ICMPv4: "ICMPv4", ICMPv6: "ICMPv6" }[g.protocol];
  if (proto === "TCP" || proto === "UDP" || proto === "SCTP") {
    terms.push(uint(g.port) ? `l4.${proto}.destination_port == ${uint(g.port)}u` : `has(l4.${proto})`);
  } else if (proto) {
    terms.push(`has(l4.${proto})`);
  }
  return terms.join(" && ") || "true";
}
