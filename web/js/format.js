// The pieces of a flow as `hubble observe` prints them, so a row on the page reads like a line
// of `flowtrail query` (Sources/FlowHubble/HubbleFlowText.swift, itself Hubble's printer.go):
// `ns/pod:port (ID:1234) -> 10.0.0.1:53 (world) to-endpoint FORWARDED (TCP Flags: SYN)`.
// Everything here returns plain strings; the caller puts them in the DOM with textContent.

const VERDICTS = ["VERDICT_UNKNOWN", "FORWARDED", "DROPPED", "ERROR", "AUDIT", "REDIRECTED", "TRACED", "TRANSLATED"];
const DIRECTIONS = ["TRAFFIC_DIRECTION_UNKNOWN", "INGRESS", "EGRESS"];
const L7_TYPES = ["UNKNOWN_L7_TYPE", "REQUEST", "RESPONSE", "SAMPLE"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

// `api.PolicyMatchType.String()`.
const MATCH_TYPES = ["none", "L3-Only", "L3-L4", "L4-Only", "all", "L3-Proto", "Proto-Only"];

const SOCK_XLATE = {
  SOCK_XLATE_POINT_PRE_DIRECTION_FWD: "pre-xlate-fwd", SOCK_XLATE_POINT_POST_DIRECTION_FWD: "post-xlate-fwd",
  SOCK_XLATE_POINT_PRE_DIRECTION_REV: "pre-xlate-rev", SOCK_XLATE_POINT_POST_DIRECTION_REV: "post-xlate-rev",
  1: "pre-xlate-fwd", 2: "post-xlate-fwd", 3: "pre-xlate-rev", 4: "post-xlate-rev",
};

// Names Hubble prints for numbers, from the server's own tables (the only copies), which arrive
// with /api/v1/catalog and are set by useCatalog before the first rows are drawn:
// the datapath's drop reason texts by code (pkg/monitor/api/drop.go, a drop's type), the
// monitor's trace observation points by event sub-type (to-endpoint is 0 there, unlike
// trace_observation_point's TO_ENDPOINT = 101), and reserved identities (0 is "unknown").
let dropTexts = {}, tracePoints = {}, identityNames = {};

/** Takes the names this page prints from the catalog (`GET /api/v1/catalog`). */
export function useCatalog(catalog) {
  dropTexts = catalog?.drop_reason_texts ?? {};
  tracePoints = catalog?.trace_points ?? {};
  identityNames = catalog?.identity_names ?? {};
}

/** An enum as the JSON carries it: its name, or a number for a value the producer did not know. */
function enumName(value, names, zero) {
  if (value === undefined || value === null) return zero;
  if (typeof value === "number") return names[value] ?? String(value);
  return String(value);
}

export function verdictName(f) { return enumName(f.verdict, VERDICTS, "VERDICT_UNKNOWN"); }
export function directionName(f) { return enumName(f.traffic_direction, DIRECTIONS, "TRAFFIC_DIRECTION_UNKNOWN"); }

const pad2 = (n) => (n < 10 ? "0" + n : String(n));

/** Hubble's default StampMilli layout, in UTC: `Jan  2 15:04:05.000`. */
export function stampMilli(rfc3339) {
  if (!rfc3339) return "N/A";
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?Z$/.exec(rfc3339);
  if (!m) return rfc3339;
  const day = Number(m[3]);
  const fraction = ((m[7] || "") + "000").slice(0, 3);
  return `${MONTHS[Number(m[2]) - 1]} ${day < 10 ? " " + day : day} ${m[4]}:${m[5]}:${m[6]}.${fraction}`;
}

/** A short UTC time for axes and tables: `2026-01-02 15:04:05`. */
export function shortTime(date) {
  if (!(date instanceof Date)) date = new Date(date);
  if (Number.isNaN(date.getTime())) return "";
  return `${date.getUTCFullYear()}-${pad2(date.getUTCMonth() + 1)}-${pad2(date.getUTCDate())} ` +
    `${pad2(date.getUTCHours())}:${pad2(date.getUTCMinutes())}:${pad2(date.getUTCSeconds())}`;
}

/** When a connection was seen: `2026-12-05 20:41 – 21:07` (the date once when it is one day). */
export function seenSpan(first, last) {
  const a = shortTime(first).slice(0, 16), b = shortTime(last).slice(0, 16);
  if (a === b) return a;
  return a.slice(0, 10) === b.slice(0, 10) ? `${a} – ${b.slice(11)}` : `${a} – ${b}`;
}

/** RFC 3339 UTC to the second, the form the API takes for since/until. */
export function isoSeconds(date) {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/** The L4 ports as strings ("" when the protocol has none). */
export function ports(f) {
  const l4 = f.l4 || {};
  const p = l4.TCP || l4.UDP || l4.SCTP;
  if (!p) return ["", ""];
  return [String(p.source_port ?? 0), String(p.destination_port ?? 0)];
}

// The l4 fields of a flow (flow.proto's Layer4 oneof), in the order they are looked for.
export const L4_PROTOCOLS = ["TCP", "UDP", "SCTP", "ICMPv4", "ICMPv6", "VRRP", "IGMP"];

/**
 * The L4 protocol's key in the JSON (`TCP`, `UDP`, `ICMPv4`…), or "": only a known one, never
 * whatever key comes first (filter text is built from it).
 */
export function protocol(f) {
  const l4 = f.l4 || {};
  return L4_PROTOCOLS.find((k) => Object.hasOwn(l4, k) && l4[k] !== null && typeof l4[k] === "object") || "";
}

// Hubble's terminal escaper: ESC and CR in flow data print as `^[` and `\r`.
function escapeTerminal(s) { return String(s).replaceAll("\u001b", "^[").replaceAll("\r", "\\r"); }

function hostname(ip, port, ns, pod, svc, names) {
  let host = ip || "";
  if (pod) host = ns ? `${ns}/${pod}` : pod;
  else if (svc) host = ns ? `${ns}/${svc}` : svc;
  else if (names && names.length) host = names.join(",");
  host = escapeTerminal(host);
  if (!port || port === "0") return host;
  // net.JoinHostPort brackets a host with a colon (IPv6).
  return (host.includes(":") ? `[${host}]` : host) + ":" + port;
}

/** `hostNames`: both endpoints as `ns/pod:port`, `ns/service:port`, DNS names or the IP. */
export function hostNames(f) {
  if (!f.IP) {
    if (f.ethernet) return [escapeTerminal(f.ethernet.source || ""), escapeTerminal(f.ethernet.destination || "")];
    return ["", ""];
  }
  const src = f.source || {}, dst = f.destination || {};
  let srcNS = src.namespace || "", dstNS = dst.namespace || "", srcSvc = "", dstSvc = "";
  if (f.source_service) { srcNS = f.source_service.namespace || ""; srcSvc = f.source_service.name || ""; }
  if (f.destination_service) { dstNS = f.destination_service.namespace || ""; dstSvc = f.destination_service.name || ""; }
  const [sp, dp] = ports(f);
  return [hostname(f.IP.source, sp, srcNS, src.pod_name, srcSvc, f.source_names),
    hostname(f.IP.destination, dp, dstNS, dst.pod_name, dstSvc, f.destination_names)];
}

/** `(ID:1234)`, or the reserved identity's name: `(world)`. */
export function identity(id) {
  const n = Number(id || 0);
  return identityNames[n] ? `(${identityNames[n]})` : `(ID:${n})`;
}

/**
 * The compact line's two sides: a reply is shown from its request's point of view (the sides
 * swapped and `<-`), an unknown reply flag as `<>`, as `hubble observe` does.
 */
export function sides(f) {
  const [src, dst] = hostNames(f);
  let left = { host: src, identity: identity(f.source?.identity) };
  let right = { host: dst, identity: identity(f.destination?.identity) };
  let arrow = "->";
  if (f.is_reply === undefined || f.is_reply === null) arrow = "<>";
  else if (f.is_reply) { [left, right] = [right, left]; arrow = "<-"; }
  return { left, right, arrow };
}

/** `GetFlowType`: the L7 record, else the event type's point, drop reason or match. */
export function flowType(f) {
  if (f.l7) {
    let l7Type = enumName(f.l7.type, L7_TYPES, "UNKNOWN_L7_TYPE");
    let proto = "l7";
    if (f.l7.http) proto = "http";
    else if (f.l7.dns) { proto = "dns"; l7Type += " " + (f.l7.dns.observation_source || ""); }
    else if (f.l7.kafka) proto = "kafka";
    return `${proto}-${l7Type.toLowerCase()}`;
  }
  const type = f.event_type?.type ?? 0;
  const sub = (f.event_type?.sub_type ?? 0) & 0xff;
  switch (type) {
    case 4: return tracePoints[sub] ?? String(sub);
    case 1: return dropTexts[sub] ?? `${sub}, 0`;
    case 5: return `policy-verdict:${matchName(f.policy_match_type)} ${directionName(f)}`;
    case 3: return enumName(f.debug_capture_point, [], "DBG_CAPTURE_POINT_UNKNOWN");
    case 7: return SOCK_XLATE[f.sock_xlate_point] ?? enumName(f.sock_xlate_point, [], "SOCK_XLATE_POINT_UNKNOWN");
    default: return "UNKNOWN";
  }
}

/** A policy match type's printed name (`L3-L4`, `all`…). */
export function matchName(m) {
  const n = Number(m || 0);
  return MATCH_TYPES[n] ?? String(n);
}

/**
 * `getVerdict`: the word Hubble prints and a tone for its colour. Policy-verdict events say
 * ALLOWED, DENIED or AUDITED.
 */
export function verdict(f) {
  const name = verdictName(f);
  const policy = f.event_type?.type === 5;
  switch (name) {
    case "FORWARDED": case "REDIRECTED": return { text: policy ? "ALLOWED" : name, tone: "ok" };
    case "DROPPED": case "ERROR": return { text: policy ? "DENIED" : name, tone: "bad" };
    case "AUDIT": return { text: policy ? "AUDITED" : name, tone: "warn" };
    case "TRACED": case "TRANSLATED": return { text: name, tone: "warn" };
    default: return { text: name, tone: "" };
  }
}

/** `getSummary`: the IP trace id, the summary, the auth type when not disabled. */
export function summary(f) {
  let s = "";
  const trace = f.ip_trace_id?.trace_id;
  if (trace && trace !== "0") s += `IP Trace ID: ${trace}; `;
  s += escapeTerminal(f.Summary || "");
  const auth = f.auth_type;
  if (auth && auth !== "DISABLED" && auth !== 0) s += `; Auth: ${auth === 1 ? "SPIRE" : auth === 2 ? "TEST_ALWAYS_FAIL" : auth}`;
  return s;
}

/** The drop reason when it is one (`POLICY_DENIED`), for the detail panel and tooltips. */
export function dropReason(f) {
  const d = f.drop_reason_desc;
  return d && d !== "DROP_REASON_UNKNOWN" ? String(d) : "";
}

const numberFormat = new Intl.NumberFormat("en-US");
/** 1234567 → "1,234,567". */
export function count(n) { return n === null || n === undefined ? "–" : numberFormat.format(n); }

/** `1 policy`, `3 policies`. */
export function plural(n, one, many) { return `${count(n)} ${n === 1 ? one : many}`; }

/** Bytes as KiB, MiB, GiB. */
export function bytes(n) {
  if (n === null || n === undefined) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = Number(n), u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

export { VERDICTS };
