#!/usr/bin/env python3
"""Times the web page's first view against a running `flowtrail serve` (for scripts/bench-web
and docs/BENCHMARKS.md), beside its peer: the same API requests the first view makes, sent in
parallel from Python, without a browser.

  page_timing.py --base-url http://127.0.0.1:PORT [--runs N] [--query 'since=1h'] [--token T]

Each run is a fresh navigation of headless Chromium with its cache cleared. Per run it reads
Navigation Timing (responseEnd, domContentLoadedEventEnd) and the page's own marks
(window.__flowtrail.firstRenderMs: ms from navigation start until the first page of rows is in
the table, i.e. interactive; lastRowsRenderMs: ms to build and insert those rows). Prints one
JSON object: the median and max of each, and the API peer's median.
"""
import argparse
import concurrent.futures
import json
import statistics
import time
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait


def bucket(since):
    """1m up to 3 h, 5m up to 36 h, else 1h, for a `since` such as 15m, 1h, 7d."""
    units = {"m": 60, "h": 3600, "d": 86400, "w": 604800}
    seconds = int(since[:-1]) * units.get(since[-1], 3600) if since[:-1].isdigit() else 10**9
    return "1m" if seconds <= 3 * 3600 else "5m" if seconds <= 36 * 3600 else "1h"


def api_peer(base, query, token):
    """The first view's requests (flows page, summary, lost events, catalog), in parallel; ms."""
    q = dict(urllib.parse.parse_qsl(query))
    # The page's default range is the last hour (web/js/state.js DEFAULT_SINCE).
    rng = {"since": q.get("since", "1h")}
    if "until" in q:
        rng["until"] = q["until"]
    paths = [
        "/api/v1/flows?" + urllib.parse.urlencode({**rng, "limit": 100, "format": "json"}),
        # The page's bucket for the range (web/js/range.js bucketForSpan).
        "/api/v1/reports/summary?" + urllib.parse.urlencode({**rng, "bucket": bucket(rng["since"])}),
        "/api/v1/lost-events?" + urllib.parse.urlencode({**rng, "limit": 1000}),
        "/api/v1/catalog",
    ]
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(path):
        with urllib.request.urlopen(urllib.request.Request(base + path, headers=headers), timeout=60) as r:
            r.read()

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(len(paths)) as pool:
        list(pool.map(get, paths))
    return (time.perf_counter() - start) * 1000


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--base-url", required=True)
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--query", default="", help="the page's URL state, e.g. since=1h (the page's default)")
    p.add_argument("--token")
    p.add_argument("--chromium", default="/usr/bin/chromium")
    p.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    args = p.parse_args()
    base = args.base_url.rstrip("/")
    options = Options()
    options.binary_location = args.chromium
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(a)
    d = webdriver.Chrome(service=Service(args.chromedriver), options=options)
    try:
        if args.token:
            d.get(base + "/")
            d.execute_script("sessionStorage.setItem('flowtrail.token', arguments[0])", args.token)
        d.execute_cdp_cmd("Network.enable", {})
        runs = []
        for _ in range(args.runs):
            d.execute_cdp_cmd("Network.clearBrowserCache", {})
            d.get(base + "/" + ("?" + args.query if args.query else ""))
            WebDriverWait(d, 60).until(lambda drv: drv.execute_script("return window.__flowtrail && window.__flowtrail.firstRenderMs"))
            runs.append(d.execute_script("""const n = performance.getEntriesByType('navigation')[0];
                return {first: window.__flowtrail.firstRenderMs, rows: window.__flowtrail.lastRowsRenderMs,
                        dcl: n.domContentLoadedEventEnd, resp: n.responseEnd};"""))
        peer = [api_peer(base, args.query, args.token) for _ in range(args.runs)]
    finally:
        d.quit()

    def summary(key):
        values = [r[key] for r in runs]
        return {"median": round(statistics.median(values), 1), "max": round(max(values), 1)}

    print(json.dumps({
        "runs": args.runs, "query": args.query,
        "first_render_ms": summary("first"), "rows_render_ms": summary("rows"),
        "dom_content_loaded_ms": summary("dcl"), "response_end_ms": summary("resp"),
        "api_peer_ms": {"median": round(statistics.median(peer), 1), "max": round(max(peer), 1)},
    }))


if __name__ == "__main__":
    main()
