// Boot: wires the views to the URL state and shows the one the URL names. The Flows view starts
// loading as soon as this module runs (its requests go out before anything else is drawn).
//
// The page (served at / and /ui/…, everything embedded in the binary):
//   index.html      the shell: every view's static parts, the flow row <template>, token form
//   app.css         all styles (fixed sizes where loading must not move things; 390 px layout)
//   js/state.js     the URL query string as the page's state; navigate(), back/forward
//   js/api.js       fetch with the token, ApiError, NDJSON streams (Live)
//   js/token.js     the token form, sessionStorage, the "Token needed" note
//   js/filters.js   query-language text: quick filters, connection filters, @saved queries
//   js/format.js    a flow's parts as `hubble observe` prints them
//   js/range.js     the range bar, since/until arithmetic, histogram buckets
//   js/flows.js     the Flows view (filter, timeline, table, pages, Live)
//   js/flowtable.js js/flowpanel.js js/timeline.js js/completion.js   its parts
//   js/reports.js   Default-deny;  js/simulate.js  Simulate;  js/store.js  Store
//   js/dom.js       element building (text only, never HTML), copy, download

import { current, onChange, navigate, serialize, VIEWS } from "./state.js";
import { initRangeBar, renderRangeBar } from "./range.js";
import { FlowsView } from "./flows.js";
import { DefaultDenyView } from "./reports.js";
import { SimulateView } from "./simulate.js";
import { StoreView } from "./store.js";
import { quickParts } from "./filters.js";
import { onTokenEntered } from "./token.js";
import { $, $$ } from "./dom.js";

const views = {
  flows: new FlowsView(),
  "default-deny": new DefaultDenyView(),
  simulate: new SimulateView(),
  store: new StoreView(),
};
let shown = null;

function render(s) {
  if (shown && shown !== s.view) views[shown].hide();
  for (const name of VIEWS) {
    const section = $(`#view-${name}`);
    section.hidden = name !== s.view;
  }
  for (const a of $$("nav.views a")) {
    const view = a.dataset.view;
    // Real links (open in a new tab works); the range and filter go along.
    a.href = serialize({ ...s, view, cursor: "", live: "" });
    if (view === s.view) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  $("#range-bar").hidden = s.view === "store";
  renderRangeBar(s);
  scopeNote(s);
  document.title = `flowtrail · ${$(`nav.views a[data-view="${s.view}"]`).textContent}`;
  const first = shown === null;
  const moved = shown !== s.view;
  shown = s.view;
  views[s.view].show(s);
  // A new view: focus its heading region so keyboard and screen-reader users land there.
  if (moved && !first) $("#main").focus({ preventScroll: true });
}

/** On the report views, say which filter they use (it is set on the Flows view). */
function scopeNote(s) {
  const note = $("#scope-note");
  const parts = [s.filter, ...quickParts(s)].filter(Boolean);
  if (s.view === "flows" || s.view === "store" || !parts.length) { note.hidden = true; return; }
  note.replaceChildren("Filter from the Flows view: ", Object.assign(document.createElement("code"), { textContent: parts.join(" && ") }), " ");
  const clear = document.createElement("button");
  clear.type = "button";
  clear.className = "link";
  clear.textContent = "Clear filter";
  clear.addEventListener("click", () => navigate({ filter: "", verdict: "", ns: "", pod: "", dir: "", cursor: "" }));
  note.append(clear);
  note.hidden = false;
}

for (const a of $$("nav.views a")) {
  a.addEventListener("click", (e) => {
    if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return; // let the browser open a tab
    e.preventDefault();
    if (current().view !== a.dataset.view) navigate({ view: a.dataset.view, cursor: "", live: "" });
  });
}
initRangeBar();
onChange((s) => render(s));
// A token entered after its form had been closed: the shown view loads again (its requests
// failed with "Token needed").
onTokenEntered(() => {
  const s = current();
  const view = views[s.view];
  if (view.retry) view.retry(s);
  else view.show(s);
});
render(current());
