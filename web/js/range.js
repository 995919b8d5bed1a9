// The time range bar (presets and absolute times) shared by Flows, Default-deny and Simulate,
// and the arithmetic on ranges: what a `since`/`until` text means as dates, and which histogram
// bucket suits a range. The API takes the same texts (RFC 3339, 2026-01-02T15:04, 90m, 2d), so
// the URL keeps exactly what the user chose: a relative range stays relative when shared.

import { navigate, DEFAULT_SINCE } from "./state.js";
import { isoSeconds, shortTime } from "./format.js";
import { $, $$ } from "./dom.js";

const UNIT_MS = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 604800e3 };

/** A duration such as `90m` or `1h30m` in ms, or null. */
export function durationMs(text) {
  if (!/^(\d+(ms|s|m|h|d|w))+$/.test(text)) return null;
  let total = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)(ms|s|m|h|d|w)/g)) total += Number(n) * UNIT_MS[unit];
  return total;
}

/** A `since`/`until` text as a Date (durations count back from now), or null. */
export function timeOf(text, now = Date.now()) {
  if (!text || text === "all") return null;
  const d = durationMs(text);
  if (d !== null) return new Date(now - d);
  // Hubble's short forms are UTC: 2026-01-02, 2026-01-02T15, 2026-01-02T15:04[:05].
  const m = /^(\d{4}-\d\d-\d\d)(?:T(\d\d)(?::(\d\d)(?::(\d\d))?)?)?$/.exec(text);
  if (m) return new Date(`${m[1]}T${m[2] || "00"}:${m[3] || "00"}:${m[4] || "00"}Z`);
  const t = Date.parse(text);
  return Number.isNaN(t) ? null : new Date(t);
}

/** The histogram bucket for a span of time (ms): about 100–300 bars whatever its length. */
export function bucketForSpan(span) {
  if (span <= 3 * 3600e3) return "1m";
  if (span <= 36 * 3600e3) return "5m";
  return "1h";
}

/** The bucket for a state's range; all history (length unknown yet) starts with hours. */
export function bucketFor(s) {
  const now = Date.now();
  const from = timeOf(s.since === "all" ? "" : s.since || DEFAULT_SINCE, now);
  const to = timeOf(s.until, now) || new Date(now);
  return from ? bucketForSpan(to - from) : "1h";
}

/**
 * A report's range in words. Reports round to whole minutes and answer an open end with the
 * day partition's boundary, so an open end is said as such, not as that boundary.
 */
export function describeRange(s, answer) {
  if (s.since === "all" && !s.until) return "in all stored history";
  const from = s.since === "all" ? "the first stored flow" : `${shortTime(answer.since)} UTC`;
  const to = s.until ? `${shortTime(answer.until)} UTC` : "now";
  return `from ${from} to ${to}`;
}

/** Wires the range bar: presets, the absolute form, and keeping both in step with the URL. */
export function initRangeBar() {
  const bar = $("#range-bar");
  for (const b of $$("[data-since]", bar)) {
    b.addEventListener("click", () => navigate({ since: b.dataset.since, until: "", cursor: "" }));
  }
  const form = $("#range-form");
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const since = form.elements.since.value.trim();
    const until = form.elements.until.value.trim();
    navigate({ since: since || "all", until, cursor: "" });
  });
}

/** Shows the state's range: the pressed preset, or the absolute times in the inputs. */
export function renderRangeBar(s) {
  const since = s.since || DEFAULT_SINCE;
  for (const b of $$("#range-bar [data-since]")) {
    b.setAttribute("aria-pressed", String(!s.until && b.dataset.since === since));
  }
  const form = $("#range-form");
  // Don't overwrite what the user is typing.
  if (!form.contains(document.activeElement)) {
    form.elements.since.value = since === "all" ? "" : since;
    form.elements.until.value = s.until;
  }
}

/** Narrows the range to [from, to] (Dates), as dragging across the timeline does. */
export function narrowTo(from, to) {
  navigate({ since: isoSeconds(from), until: isoSeconds(new Date(to.getTime() + 999)), cursor: "", live: "" });
}
