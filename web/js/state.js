// The page's state lives in the URL's query string, so any view can be shared by its address
// and back/forward walk through what the user did. Views never keep their own copy: they read
// `current()` and re-render when `onChange` fires.
//
//   /?view=flows&filter=verdict%20%3D%3D%20Verdict.DROPPED&since=1h&cursor=…
//
// `since` absent means the default range (the last hour); `since=all` means no lower bound.

export const VIEWS = ["flows", "default-deny", "simulate", "store"];
export const DEFAULT_SINCE = "1h";

// Every key the URL may hold, in the order it is written (a stable order keeps URLs comparable).
const KEYS = ["view", "filter", "verdict", "ns", "pod", "dir", "since", "until", "cursor", "live"];

const DEFAULTS = { view: "flows", filter: "", verdict: "", ns: "", pod: "", dir: "", since: DEFAULT_SINCE, until: "", cursor: "", live: "" };

// The values the verdict and direction quick filters take. They become enum names in the
// filter text (`verdict == Verdict.DROPPED`), so anything else in the URL is dropped: a crafted
// link must not add a clause of its own to the filter.
export const QUICK_VERDICTS = ["FORWARDED", "DROPPED", "AUDIT", "REDIRECTED", "ERROR", "TRACED", "TRANSLATED"];
export const QUICK_DIRECTIONS = ["INGRESS", "EGRESS"];

/** The state as the URL says, with defaults filled in (unknown verdicts and directions left out). */
export function parse(search = location.search) {
  const params = new URLSearchParams(search);
  const s = { ...DEFAULTS };
  for (const k of KEYS) if (params.has(k)) s[k] = params.get(k);
  if (!VIEWS.includes(s.view)) s.view = "flows";
  if (!QUICK_VERDICTS.includes(s.verdict)) s.verdict = "";
  if (!QUICK_DIRECTIONS.includes(s.dir)) s.dir = "";
  return s;
}

/** The query string for a state, leaving out defaults. */
export function serialize(s) {
  const params = new URLSearchParams();
  for (const k of KEYS) {
    const v = s[k] ?? "";
    if (v !== DEFAULTS[k]) params.set(k, v);
  }
  const text = params.toString();
  return text ? "?" + text : "/";
}

let state = parse();
const listeners = [];

export function current() { return state; }

/** How many "older page" steps led to this history entry (so "newer" can go back). */
export function pageDepth() { return history.state?.pageDepth ?? 0; }

/**
 * Changes the state and the URL. A new history entry unless `replace`; `older` marks a step to
 * the next page of results, so the previous page is one "back" away.
 */
export function navigate(patch, { replace = false, older = false } = {}) {
  const prev = state;
  const next = { ...state, ...patch };
  const url = serialize(next);
  const entry = { pageDepth: older ? pageDepth() + 1 : 0 };
  if (replace) history.replaceState({ ...entry, pageDepth: pageDepth() }, "", url);
  else history.pushState(entry, "", url);
  state = parse(url === "/" ? "" : url);
  emit(prev);
}

export function onChange(fn) { listeners.push(fn); }

function emit(prev) { for (const fn of listeners) fn(state, prev); }

window.addEventListener("popstate", () => {
  const prev = state;
  state = parse();
  emit(prev);
});

/** The range and filter parts that define which flows a view covers (for change detection). */
export function scopeKey(s) {
  return [s.filter, s.verdict, s.ns, s.pod, s.dir, s.since, s.until].join("\u0000");
}
