// The Flows view: the filter box and quick filters, the timeline, the table with its pages, and
// Live. It reads everything from the URL state and only ever changes it through navigate(), so
// back/forward, reloads and shared links all land on the same view.
//
// The first view asks for the page of flows, the summary (timeline) and the lost-event records
// at once, in parallel; the table renders as soon as its page arrives, whatever the others do.
// The summary and lost events belong to the range and filter, not to the page: they have their
// own AbortController, so paging while they load does not cancel them.

import { getJSON, streamLines, cached, isAbort } from "./api.js";
import { enterToken } from "./token.js";
import { navigate, pageDepth, scopeKey } from "./state.js";
import { filterFor, rangeParams } from "./filters.js";
import { bucketFor, bucketForSpan, narrowTo, timeOf } from "./range.js";
import { Timeline } from "./timeline.js";
import { FlowTable, MAX_ROWS } from "./flowtable.js";
import { FlowPanel } from "./flowpanel.js";
import { Completion } from "./completion.js";
import { $, h, say } from "./dom.js";
import { count, isoSeconds, plural, shortTime, useCatalog, verdictName } from "./format.js";

const PAGE = 100;

/** Timing marks for tests and benchmarks: firstRenderMs (since navigation start), lastRowsRenderMs. */
const marks = (window.__flowtrail = { renders: 0 });

export class FlowsView {
  constructor() {
    this.form = $("#filter-form");
    this.input = $("#filter");
    this.errorBox = $("#filter-error");
    this.status = $("#flows-status");
    this.lostNote = $("#lost-note");
    this.liveButton = $("#live-toggle");
    this.liveStatus = $("#live-status");
    this.table = new FlowTable($("#flows-table"), (record, tr) => this.panel.open(record, tr));
    this.panel = new FlowPanel($("#flow-panel"), (filter) => this.setFilter(filter));
    this.timeline = new Timeline($("#timeline"), (from, to) => narrowTo(from, to));
    this.completion = new Completion(this.input, $("#completion"), () => cached("/api/v1/queries").then((q) => q.queries));
    this.namespaces = new Set();
    this.wire();
  }

  wire() {
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.completion.close();
      this.apply({ filter: this.input.value.trim() });
    });
    for (const el of this.form.querySelectorAll(".quick select, .quick input")) {
      el.addEventListener("change", () => this.apply({ [el.name]: el.value.trim() }));
    }
    $("#saved-queries").addEventListener("change", (e) => {
      if (e.target.value) this.apply({ filter: "@" + e.target.value });
      e.target.value = "";
    });
    $("#page-older").addEventListener("click", () => {
      // Older pages are history: Live (which adds on top of the newest) stops.
      if (this.nextCursor) navigate({ cursor: this.nextCursor, live: "" }, { older: true });
    });
    $("#page-newer").addEventListener("click", () => history.back());
    $("#page-newest").addEventListener("click", () => navigate({ cursor: "" }));
    this.liveButton.addEventListener("click", () => {
      const on = this.state.live !== "1";
      // Live streams what is stored from now on: the first page, and no upper bound.
      navigate(on ? { live: "1", cursor: "", until: "" } : { live: "" }, { replace: true });
    });
  }

  /** Changes filter parts: a new history entry, back on the first page. */
  apply(patch) {
    const same = Object.entries(patch).every(([k, v]) => (this.state[k] ?? "") === v);
    if (same && !this.state.cursor) { this.load(this.state, true); return; } // Apply again: reload
    navigate({ ...patch, cursor: "" });
  }

  /** A filter from elsewhere (the flow panel, a report row): the box only, quick filters cleared. */
  setFilter(filter) {
    navigate({ view: "flows", filter, verdict: "", ns: "", pod: "", dir: "", cursor: "" });
  }

  /** The state changed (or the view was shown): load what the change needs. */
  show(s) {
    const prev = this.state;
    this.state = s;
    this.syncForm(s);
    const scopeChanged = !prev || scopeKey(prev) !== scopeKey(s);
    const pageChanged = !prev || prev.cursor !== s.cursor;
    this.liveButton.setAttribute("aria-pressed", String(s.live === "1"));
    if (scopeChanged || pageChanged) {
      this.load(s, scopeChanged);
    } else if (s.live === "1" && !this.live) {
      // Live on: the newest page again (flows stored since this page loaded would otherwise
      // never show), with the stream started alongside its request.
      this.load(s, true);
    } else if (s.live !== "1" && this.live) {
      this.stopLive("");
    }
  }

  /** The token was entered after the form had been closed: everything again. */
  retry(s) { this.load(s, true); }

  /** Leaving the view: nothing keeps streaming in the background (the rows stay for "back"). */
  hide() {
    this.stopLive("");
    this.panel.close(false);
  }

  syncForm(s) {
    if (document.activeElement !== this.input || this.input.value.trim() === s.filter) this.input.value = s.filter;
    for (const el of this.form.querySelectorAll(".quick select, .quick input")) el.value = s[el.name] || "";
  }

  async load(s, withSummary) {
    this.controller?.abort();
    const ctl = (this.controller = new AbortController());
    const signal = ctl.signal;
    this.stopLive("");
    this.pageReady = false;
    // The old page's cursor belongs to the old filter: no "Older" until the new page says.
    this.nextCursor = null;
    $("#page-older").disabled = true;
    this.table.loading();
    say(this.status, "Loading flows…");
    // A summary for this range and filter is asked for unless one already is (paging keeps it;
    // a load cancelled before it asked leaves it to the next one).
    const key = scopeKey(s);
    const withTimeline = withSummary || this.summaryKey !== key;
    if (withTimeline) {
      this.summaryController?.abort();
      this.summaryController = null;
      this.summaryKey = null;
    }
    let f;
    try {
      f = await filterFor(s);
    } catch (e) {
      if (!isAbort(e) && !signal.aborted) this.fail(e);
      return;
    }
    if (signal.aborted) return;
    if (f.error) { this.filterError(f.error, f); return; }
    this.clearError();
    const range = rangeParams(s);
    const common = { filter: f.filter, ...range };
    const flows = getJSON("/api/v1/flows", { ...common, limit: PAGE, cursor: s.cursor, format: "json" }, { signal });
    // The drop texts rows print come with the catalog (a constant answer, fetched once, in
    // parallel with the page); without it a drop's type shows its code.
    const catalog = cached("/api/v1/catalog").then(useCatalog, () => {});
    if (withTimeline) {
      // Cancelled only by the next load that asks for a summary (a new range or filter).
      const summaryCtl = (this.summaryController = new AbortController());
      this.summaryKey = key;
      const sig = summaryCtl.signal;
      this.total = null;
      this.timeline.loading();
      this.loadSummary(common, bucketFor(s), sig, !range.since)
        .catch((e) => { if (!isAbort(e) && !sig.aborted) this.timeline.setError(e.code === "invalid_filter" ? "No timeline: the filter has an error." : `No timeline: ${e.message}`); });
      getJSON("/api/v1/lost-events", { ...range, limit: 1000 }, { signal: sig })
        .then((lost) => { if (!sig.aborted) this.timeline.setLost(lost.lost_events); })
        .catch(() => { /* the marks are extra; the flows say if events were lost */ });
    }
    if (s.live === "1" && !s.cursor) this.startLive(s, f);
    let page;
    try {
      page = await flows;
    } catch (e) {
      if (isAbort(e)) return;
      if (e.code === "invalid_filter") this.filterError(e, f);
      else this.fail(e);
      return;
    }
    await catalog;
    if (signal.aborted) return;
    this.showPage(s, page);
  }

  /**
   * The summary for the timeline and the total. An open start (all history) has no known
   * length before the answer: hours first, then, if the flows span less than a day and a half,
   * once more with the bucket that span wants.
   */
  async loadSummary(common, bucket, signal, openStart) {
    const summary = await getJSON("/api/v1/reports/summary", { ...common, bucket }, { signal });
    if (signal.aborted) return;
    this.total = summary.total_flows;
    const now = Date.now();
    const asked = { from: timeOf(common.since, now), to: timeOf(common.until, now) };
    this.timeline.setSummary(summary, asked);
    this.updateStatus();
    if (openStart && summary.histogram.length) {
      const starts = summary.histogram.map((b) => Date.parse(b.start));
      const finer = bucketForSpan(Math.max(...starts) + 3600e3 - Math.min(...starts));
      if (finer === bucket) return;
      const again = await getJSON("/api/v1/reports/summary", { ...common, bucket: finer }, { signal });
      if (!signal.aborted) this.timeline.setSummary(again, asked);
    }
  }

  showPage(s, page) {
    this.page = page;
    this.nextCursor = page.next_cursor;
    if (page.flows.length) {
      const ms = this.table.render(page.flows);
      this.mark(ms);
      for (const ns of this.table.namespaces()) this.namespaces.add(ns);
      this.fillNamespaces();
    } else {
      this.table.message(s.cursor ? "No older flows." : "No flows match in this range.", ...this.emptyActions(s));
      this.mark(0);
    }
    this.pageReady = true;
    const lost = page.lost_events || { records: 0 };
    // Its line is always there (empty or not): the note arriving must not move the table.
    const note = lost.records ? `${plural(lost.events_lost, "event", "events")} lost in this range (${plural(lost.records, "record", "records")}): flows may be missing.` : "";
    this.lostNote.textContent = note;
    this.lostNote.title = note;
    $("#page-older").disabled = !page.next_cursor;
    $("#page-newer").disabled = pageDepth() === 0;
    $("#page-newest").disabled = !s.cursor;
    this.updateStatus();
    this.flushLive();
    this.afterFirstRender();
  }

  mark(rowsMs) {
    if (marks.firstRenderMs === undefined) marks.firstRenderMs = performance.now();
    marks.lastRowsRenderMs = rowsMs;
    marks.renders += 1;
  }

  /** Work the first view does not wait for: saved queries for the menu. */
  afterFirstRender() {
    if (this.idleDone) return;
    this.idleDone = true;
    const later = window.requestIdleCallback || ((fn) => setTimeout(fn, 200));
    later(() => cached("/api/v1/queries").then(({ queries }) => {
      $("#saved-queries").append(...queries.map((q) => h("option", { value: q.name, title: q.description }, "@" + q.name)));
    }).catch(() => {}));
  }

  fillNamespaces() {
    const list = $("#namespaces");
    if (list.children.length === this.namespaces.size) return;
    list.replaceChildren(...Array.from(this.namespaces).sort().slice(0, 300).map((ns) => h("option", { value: ns })));
  }

  emptyActions(s) {
    const actions = [];
    if (s.since !== "all" || s.until) {
      actions.push(h("button", { type: "button", onclick: () => navigate({ since: "all", until: "", cursor: "" }) }, "Search all history"));
    }
    // Stored flows may all be older than the range (an imported capture): offer their last hour.
    actions.push(h("button", {
      type: "button",
      onclick: async (e) => {
        e.currentTarget.disabled = true;
        const stats = await getJSON("/api/v1/stats").catch(() => null);
        if (!stats?.last_time) { say(this.status, "The store holds no flows yet.", "warn"); return; }
        const last = new Date(stats.last_time);
        navigate({ since: isoSeconds(new Date(last - 3600e3)), until: isoSeconds(new Date(last.getTime() + 1000)), cursor: "" });
      },
    }, "Show the newest stored hour"));
    return actions;
  }

  updateStatus() {
    if (!this.pageReady) return;
    const n = this.page.flows.length;
    const depth = pageDepth();
    const first = this.state.cursor ? (depth ? depth * PAGE + 1 : null) : 1;
    // Short enough for one line next to Live at 390 px: a second line would push the table.
    let text = n === 0 ? "No flows." : first ? `Flows ${count(first)}–${count(first + n - 1)}` : `${count(n)} older flows`;
    if (n && this.total !== null && this.total !== undefined) text += ` of ${count(this.total)}`;
    if (n) text += ", newest first";
    say(this.status, text);
  }

  // ---- errors ----

  /**
   * A filter the checker refused: its message, and the expression again with a caret under the
   * column the server named (mapped back onto the box when quick filters were added), as the
   * CLI prints it. The box's cursor moves to that column.
   */
  filterError(err, f) {
    const echo = Array.from((f.echo || "").replace(/[\n\r\t]/g, " "));
    let col = err.position ? err.position - (f.boxOffset ?? 0) : null;
    if (f.boxOffset === null || col === null || col < 1 || col > echo.length + 1) col = null;
    $("[data-role=echo]", this.errorBox).textContent = echo.join("");
    const caret = $("[data-role=caret]", this.errorBox);
    caret.textContent = col ? " ".repeat(col - 1) + "^" : "";
    this.errorBox.dataset.position = col ?? "";
    $("[data-role=message]", this.errorBox).textContent = (f.saved ? `In @${f.saved}: ` : "") + err.message;
    this.errorBox.hidden = false;
    this.input.setAttribute("aria-invalid", "true");
    this.input.setAttribute("aria-describedby", "filter-error filter-help");
    if (col && !f.saved) {
      const offset = echo.slice(0, col - 1).join("").length; // UTF-16 units for the input
      this.input.setSelectionRange(offset, offset);
    }
    this.table.message("The filter has an error: fix it above and press Enter.");
    this.timeline.setError("No timeline: the filter has an error.");
    say(this.status, "");
    this.lostNote.textContent = this.lostNote.title = "";
    this.pageReady = false;
    this.endLive("Live stopped: the filter has an error.");
    marks.renders += 1;
  }

  clearError() {
    this.errorBox.hidden = true;
    this.input.removeAttribute("aria-invalid");
    this.input.setAttribute("aria-describedby", "filter-help");
  }

  fail(e) {
    // Without the token (its form was closed) trying again needs the form again.
    const action = e.status === 401
      ? h("button", { type: "button", onclick: () => enterToken() }, "Enter token")
      : h("button", { type: "button", onclick: () => this.load(this.state, true) }, "Try again");
    this.table.message(`Could not load flows: ${e.message}`, action);
    say(this.status, "");
    this.lostNote.textContent = this.lostNote.title = "";
    this.endLive(`Live stopped: ${e.message}`);
    marks.renders += 1;
  }

  // ---- Live ----

  /**
   * Streams new matching flows (follow=true) onto the top of the table. Flows wait in a queue
   * until the next animation frame (and until the page they go on top of is there); the queue
   * keeps the newest MAX_ROWS (a background tab gets no frames), counting the ones it lets go.
   */
  async startLive(s, f) {
    this.stopLive("");
    const ctl = (this.live = new AbortController());
    this.liveQueue = [];
    this.liveCount = 0;
    this.liveMissed = 0;
    this.lostInStream = 0;
    this.liveButton.setAttribute("aria-pressed", "true");
    this.setLiveStatus("connecting", "Connecting…");
    try {
      f ||= await filterFor(s);
      if (f.error) throw new Error(f.error.message);
      await streamLines("/api/v1/flows", { filter: f.filter, since: rangeParams(s).since, follow: "true" }, (obj) => {
        if (obj.flow) {
          this.liveQueue.push(obj);
          // Trimmed in steps (not one shift per flow): never more than twice MAX_ROWS queued.
          if (this.liveQueue.length >= 2 * MAX_ROWS) this.dropQueued(this.liveQueue.length - MAX_ROWS);
          this.scheduleFlush();
        } else if (obj.lost_events) {
          // The stream fell behind the ingest and ends (as Hubble's own streams do).
          this.lostInStream = obj.lost_events.num_events_lost;
        }
      }, { signal: ctl.signal, onOpen: () => this.setLiveStatus("open", "Live: waiting for new flows") });
      if (this.live === ctl) {
        this.live = null;
        this.setLiveStatus("ended", this.lostInStream
          ? `The stream fell behind and ended (${this.lostInStream} flows missed). Turn Live on again.`
          : "The server ended the stream.");
        navigate({ live: "" }, { replace: true });
      }
    } catch (e) {
      if (isAbort(e) || this.live !== ctl) return;
      this.live = null;
      this.setLiveStatus("ended", `Live stopped: ${e.message}`);
      navigate({ live: "" }, { replace: true });
    }
  }

  /** Live ends because the page could not load: the stream stops, the URL and status say so. */
  endLive(text) {
    if (!this.live && this.state?.live !== "1") return;
    this.stopLive();
    this.liveQueue = [];
    this.setLiveStatus("ended", text);
    if (this.state?.live === "1") navigate({ live: "" }, { replace: true });
  }

  stopLive(message) {
    if (this.live) {
      const ctl = this.live;
      this.live = null;
      ctl.abort();
    }
    this.liveButton.setAttribute("aria-pressed", String(this.state?.live === "1"));
    if (message !== undefined && this.liveStatus.dataset.state !== "ended") this.setLiveStatus("off", message);
  }

  setLiveStatus(state, text) {
    this.liveStatus.dataset.state = state;
    this.liveStatus.textContent = text;
    this.liveStatus.title = text; // one line: the whole text when it ends in "…"
  }

  scheduleFlush() {
    if (!this.flushPending) this.flushPending = requestAnimationFrame(() => { this.flushPending = 0; this.flushLive(); });
  }

  /**
   * Lets the oldest `n` queued flows go (more arrived than can be drawn). They are still new
   * flows: counted for the status and the timeline (unless already on the table), not drawn.
   */
  dropQueued(n) {
    for (const r of this.liveQueue.splice(0, n)) {
      if (this.table.shows(r.flow.uuid)) continue;
      this.liveMissed += 1;
      this.liveLast = r.flow.time;
      this.timeline.addFlow(r.flow.time, verdictName(r.flow));
    }
  }

  /** Puts queued live flows on the table, once the page they go on top of is there. */
  flushLive() {
    if (!this.pageReady || !this.liveQueue?.length) return;
    if (this.liveQueue.length > MAX_ROWS) this.dropQueued(this.liveQueue.length - MAX_ROWS);
    const batch = this.liveQueue;
    this.liveQueue = [];
    const t0 = performance.now();
    const added = this.table.prepend(batch);
    marks.lastLiveRenderMs = performance.now() - t0;
    // Only what the table took: a flow the page already showed is in the summary already.
    for (const r of added) this.timeline.addFlow(r.flow.time, verdictName(r.flow));
    this.liveCount += added.length;
    if (added.length) this.liveLast = added.at(-1).flow.time;
    this.showLiveCount();
  }

  /** `Live: 1,234 new flows, last at 15:04:05` (short: one line at 390 px), and any not drawn. */
  showLiveCount() {
    if (!this.live || !(this.liveCount + this.liveMissed)) return;
    const missed = this.liveMissed ? ` (${count(this.liveMissed)} not drawn)` : "";
    this.setLiveStatus("open", `Live: ${count(this.liveCount + this.liveMissed)} new flows, last at ${shortTime(this.liveLast).slice(11)}${missed}`);
  }
}
