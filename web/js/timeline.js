// The timeline above the flows table: flows per bucket stacked by verdict, from
// /api/v1/reports/summary's histogram, drawn as SVG by hand; lost-event records
// (/api/v1/lost-events) as marks where the history has holes. Dragging across it narrows the
// time range. Its box has a fixed height in CSS, so drawing it never moves the table.
// The <svg> is made once and each draw replaces only what is inside its groups: Live redraws it
// every frame flows arrive, and a new element would lose a drag in progress (pointer capture).

import { h } from "./dom.js";
import { count, plural, shortTime } from "./format.js";

const SVG = "http://www.w3.org/2000/svg";
// Drops at the bottom, where their height is easiest to compare; then the other outcomes.
export const VERDICT_ORDER = ["DROPPED", "ERROR", "AUDIT", "REDIRECTED", "FORWARDED", "TRACED", "TRANSLATED", "VERDICT_UNKNOWN"];
const BUCKET_MS = { "1m": 60e3, "5m": 300e3, "1h": 3600e3 };
const PAD = { left: 46, right: 8, top: 10, bottom: 22 };
const NICE_STEPS = [60e3, 120e3, 300e3, 600e3, 900e3, 1800e3, 3600e3, 7200e3, 10800e3, 21600e3, 43200e3, 86400e3, 172800e3, 604800e3, 2592000e3];

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  for (const c of children) if (c) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

const pad2 = (n) => String(n).padStart(2, "0");
function tickLabel(t, spanMs) {
  const d = new Date(t);
  const hm = `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
  if (spanMs <= 86400e3 && d.getUTCHours() + d.getUTCMinutes() !== 0) return hm;
  const day = `${d.toLocaleString("en-US", { month: "short", timeZone: "UTC" })} ${d.getUTCDate()}`;
  return d.getUTCHours() + d.getUTCMinutes() === 0 ? day : `${day} ${hm}`;
}

export class Timeline {
  /** @param root the figure holding the SVG; onRange(fromDate, toDate) when a drag ends. */
  constructor(root, onRange) {
    this.root = root;
    this.box = root.querySelector(".timeline-plot");
    this.legend = root.querySelector(".timeline-legend");
    this.onRange = onRange;
    this.summary = null;
    this.lost = [];
    this.columns = [];
    this.svg = svg("svg", { role: "img", class: "timeline-svg" });
    this.layers = { axes: svg("g", { class: "axes" }), bars: svg("g", { class: "bars" }), lost: svg("g", { class: "lost-marks" }) };
    this.selection = svg("rect", { class: "selection", x: 0, y: PAD.top, width: 0, height: 0, visibility: "hidden" });
    this.svg.append(this.layers.axes, this.layers.bars, this.layers.lost, this.selection);
    this.wireDrag(this.svg);
    new ResizeObserver(() => this.draw()).observe(this.box);
  }

  /**
   * A new summary answer, and the range asked for (Dates; null for an open end). The answer's
   * own since/until do not do as the axis: an open end comes back as the partition's day
   * boundary. So the axis is the range asked for, an open start begins at the first bucket,
   * and an open end is now (a relative range) or the last bucket's end (all history, which may
   * be an old capture).
   */
  setSummary(summary, asked) {
    this.summary = summary;
    this.bucketMs = BUCKET_MS[summary.bucket] || 300e3;
    this.counts = new Map();
    for (const b of summary.histogram || []) this.counts.set(Date.parse(b.start), { ...b.verdicts });
    const starts = Array.from(this.counts.keys());
    const first = starts.length ? Math.min(...starts) : Date.parse(summary.since);
    const last = starts.length ? Math.max(...starts) + this.bucketMs : Date.parse(summary.until);
    this.from = asked.from ? Math.floor(asked.from.getTime() / 60e3) * 60e3 : first;
    this.to = asked.to ? asked.to.getTime() : asked.from ? Date.now() : last;
    if (!(this.to > this.from)) this.to = this.from + this.bucketMs;
    this.totals = { ...(summary.verdicts || {}) };
    this.root.dataset.state = "ready";
    this.draw();
  }

  setLost(records) { this.lost = records || []; this.draw(); }

  /** Shows that the summary could not be had, without changing the box's size. */
  setError(message) {
    this.summary = null;
    this.root.dataset.state = "error";
    this.box.replaceChildren(h("p", { class: "timeline-note" }, message));
    this.legend.replaceChildren();
  }

  loading() { this.root.dataset.state = "loading"; }

  /** A flow that arrived live: counted into its bucket; drawn at most once a frame. */
  addFlow(time, verdict) {
    if (!this.summary) return;
    const t = Date.parse(time);
    if (!(t >= this.from)) return;
    if (t >= this.to) this.to = Math.ceil((t + 1) / 60e3) * 60e3; // a relative range keeps growing
    const start = Math.floor(t / this.bucketMs) * this.bucketMs;
    const c = this.counts.get(start) || {};
    c[verdict] = (c[verdict] || 0) + 1;
    this.counts.set(start, c);
    this.totals[verdict] = (this.totals[verdict] || 0) + 1;
    if (!this.pending) this.pending = requestAnimationFrame(() => { this.pending = 0; this.draw(); });
  }

  draw() {
    if (!this.summary) return;
    const width = Math.max(200, this.box.clientWidth);
    const height = Math.max(60, this.box.clientHeight);
    const plotW = width - PAD.left - PAD.right, plotH = height - PAD.top - PAD.bottom;
    const span = Math.max(this.to - this.from, this.bucketMs);
    // Never thinner than 3 px a bar: buckets merge into wider columns on a narrow screen or a
    // long range.
    const buckets = Math.ceil(span / this.bucketMs);
    const merge = Math.max(1, Math.ceil(buckets / Math.max(1, Math.floor(plotW / 3))));
    const colMs = this.bucketMs * merge;
    const origin = Math.floor(this.from / colMs) * colMs;
    const columns = new Map();
    for (const [start, verdicts] of this.counts) {
      const key = Math.floor((start - origin) / colMs);
      const col = columns.get(key) || { start: origin + key * colMs, verdicts: {}, total: 0 };
      for (const [v, n] of Object.entries(verdicts)) { col.verdicts[v] = (col.verdicts[v] || 0) + n; col.total += n; }
      columns.set(key, col);
    }
    const max = Math.max(1, ...Array.from(columns.values(), (c) => c.total));
    const x = (t) => PAD.left + ((t - this.from) / span) * plotW;
    const y = (n) => PAD.top + plotH - (n / max) * plotH;
    const barW = Math.max(1, (colMs / span) * plotW - 1);

    const root = this.svg;
    for (const [k, v] of Object.entries({ width, height, viewBox: `0 0 ${width} ${height}`,
      "aria-label": `Flows per ${this.summary.bucket} by verdict from ${shortTime(this.from)} to ${shortTime(this.to)} UTC; drag across to narrow the range` })) {
      root.setAttribute(k, String(v));
    }
    // Axes: the largest column's count, and time ticks at a round step.
    const axes = [];
    axes.push(svg("line", { x1: PAD.left, x2: width - PAD.right, y1: PAD.top + plotH + 0.5, y2: PAD.top + plotH + 0.5, class: "axis" }));
    axes.push(svg("text", { x: PAD.left - 6, y: PAD.top + 8, class: "axis-label", "text-anchor": "end" }, count(max)));
    axes.push(svg("text", { x: PAD.left - 6, y: PAD.top + plotH, class: "axis-label", "text-anchor": "end" }, "0"));
    const step = NICE_STEPS.find((s) => span / s <= Math.max(2, Math.floor(plotW / 90))) || NICE_STEPS.at(-1);
    for (let t = Math.ceil(this.from / step) * step; t <= this.to; t += step) {
      const tx = x(t);
      axes.push(svg("line", { x1: tx, x2: tx, y1: PAD.top + plotH, y2: PAD.top + plotH + 4, class: "axis" }));
      // Labels near an edge are anchored inside the plot, so none is cut off.
      const anchor = tx > width - 40 ? "end" : tx < PAD.left + 20 ? "start" : "middle";
      axes.push(svg("text", { x: anchor === "end" ? width - 2 : tx, y: height - 6, class: "axis-label", "text-anchor": anchor }, tickLabel(t, span)));
    }
    this.layers.axes.replaceChildren(...axes);
    const bars = [];
    for (const col of columns.values()) {
      let acc = 0;
      const bx = x(col.start);
      if (bx + barW < PAD.left || bx > width - PAD.right) continue;
      const g = svg("g", { class: "column" });
      for (const v of VERDICT_ORDER.concat(Object.keys(col.verdicts).filter((k) => !VERDICT_ORDER.includes(k)))) {
        const n = col.verdicts[v];
        if (!n) continue;
        g.append(svg("rect", { x: bx.toFixed(1), y: y(acc + n).toFixed(1), width: barW.toFixed(1), height: Math.max(0.5, y(acc) - y(acc + n)).toFixed(1),
          class: "bar", "data-verdict": v }));
        acc += n;
      }
      const parts = Object.entries(col.verdicts).map(([v, n]) => `${v} ${count(n)}`).join(", ");
      g.append(svg("title", {}, `${shortTime(col.start)} UTC, ${count(col.total)} flows: ${parts}`));
      bars.push(g);
    }
    this.layers.bars.replaceChildren(...bars);
    const marks = [];
    for (const e of this.lost) {
      const t = Date.parse(e.time);
      if (!(t >= this.from && t <= this.to)) continue;
      const lx = x(t);
      marks.push(svg("g", { class: "lost" },
        svg("line", { x1: lx, x2: lx, y1: PAD.top, y2: PAD.top + plotH }),
        svg("path", { d: `M${lx - 4},${PAD.top - 6} L${lx + 4},${PAD.top - 6} L${lx},${PAD.top} Z` }),
        svg("title", {}, `${e.num_events_lost} events lost (${e.source}) on ${e.node_name || "a node"} at ${e.time}`)));
    }
    this.layers.lost.replaceChildren(...marks);
    // The selection of a drag in progress stays (its x and width are pixels, still right).
    this.selection.setAttribute("y", PAD.top);
    this.selection.setAttribute("height", plotH);
    this.plot = { x0: PAD.left, x1: width - PAD.right, span };
    if (this.svg.parentNode !== this.box) this.box.replaceChildren(this.svg); // after setError's note
    this.drawLegend();
  }

  drawLegend() {
    const items = VERDICT_ORDER.filter((v) => this.totals[v]).map((v) =>
      h("li", {}, h("span", { class: "swatch", "data-verdict": v, "aria-hidden": "true" }), `${v} ${count(this.totals[v])}`));
    const lost = this.lost.length
      ? h("li", { class: "legend-lost" }, h("span", { class: "swatch lost-swatch", "aria-hidden": "true" }), `${plural(this.lost.length, "lost-event record", "lost-event records")}`)
      : null;
    this.legend.replaceChildren(...items, lost || "");
  }

  /** Drag (mouse, pen or touch) across the plot to choose a range. */
  wireDrag(el) {
    const timeAt = (clientX) => {
      const r = el.getBoundingClientRect();
      const px = Math.min(this.plot.x1, Math.max(this.plot.x0, clientX - r.left));
      return { px, t: this.from + ((px - this.plot.x0) / (this.plot.x1 - this.plot.x0)) * this.plot.span };
    };
    let start = null;
    el.addEventListener("pointerdown", (e) => {
      if (e.button !== 0) return;
      start = timeAt(e.clientX);
      el.setPointerCapture(e.pointerId);
      e.preventDefault();
    });
    el.addEventListener("pointermove", (e) => {
      if (!start) return;
      const now = timeAt(e.clientX);
      this.selection.setAttribute("x", Math.min(start.px, now.px));
      this.selection.setAttribute("width", Math.abs(now.px - start.px));
      this.selection.setAttribute("visibility", "visible");
    });
    const end = (e, cancelled) => {
      if (!start) return;
      const now = timeAt(e.clientX);
      const s = start;
      start = null;
      this.selection.setAttribute("visibility", "hidden");
      if (cancelled || Math.abs(now.px - s.px) < 4) return;
      const [a, b] = s.t < now.t ? [s.t, now.t] : [now.t, s.t];
      this.onRange(new Date(a), new Date(b));
    };
    el.addEventListener("pointerup", (e) => end(e, false));
    el.addEventListener("pointercancel", (e) => end(e, true));
  }
}
